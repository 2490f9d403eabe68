/**
 * The soak (issue 12 item 8; not in `npm test`): `npm run soak -- --minutes 10 [--json] [--seed N]`.
 *
 * Eight tabs of the harness page in one headful Chromium under Xvfb (two windows, so two tabs are in
 * front and six are background tabs), all in one room: two janky (long tasks of 200–1,500 ms every
 * 2–5 s), two with 5 % loss on every link, every tab setting its metadata every second. Each minute
 * one tab reloads itself; every two minutes one tab crashes (CDP Page.crash) and a new one opens.
 * The tabs link over WebRTC data channels, as tabs of different browsers do (`--same-browser` lets
 * them meet over BroadcastChannel instead, as same-browser tabs of an app do by default).
 * It prints a table of what went wrong (false Downs, missed Downs, metadata updates lost or out of
 * order), live JS heap per tab (after a forced GC) at minute 1 and at the end, RTCPeerConnections per tab, and server RSS.
 */
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from '@playwright/test';
import { startSignaling } from '../support/signaling';
import { type Display, type HeadfulBrowser, headfulChromium, startXvfb } from '../support/xvfb';
import { SOAK_PAGE_SCRIPT } from './page-script';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string' },
    'same-browser': { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const SEED = Number(values.seed ?? Date.now() % 1_000_000);
const SAME_BROWSER = values['same-browser'] === true;
const ROOM = 'soak';
const TABS = 8;
/** How long a crashed tab may take to be gone everywhere before it counts as a missed Down. */
const DOWN_WITHIN_MS = 30_000;
/** How long an update may take to show everywhere before it counts as lost. */
const UPDATE_WITHIN_MS = 2_000;

interface Slot {
  readonly index: number;
  page: Page;
  cdp: CDPSession;
  id: string;
  readonly jank: boolean;
  /** `document.visibilityState` when the soak started (background tabs are 'hidden'). */
  visibility?: string;
  readonly loss: boolean;
  life: number;
  heapMinute1?: number;
  heapEnd?: number;
  pcsTotal: number;
  errors: string[];
}

let rngState = SEED >>> 0;
function random(): number {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

async function main(): Promise<void> {
  const server = await startSignaling();
  let display: Display | undefined;
  let browser: HeadfulBrowser | undefined;
  // Ctrl-C or a kill: close the browser, the display and the server rather than leave them running.
  const stop = () => {
    void Promise.allSettled([browser?.close(), display?.stop(), server.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    display = await startXvfb();
    browser = await headfulChromium(display);
    await browser.context.addInitScript({ content: SOAK_PAGE_SCRIPT });
    const url = `${server.url}/harness/index.html?room=${ROOM}${SAME_BROWSER ? '' : '&sameBrowser=0'}`;
    const browserCdp = await browser.browser.newBrowserCDPSession();
    const context = browser.context;

    /**
     * Opens a tab (in a new window when asked). Waits poll on a timer: Playwright's default polls
     * on animation frames, which a background tab never gets.
     */
    const open = async (
      index: number,
      newWindow: boolean,
    ): Promise<Omit<Slot, 'jank' | 'loss' | 'life' | 'pcsTotal'>> => {
      const opened = context.waitForEvent('page');
      await browserCdp.send('Target.createTarget', { url: `${url}&name=tab${index}`, newWindow });
      const page = await opened;
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.waitForFunction(() => window.room !== undefined, undefined, {
        timeout: 60_000,
        polling: 250,
      });
      const cdp = await context.newCDPSession(page);
      const id = await page.evaluate(() => window.room!.self.id);
      return { index, page, cdp, id, errors };
    };
    const arm = async (slot: Slot) => {
      await slot.page.waitForFunction(() => window.room !== undefined, undefined, {
        timeout: 60_000,
        polling: 250,
      });
      await slot.page.evaluate(
        ([jank, seed]) =>
          (window as unknown as { soak: { start(o: object): void } }).soak.start({ jank, seed }),
        [slot.jank, SEED + slot.index + slot.life * 100] as const,
      );
      if (slot.loss) await slot.page.evaluate(() => window.room!.setLoss(0.05));
    };

    const slots: Slot[] = [];
    for (let i = 0; i < TABS; i++) {
      const base = await open(i, i === 4);
      const slot: Slot = {
        ...base,
        jank: i === 2 || i === 6,
        loss: i === 3 || i === 7,
        life: 0,
        pcsTotal: 0,
      };
      slots.push(slot);
      await arm(slot);
    }
    // Tab 0 in front of window 1, tab 4 in front of window 2 (opened with it); the rest are background.
    await slots[0]!.page.bringToFront();
    const visibility = await Promise.all(slots.map((s) => s.page.evaluate(() => document.visibilityState)));
    for (const [i, v] of visibility.entries()) slots[i]!.visibility = v;
    log(`seed ${SEED}; tabs: ${visibility.map((v, i) => `tab${i} ${v}`).join(', ')}`);
    // The soak starts once the room has formed: leaves while it forms are not what it measures.
    const formedBy = Date.now() + 180_000;
    for (;;) {
      const sizes = await Promise.all(slots.map((s) => s.page.evaluate(() => window.room!.members().length)));
      if (sizes.every((n) => n === TABS)) break;
      if (Date.now() > formedBy) throw new Error(`the room did not form: tabs see ${sizes.join(', ')}`);
      await sleep(1000);
    }
    log('the room formed');

    /** The ids each live tab should see: every live tab. */
    const crashed = new Map<string, number>(); // id → when it crashed
    /** When each address last reloaded: a leave of it soon after is a reload seen as a leave. */
    const reloadedAt = new Map<string, number>();
    const counts = {
      falseDowns: 0,
      falseDownsOfReloaded: 0,
      missedDowns: 0,
      lostUpdates: 0,
      outOfOrder: 0,
      checks: 0,
      reloads: 0,
      crashes: 0,
    };
    const leavesCounted = new Map<Page, number>();
    for (const slot of slots) {
      leavesCounted.set(slot.page, await slot.page.evaluate(() => window.shoalLog!.leaves.length));
    }

    /** Counts leaves of members that did not crash (false Downs) since the last look. */
    const countLeaves = async () => {
      for (const slot of slots) {
        const leaves = await slot.page
          .evaluate(() => window.shoalLog!.leaves.map((m) => m.id))
          .catch(() => [] as string[]);
        const from = leavesCounted.get(slot.page) ?? 0;
        for (const id of leaves.slice(from)) {
          if (!crashed.has(id)) {
            counts.falseDowns++;
            const reload = reloadedAt.get(id);
            const ofReload = reload !== undefined && Date.now() - reload < 30_000;
            if (ofReload) counts.falseDownsOfReloaded++;
            const whose = slots.find((s) => s.id === id);
            const who = whose === undefined ? id.slice(0, 8) : `tab${whose.index} (${id.slice(0, 8)})`;
            log(`false Down: tab${slot.index} saw ${who} leave${ofReload ? ' (it had just reloaded)' : ''}`);
          }
        }
        leavesCounted.set(slot.page, leaves.length);
      }
    };

    /** Snapshot every tab's last seq; 2 s later, every other tab must show at least that. */
    const checkUpdates = async () => {
      const set = new Map<string, number>();
      for (const slot of slots) {
        const seq = await slot.page
          .evaluate(() => (window as unknown as { soak: { seq: number } }).soak.seq)
          .catch(() => 0);
        if (seq > 0) set.set(slot.id, seq);
      }
      await sleep(UPDATE_WITHIN_MS);
      for (const slot of slots) {
        const seen = new Map(
          await slot.page
            .evaluate(() => (window as unknown as { soak: { seen(): Array<[string, number]> } }).soak.seen())
            .catch(() => [] as Array<[string, number]>),
        );
        for (const [id, seq] of set) {
          if (id === slot.id) continue;
          counts.checks++;
          if ((seen.get(id) ?? 0) < seq) counts.lostUpdates++;
        }
      }
    };

    /** The tab's live JS heap: after a full garbage collection, so that growth is what is kept, not garbage. */
    const heap = async (slot: Slot) => {
      await slot.cdp.send('HeapProfiler.collectGarbage');
      const usage = (await slot.cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      return usage.usedSize;
    };

    const started = Date.now();
    const end = started + MINUTES * 60_000;
    let nextReload = started + 60_000;
    let nextCrash = started + 120_000;
    let heapTaken = false;
    while (Date.now() < end) {
      await countLeaves();
      await checkUpdates();
      // Crashed tabs must be gone everywhere within DOWN_WITHIN_MS.
      for (const [id, at] of crashed) {
        if (at < 0 || Date.now() - at < DOWN_WITHIN_MS) continue;
        const stillSeenBy: number[] = [];
        for (const slot of slots) {
          const ids = await slot.page
            .evaluate(() => window.room!.members().map((m) => m.id))
            .catch(() => [] as string[]);
          if (ids.includes(id)) stillSeenBy.push(slot.index);
        }
        if (stillSeenBy.length > 0) {
          counts.missedDowns++;
          log(`missed Down: ${id.slice(0, 8)} still seen by tabs ${stillSeenBy.join(', ')}`);
        }
        crashed.set(id, -1);
      }
      if (!heapTaken && Date.now() - started >= 60_000) {
        heapTaken = true;
        for (const slot of slots) slot.heapMinute1 = await heap(slot);
      }
      if (Date.now() >= nextReload) {
        nextReload += 60_000;
        const slot = slots[1 + Math.floor(random() * (TABS - 1))]!;
        log(`reload tab${slot.index}`);
        reloadedAt.set(slot.id, Date.now());
        await slot.page.evaluate(() => location.reload()).catch(() => {});
        await slot.page.waitForLoadState('load').catch(() => {});
        leavesCounted.set(slot.page, 0); // a new page life: a new log
        slot.life++;
        await arm(slot);
        counts.reloads++;
      }
      if (Date.now() >= nextCrash) {
        nextCrash += 120_000;
        const i = 1 + Math.floor(random() * (TABS - 1));
        const old = slots[i]!;
        if (i === 4) continue; // keep window 2's front tab
        log(`crash tab${i} (${old.id.slice(0, 8)}) and open a new one`);
        old.pcsTotal += await old.page.evaluate(() =>
          (window as unknown as { soak: { pcs(): number } }).soak.pcs(),
        );
        void old.cdp.send('Page.crash').catch(() => {});
        crashed.set(old.id, Date.now());
        counts.crashes++;
        await sleep(500);
        await old.page.close().catch(() => {});
        const base = await open(i, false);
        const slot: Slot = { ...base, jank: old.jank, loss: old.loss, life: old.life + 1, pcsTotal: 0 };
        slot.visibility = await slot.page.evaluate(() => document.visibilityState);
        slots[i] = slot;
        await arm(slot);
      }
      await sleep(3000);
    }
    await countLeaves();
    for (const slot of slots) slot.heapEnd = await heap(slot);
    for (const slot of slots) {
      counts.outOfOrder += await slot.page.evaluate(() =>
        (window as unknown as { soak: { outOfOrder(): number } }).soak.outOfOrder(),
      );
    }
    const pcs = await Promise.all(
      slots.map(
        async (s) =>
          s.pcsTotal +
          (await s.page.evaluate(() => (window as unknown as { soak: { pcs(): number } }).soak.pcs())),
      ),
    );
    const rss = await serverRss(server.url);
    // Growth over the tabs that were there at minute 1 and at the end (a crashed tab's slot is new).
    const both = slots.filter((s) => s.heapMinute1 !== undefined && s.heapEnd !== undefined);
    const heap1 = both.reduce((a, s) => a + s.heapMinute1!, 0);
    const heapN = both.reduce((a, s) => a + s.heapEnd!, 0);
    const row = {
      minutes: MINUTES,
      seed: SEED,
      sameBrowserLinks: SAME_BROWSER ? 1 : 0,
      falseDowns: counts.falseDowns,
      falseDownsOfReloaded: counts.falseDownsOfReloaded,
      missedDowns: counts.missedDowns,
      lostUpdates: counts.lostUpdates,
      updateChecks: counts.checks,
      outOfOrderUpdates: counts.outOfOrder,
      heapMinute1Mb: round(heap1 / Math.max(1, both.length) / 2 ** 20),
      heapEndMb: round(heapN / Math.max(1, both.length) / 2 ** 20),
      heapGrowthPercent: heap1 === 0 ? 0 : round(((heapN - heap1) / heap1) * 100),
      peerConnectionsCreatedMax: Math.max(...pcs),
      serverRssMb: round(rss / 2 ** 20),
      reloads: counts.reloads,
      crashes: counts.crashes,
      pageErrors: slots.reduce((a, s) => a + s.errors.length, 0),
    };
    printTable(slots, pcs, row);
    if (values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
  } finally {
    await browser?.close();
    await display?.stop();
    await server.stop();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The server's resident memory, from its /metrics (prom-client's default process metrics). */
async function serverRss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function printTable(slots: readonly Slot[], pcs: readonly number[], row: Record<string, number>): void {
  const out = values.json ? process.stderr : process.stdout;
  const mb = (b: number | undefined) => (b === undefined ? '—' : `${round(b / 2 ** 20)} MB`);
  out.write(`\nSoak, ${row.minutes} min, seed ${row.seed}\n\n`);
  out.write(
    '| tab | role | JS heap min 1 | JS heap end | RTCPeerConnections created |\n|---|---|---|---|---|\n',
  );
  for (const [i, s] of slots.entries()) {
    const role = [s.visibility, s.jank ? 'janky' : '', s.loss ? '5 % loss' : ''].filter(Boolean).join(', ');
    out.write(`| tab${i} | ${role} | ${mb(s.heapMinute1)} | ${mb(s.heapEnd)} | ${pcs[i]} |\n`);
  }
  out.write('\n| figure | value | want |\n|---|---|---|\n');
  const want: Record<string, string> = {
    falseDowns: '0',
    missedDowns: '0',
    lostUpdates: '0',
    outOfOrderUpdates: '0',
    heapGrowthPercent: 'flat',
    peerConnectionsCreatedMax: 'bounded',
  };
  for (const [k, v] of Object.entries(row)) out.write(`| ${k} | ${v} | ${want[k] ?? ''} |\n`);
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
