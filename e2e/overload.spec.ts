/**
 * Issue 12 item 6, in Chromium: 16 tabs (each in its own browser context, so every byte between them
 * goes over WebRTC) open at once while busy-looping processes hog the machine's cores; the hog stops
 * 30 s after the last tab loaded. Then every tab must see all 16, and the packets each tab sends per
 * second must come back to the settled rate: flapping that fed itself (false Downs → rejoins, Feeds,
 * announcements, re-signaling) must not outlive the load.
 *
 * Every figure is printed: load average, load time, views and leaves under load, time to converge
 * after the hog, packets per tab per second under load, right after converging and once settled.
 * `OVERLOAD_TABS` and `OVERLOAD_HOGS` change the room's size and the hog's processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { cdp, memberIds, openTab, type Tab } from './support/tabs';

const env = serverPerFile();

/**
 * Counts every data-channel send by what it carries: the frame kind (1 swim, 2 signal, 3 app, 0x81
 * swim in link form, 0x80 hello) and, for SWIM, the message tag (PROTOCOL.md: byte 38 of the packet,
 * 39 of a kind-1 frame, 1 of a link-form frame), so a figure says what a flapping tab sends most. A string, not a function: tsx would add helpers the page lacks.
 */
const COUNT_SENDS = `(() => {
  const names = ['ping','ack','ping-req','indirect-ping','indirect-ack','forwarded-ack','gossip','announce','feed','feed-request','broadcast','turn-undead','nack','sync','sync-page','announce-digest'];
  const sent = {};
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    const b = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    const key = b === undefined ? 'other' : b[0] === 1 ? (names[b[39]] ?? 'swim?') : b[0] === 0x81 ? (names[b[1]] ?? 'swim?') : b[0] === 0x80 ? 'hello' : b[0] === 2 ? 'signal' : b[0] === 3 ? 'app' : 'other';
    const c = sent[key] ?? (sent[key] = { packets: 0, bytes: 0 });
    c.packets++;
    c.bytes += b === undefined ? 0 : b.byteLength;
    return send.call(this, data);
  };
  window.__sent = sent;
})();`;

const TABS = Number(process.env.OVERLOAD_TABS ?? 16);
/** Busy-looping processes: 3 on 2 cores leave each tab a sliver of a core while the room forms. */
const HOGS = Number(process.env.OVERLOAD_HOGS ?? 3);
/**
 * For exploring harder overloads: CDP's CPU throttling (this many times slower) on every tab while the
 * hog runs. Default 1 (off).
 */
const THROTTLE = Number(process.env.OVERLOAD_CPU_THROTTLE ?? 1);
const HOG_MS = 30_000;
/**
 * The issue's goal is all-see-all within 30 s of the load ending; the assertion allows 60 s so a
 * loaded CI machine does not flake, and the measured time is printed against the goal.
 */
const CONVERGE_DEADLINE_MS = 60_000;
/** Each rate window. */
const WINDOW_MS = 10_000;
/**
 * A settled room of 16 sends ~12 packets per tab per second (issue 12, measured in Chromium); a tab
 * that still flaps sends several times that (~95 under the overload that was reported).
 */
const SETTLED_BOUND_PER_SECOND = 24;

/** One tab's counters at one instant. */
interface Sample {
  readonly at: number;
  readonly packetsOut: number;
  readonly leaves: number;
  readonly downs: number;
  readonly rejoins: number;
  readonly renames: number;
  readonly view: number;
  readonly signalsViaServer: number;
  readonly relayed: number;
  readonly linksCreated: number;
}

async function sample(tab: Tab): Promise<Sample> {
  return await tab.page.evaluate(() => {
    const stats = window.room!.stats();
    const log = window.shoalLog!;
    const count = (type: string) => log.notifications.filter((n) => n.type === type).length;
    return {
      at: Date.now(),
      packetsOut: stats.mesh.packetsOut,
      leaves: log.leaves.length,
      downs: count('member-down'),
      rejoins: count('rejoin'),
      renames: count('rename'),
      view: window.room!.members().length,
      signalsViaServer: stats.mesh.signalsViaServer,
      relayed: stats.mesh.relayed,
      linksCreated: stats.mesh.linksCreated,
    };
  });
}

const sampleAll = (tabs: readonly Tab[]) => Promise.all(tabs.map(sample));

type Sent = Record<string, { packets: number; bytes: number }>;

/** Every tab's send counts (COUNT_SENDS) added up. */
async function sentAll(tabs: readonly Tab[]): Promise<Sent> {
  const all = await Promise.all(
    tabs.map((t) => t.page.evaluate(() => (window as unknown as { __sent: Sent }).__sent)),
  );
  const total: Sent = {};
  for (const sent of all) {
    for (const [k, c] of Object.entries(sent)) {
      const t = total[k] ?? { packets: 0, bytes: 0 };
      total[k] = { packets: t.packets + c.packets, bytes: t.bytes + c.bytes };
    }
  }
  return total;
}

/** Per tab per second between two totals, biggest first: `kind packets (bytes)`. */
function sentRates(a: Sent, b: Sent, ms: number): string {
  const per = (n: number) => (n * 1000) / ms / TABS;
  return Object.entries(b)
    .map(([k, c]) => [k, per(c.packets - (a[k]?.packets ?? 0)), per(c.bytes - (a[k]?.bytes ?? 0))] as const)
    .filter(([, p]) => p > 0)
    .sort((x, y) => y[2] - x[2])
    .map(([k, p, bytes]) => `${k} ${p.toFixed(2)} (${Math.round(bytes)} B)`)
    .join(', ');
}

/** Per-tab figure between two sample sets. */
function perTab(a: readonly Sample[], b: readonly Sample[], key: keyof Sample): number[] {
  return b.map((s, i) => s[key] - a[i]![key]);
}

/** Packets per tab per second between two sample sets. */
function rates(a: readonly Sample[], b: readonly Sample[]): number[] {
  return b.map((s, i) => ((s.packetsOut - a[i]!.packetsOut) * 1000) / (s.at - a[i]!.at));
}

const sum = (xs: readonly number[]) => xs.reduce((x, y) => x + y, 0);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const fmt = (xs: readonly number[]) =>
  `median ${median(xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, min ${Math.min(...xs).toFixed(1)}`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function startHog(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

function stopHog(hog: readonly ChildProcess[]): void {
  for (const p of hog) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** Whether every tab sees exactly `want` (sorted ids). */
async function allSeeAll(tabs: readonly Tab[], want: readonly string[]): Promise<boolean> {
  const views = await Promise.all(tabs.map(memberIds));
  return views.every((v) => v.length === want.length && v.every((id, i) => id === want[i]));
}

test(`${TABS} tabs that form under a CPU hog converge after it stops, and their traffic settles`, async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const tabs: Tab[] = [];
  const hog = startHog(HOGS);
  try {
    const startedAt = Date.now();
    console.log(`overload: ${TABS} tabs, ${HOGS} hog processes; load average at start ${load()}`);
    // All at once, as a user opening many tabs (or a room many people join together).
    const opened = await Promise.all(
      Array.from({ length: TABS }, (_, i) =>
        openTab(browser, env.server.url, 'overload', `tab${i}`, { initScript: COUNT_SENDS }),
      ),
    );
    tabs.push(...opened);
    env.opened.push(...opened);
    const loadedAt = Date.now();
    const ids = tabs.map((t) => t.id).sort();
    console.log(`all ${TABS} pages loaded in ${loadedAt - startedAt} ms; load average ${load()}`);

    // The load: the hog runs on for HOG_MS while the room forms; views are logged as it goes.
    const sessions = THROTTLE > 1 ? await Promise.all(tabs.map(cdp)) : [];
    for (const s of sessions) await s.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
    const atLoaded = await sampleAll(tabs);
    const sentAtLoaded = await sentAll(tabs);
    console.log(
      `while loading: leaves ${sum(atLoaded.map((s) => s.leaves))}, downs ${sum(atLoaded.map((s) => s.downs))}, ` +
        `views ${atLoaded.map((s) => s.view).join(',')}`,
    );
    let formedUnderLoad: number | undefined;
    while (Date.now() - loadedAt < HOG_MS) {
      await tabs[0]!.page.waitForTimeout(Math.min(5_000, HOG_MS - (Date.now() - loadedAt)));
      const now = await sampleAll(tabs);
      const views = now.map((s) => s.view);
      if (formedUnderLoad === undefined && views.every((v) => v === TABS)) formedUnderLoad = Date.now();
      console.log(
        `  +${Date.now() - loadedAt} ms under load: views ${views.join(',')}; leaves ${sum(perTab(atLoaded, now, 'leaves'))}; load ${load()}`,
      );
    }
    const atHogEnd = await sampleAll(tabs);
    const sentAtHogEnd = await sentAll(tabs);
    stopHog(hog);
    for (const s of sessions) await s.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    const hogEnd = Date.now();
    const duringRates = rates(atLoaded, atHogEnd);
    console.log(
      `hog stopped after ${hogEnd - loadedAt} ms of forming (load ${load()}); under load: ` +
        `leaves ${sum(perTab(atLoaded, atHogEnd, 'leaves'))}, downs ${sum(perTab(atLoaded, atHogEnd, 'downs'))}, ` +
        `rejoins ${sum(perTab(atLoaded, atHogEnd, 'rejoins'))}, renames ${sum(perTab(atLoaded, atHogEnd, 'renames'))}, ` +
        `links created ${sum(perTab(atLoaded, atHogEnd, 'linksCreated'))}, signals via server ${sum(perTab(atLoaded, atHogEnd, 'signalsViaServer'))}, ` +
        `relayed ${sum(perTab(atLoaded, atHogEnd, 'relayed'))}; packets/s per tab ${fmt(duringRates)}` +
        (formedUnderLoad === undefined ? '; never all-see-all under load' : '; all saw all under load'),
    );

    // After the load: every tab must see all, within the deadline; the time is measured against 30 s.
    let convergedAt: number | undefined;
    while (Date.now() - hogEnd < CONVERGE_DEADLINE_MS) {
      if (await allSeeAll(tabs, ids)) {
        convergedAt = Date.now();
        break;
      }
      await tabs[0]!.page.waitForTimeout(250);
    }
    const atConverged = await sampleAll(tabs);
    const convergeMs = convergedAt === undefined ? undefined : convergedAt - hogEnd;
    console.log(
      `converged ${convergeMs === undefined ? `NOT within ${CONVERGE_DEADLINE_MS} ms` : `${convergeMs} ms`} after the hog ` +
        `(goal 30,000 ms); views ${atConverged.map((s) => s.view).join(',')}; ` +
        `leaves since the hog ${sum(perTab(atHogEnd, atConverged, 'leaves'))}; load ${load()}`,
    );
    expect(
      convergeMs,
      `all ${TABS} see all ${TABS} within ${CONVERGE_DEADLINE_MS} ms of the load ending`,
    ).toBeDefined();

    // Traffic right after converging, then once the room held for WINDOW_MS (the settled rate).
    await tabs[0]!.page.waitForTimeout(WINDOW_MS);
    const atHeld = await sampleAll(tabs);
    await tabs[0]!.page.waitForTimeout(WINDOW_MS);
    const atSettled = await sampleAll(tabs);
    const afterRates = rates(atConverged, atHeld);
    const settledRates = rates(atHeld, atSettled);
    const leavesAfter = sum(perTab(atConverged, atSettled, 'leaves'));
    const sentAtSettled = await sentAll(tabs);
    console.log(
      `sent per tab per second under load: ${sentRates(sentAtLoaded, sentAtHogEnd, atHogEnd[0]!.at - atLoaded[0]!.at)}`,
    );
    console.log(
      `sent per tab per second once settled: ${sentRates(sentAtHogEnd, sentAtSettled, atSettled[0]!.at - atHogEnd[0]!.at)}`,
    );
    const wrapped = Object.values(sentAtSettled).reduce((n, c) => n + c.packets, 0);
    console.log(
      `(the send counter saw ${wrapped} sends; the mesh counted ${sum(atSettled.map((s) => s.packetsOut))})`,
    );
    console.log(
      `packets/s per tab: under load ${fmt(duringRates)}; first ${WINDOW_MS} ms after converging ${fmt(afterRates)}; ` +
        `settled (after holding ${WINDOW_MS} ms) ${fmt(settledRates)}; bound ${SETTLED_BOUND_PER_SECOND} ` +
        `(2 × the ~12 a settled room of 16 sends); leaves after converging ${leavesAfter}; load ${load()}`,
    );
    expect(await allSeeAll(tabs, ids), 'the room held after converging').toBe(true);
    // Back to the settled rate: no tab sends more than twice what the settled room's median tab does,
    // and the settled room itself is no busier than twice the N=16 figure.
    expect(median(settledRates)).toBeLessThanOrEqual(SETTLED_BOUND_PER_SECOND);
    expect(Math.max(...afterRates)).toBeLessThanOrEqual(2 * Math.max(median(settledRates), 12));
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  } finally {
    stopHog(hog);
  }
});
