/**
 * Tabs as separate users: each bench tab lives in its own browser context (its own profile), so no two
 * tabs share a BroadcastChannel and every byte between them goes over WebRTC. Each page is instrumented
 * before its scripts run so the bench can read every RTCPeerConnection's counters, whatever library
 * created it.
 */
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from '@playwright/test';
import type { BenchState } from './pages/presence-log';

declare global {
  interface Window {
    /** Every RTCPeerConnection the page created, held weakly (see TRACK_PEER_CONNECTIONS). */
    __pcs?: WeakRef<RTCPeerConnection>[];
    /** Constructions Chrome refused (e.g. "Cannot create so many PeerConnections"). */
    __pcsRefused?: number;
  }
}

/**
 * Debian's Chromium (or `CHROMIUM_PATH`), headless, with the background work that would skew the
 * figures turned off; the bench's own exit handlers close it (Playwright's are off).
 */
export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    handleSIGINT: false,
    handleSIGTERM: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Node's side of the common clock: the same expression the pages use, on the same machine. */
export function nodeNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface Tab {
  readonly id: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly cdp: CDPSession;
  /** page clock − Node clock, in ms (measured after load; subtract it from page timestamps). */
  offsetMs: number;
  /** Errors the page threw, kept for the report. */
  readonly errors: string[];
}

/**
 * Keeps a weak reference to every RTCPeerConnection the page creates in `window.__pcs` (its length is
 * the count ever created); runs before any page script. Weak, because Chrome frees a connection's slot
 * (at most ~500 a page) only when the object is garbage-collected: holding them all would make the
 * bench itself exhaust the page. A string, not a function: tsx's transform would put helpers into a
 * function's source that the page lacks.
 */
const TRACK_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      try {
        super(config);
      } catch (e) {
        window.__pcsRefused = (window.__pcsRefused ?? 0) + 1;
        throw e;
      }
      pcs.push(new WeakRef(this));
    }
  };
  window.__pcs = pcs;
})();`;

/** Opens a blank tab in a fresh context of `browser`, instrumented and with a CDP session. */
export async function openTab(browser: Browser, id: string): Promise<Tab> {
  const context = await browser.newContext();
  await context.addInitScript({ content: TRACK_PEER_CONNECTIONS });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { id, context, page, cdp, offsetMs: 0, errors };
}

/**
 * Measures page clock − Node clock for one tab: the best of a few round trips, whose midpoint is taken
 * as the instant the page read its clock. Returns the round trip of the best sample (the error bound ×2).
 */
export async function measureOffset(tab: Tab): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    const t0 = nodeNow();
    const p = await tab.page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = nodeNow();
    if (t1 - t0 < best) {
      best = t1 - t0;
      tab.offsetMs = p - (t0 + t1) / 2;
    }
  }
  return best;
}

/** The page's presence log (`window.__bench`), or null before the page created it. */
export function readState(tab: Tab): Promise<BenchState | null> {
  return tab.page.evaluate(() => window.__bench ?? null);
}

/** One RTCPeerConnection's counters at one instant. */
export interface PcCounters {
  readonly index: number;
  readonly state: RTCPeerConnectionState;
  readonly dataChannelBytesSent: number;
  readonly transportBytesSent: number;
}

export interface TrafficSnapshot {
  /** Page clock when the counters were read. */
  readonly at: number;
  readonly pcs: readonly PcCounters[];
}

/** Reads bytesSent of every data channel and every transport of every peer connection in the tab. */
export function readTraffic(tab: Tab): Promise<TrafficSnapshot> {
  return tab.page.evaluate(async () => {
    const pcs = window.__pcs ?? [];
    const out: PcCounters[] = [];
    for (const [index, ref] of pcs.entries()) {
      const pc = ref.deref();
      if (pc === undefined || pc.connectionState === 'closed') continue;
      let dataChannelBytesSent = 0;
      let transportBytesSent = 0;
      const report = await pc.getStats();
      report.forEach((s: { type: string; bytesSent?: number }) => {
        if (s.type === 'data-channel') dataChannelBytesSent += s.bytesSent ?? 0;
        if (s.type === 'transport') transportBytesSent += s.bytesSent ?? 0;
      });
      out.push({ index, state: pc.connectionState, dataChannelBytesSent, transportBytesSent });
    }
    return { at: performance.timeOrigin + performance.now(), pcs: out };
  });
}

/** Bytes sent between two snapshots of one tab: connections present in both, plus new ones from zero. */
export function trafficBetween(
  a: TrafficSnapshot,
  b: TrafficSnapshot,
): { seconds: number; dataChannelBytes: number; transportBytes: number } {
  const before = new Map(a.pcs.map((p) => [p.index, p]));
  let dataChannelBytes = 0;
  let transportBytes = 0;
  for (const p of b.pcs) {
    const q = before.get(p.index);
    dataChannelBytes += p.dataChannelBytesSent - (q?.dataChannelBytesSent ?? 0);
    transportBytes += p.transportBytesSent - (q?.transportBytesSent ?? 0);
  }
  return { seconds: (b.at - a.at) / 1000, dataChannelBytes, transportBytes };
}

/** Connections of a snapshot that are up. */
export function connectedCount(s: TrafficSnapshot): number {
  return s.pcs.filter((p) => p.state === 'connected').length;
}

/** Closes a tab's context; never throws (the tab may have crashed or be closing already). */
export async function closeTab(tab: Tab): Promise<void> {
  await tab.context.close().catch(() => {});
}
