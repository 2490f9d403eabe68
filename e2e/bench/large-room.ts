/**
 * `npm run bench:browser -- --large [--json]`: one large room over real WebRTC in one Chromium run.
 *
 * P pages, each in its own browser context, each hosting M members of the room (each member its own
 * mesh, links and signaling connection: `pages/shoal-large-page.ts`), against the project's signaling
 * server. The bench measures: all see all (last page's start → every member sees N), links per member
 * over a hold with no false Down, links created per page (every `RTCPeerConnection` the page made:
 * Chrome refuses past ~500), CPU per member (CDP `Performance.getMetrics` task time over the hold),
 * then one page's crash (its M members at once) until every remaining member saw all M go.
 */
import type { Browser } from '@playwright/test';
import type { LargePageState } from './pages/shoal-large-page';
import { sleep } from './processes';
import { closeTab, measureOffset, nodeNow, openTab, type Tab } from './tabs';

export interface LargePlan {
  readonly browser: Browser;
  readonly pageUrl: string;
  readonly signaling: string;
  readonly room: string;
  readonly pages: number;
  readonly perPage: number;
  readonly holdSeconds: number;
  /** `maxConnections` of every member; undefined: the default (32). */
  readonly maxConnections: number | undefined;
  readonly joinTimeoutMs: number;
  readonly crashCapMs: number;
  readonly progress: (line: string) => void;
}

/** The row of `--large --json`. Times in ms on the common clock (see tabs.ts); null: not reached. */
export interface LargeRow {
  readonly system: 'shoal';
  readonly n: number;
  readonly pages: number;
  readonly membersPerPage: number;
  readonly maxConnections: number | null;
  /** WebRTC links open (what `maxConnections` bounds), sampled over the hold. */
  readonly linksPerMemberMax: number | null;
  readonly linksPerMemberMean: number | null;
  /** BroadcastChannel links to members of the same page (outside the budget), over the hold. */
  readonly sameBrowserLinksPerMemberMax: number | null;
  readonly allSeeAllMs: number | null;
  readonly crashDetectedMs: number | null;
  readonly falseDowns: number;
  readonly holdSeconds: number;
  readonly linksCreatedPerPage: number | null;
  /** Main-thread task time per member over the hold, in % of one core. */
  readonly cpuPerMemberPercent: number | null;
  readonly signalsViaServer: number;
  readonly signalsRouted: number;
  readonly signalsFlooded: number;
  readonly problems: string[];
}

const read = (tab: Tab) => tab.page.evaluate(() => window.__large ?? null) as Promise<LargePageState | null>;
/** RTCPeerConnections the page ever created, and those not yet garbage-collected (Chrome's limit). */
const pcCounts = (tab: Tab) =>
  tab.page.evaluate(() => ({
    created: window.__pcs?.length ?? 0,
    held: window.__pcs?.filter((ref) => ref.deref() !== undefined).length ?? 0,
    refused: window.__pcsRefused ?? 0,
  }));

/** Main-thread task seconds the page has run so far (CDP Performance domain). */
async function taskSeconds(tab: Tab): Promise<number> {
  const { metrics } = (await tab.cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
}

/** A member's failed attempts by reason, most first: `timed out 12, busy 3`. */
function failureSummary(failures: Record<string, number>): string {
  const entries = Object.entries(failures).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${reason} ${n}`).join(', ');
}

/** The members' failed attempts by reason, added up. */
function sumFailures(members: readonly { failures?: Record<string, number> }[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const m of members) {
    for (const [reason, n] of Object.entries(m.failures ?? {})) total[reason] = (total[reason] ?? 0) + n;
  }
  return total;
}

/** Runs the large room once; never throws (problems go into the row). */
export async function runLargeRoom(plan: LargePlan): Promise<LargeRow> {
  const n = plan.pages * plan.perPage;
  const problems: string[] = [];
  const row = {
    system: 'shoal' as const,
    n,
    pages: plan.pages,
    membersPerPage: plan.perPage,
    maxConnections: plan.maxConnections ?? null,
    linksPerMemberMax: null as number | null,
    linksPerMemberMean: null as number | null,
    sameBrowserLinksPerMemberMax: null as number | null,
    allSeeAllMs: null as number | null,
    crashDetectedMs: null as number | null,
    falseDowns: 0,
    holdSeconds: plan.holdSeconds,
    linksCreatedPerPage: null as number | null,
    cpuPerMemberPercent: null as number | null,
    signalsViaServer: 0,
    signalsRouted: 0,
    signalsFlooded: 0,
    problems,
  };
  const tabs: Tab[] = [];
  try {
    // Pages start one second apart: a crowd of joins at one instant is not what a room sees.
    let lastStart = 0;
    for (let p = 0; p < plan.pages; p++) {
      const tab = await openTab(plan.browser, `page${p}`);
      tabs.push(tab);
      await tab.cdp.send('Performance.enable');
      const q = new URLSearchParams({
        signaling: plan.signaling,
        room: plan.room,
        page: String(p),
        m: String(plan.perPage),
        n: String(n),
        ...(plan.maxConnections === undefined ? {} : { max: String(plan.maxConnections) }),
      });
      lastStart = nodeNow();
      await tab.page.goto(`${plan.pageUrl}?${q}`);
      await measureOffset(tab);
      await sleep(1_000);
    }
    const toNode = (i: number, t: number) => t - tabs[i]!.offsetMs;
    const states = async () => Promise.all(tabs.map((t) => read(t).catch(() => null)));

    // All see all.
    const deadline = Date.now() + plan.joinTimeoutMs;
    let seen: (LargePageState | null)[] = [];
    for (;;) {
      seen = await states();
      const errors = seen.flatMap((s) => (s?.error ? [s.error] : []));
      if (errors.length > 0) throw new Error(`page error: ${errors[0]}`);
      const members = seen.flatMap((s) => s?.members ?? []);
      const done = members.length === n && members.every((m) => m.allSeenAt !== null);
      const views = members.map((m) => m.visible).sort((a, b) => a - b);
      const sum = (f: (m: (typeof members)[number]) => number) => members.reduce((a, m) => a + f(m), 0);
      const pcs = await Promise.all(
        tabs.map((t) => pcCounts(t).catch(() => ({ created: 0, held: 0, refused: 0 }))),
      );
      plan.progress(
        `join: ${members.filter((m) => m.allSeenAt !== null).length}/${n} see all; ${members.length} started; ` +
          `views ${views[0]}..${views.at(-1)} (median ${views[views.length >> 1]}); ` +
          `links ${Math.min(...members.map((m) => m.openLinks))}..${Math.max(...members.map((m) => m.openLinks))}; ` +
          `signals server ${sum((m) => m.signalsViaServer)} routed ${sum((m) => m.signalsRouted)} flooded ${sum((m) => m.signalsFlooded)}; ` +
          `RTCPeerConnections per page: created ≤ ${Math.max(...pcs.map((c) => c.created))}, ` +
          `not yet collected ≤ ${Math.max(...pcs.map((c) => c.held))}, refused ${pcs.reduce((a, c) => a + c.refused, 0)}; ` +
          `attempts failed: ${failureSummary(sumFailures(members))}`,
      );
      if (process.env.SHOAL_BENCH_GC === '1') {
        // Diagnostic: force a GC on the first page and count what is still held (a leak, not lazy GC).
        await tabs[0]!.cdp.send('HeapProfiler.collectGarbage');
        const after = await pcCounts(tabs[0]!);
        const open = (seen[0]?.members ?? []).reduce((a, m) => a + m.openLinks + m.pendingLinks, 0);
        plan.progress(`  gc on page 0: ${after.held} RTCPeerConnections held, ${open} links open or pending`);
      }
      if (done) break;
      if (Date.now() > deadline) {
        row.signalsViaServer = sum((m) => m.signalsViaServer);
        row.signalsRouted = sum((m) => m.signalsRouted);
        row.signalsFlooded = sum((m) => m.signalsFlooded);
        // The members furthest behind, to tell missing members from missing metadata or links.
        const behind = [...members].sort((a, b) => a.visible - b.visible).slice(0, 8);
        for (const m of behind) {
          plan.progress(
            `  behind: ${m.id} sees ${m.visible} (holds ${m.known}), links open ${m.openLinks} pending ${m.pendingLinks} ` +
              `backing off ${m.backingOff}, refused ${m.refused}, yielded ${m.yielded}, created ${m.linksCreated}; ` +
              `attempts failed: ${failureSummary(m.failures ?? {})}`,
          );
        }
        throw new Error(
          `not every member saw ${n} within ${plan.joinTimeoutMs} ms (views ${views[0]}..${views.at(-1)}, median ${views[views.length >> 1]})`,
        );
      }
      await sleep(2_000);
    }
    const seeAll = seen.flatMap((s, i) => s!.members.map((m) => toNode(i, m.allSeenAt!)));
    row.allSeeAllMs = Math.max(...seeAll) - lastStart;

    // Hold: nobody may go Down; links and CPU over it.
    const leavesBefore = seen.map((s) => s!.members.map((m) => m.leaves.length));
    const cpu0 = await Promise.all(tabs.map(taskSeconds));
    const t0 = nodeNow();
    let linksMax = 0;
    let linksSum = 0;
    let sameBrowserMax = 0;
    let samples = 0;
    const holdEnd = Date.now() + plan.holdSeconds * 1000;
    while (Date.now() < holdEnd) {
      await sleep(5_000);
      seen = await states();
      for (const m of seen.flatMap((s) => s?.members ?? [])) {
        linksMax = Math.max(linksMax, m.openLinks);
        sameBrowserMax = Math.max(sameBrowserMax, m.sameBrowserLinks);
        linksSum += m.openLinks;
        samples++;
      }
      const falseDowns = seen.reduce(
        (sum, s, i) =>
          sum + (s?.members ?? []).reduce((a, m, j) => a + m.leaves.length - leavesBefore[i]![j]!, 0),
        0,
      );
      plan.progress(
        `hold: ${Math.round((nodeNow() - t0) / 1000)} s, links max ${linksMax}, false downs ${falseDowns}`,
      );
      row.falseDowns = falseDowns;
    }
    const cpu1 = await Promise.all(tabs.map(taskSeconds));
    const heldSeconds = (nodeNow() - t0) / 1000;
    row.cpuPerMemberPercent = (100 * cpu1.reduce((a, c, i) => a + c - cpu0[i]!, 0)) / heldSeconds / n;
    row.linksPerMemberMax = linksMax;
    row.linksPerMemberMean = samples > 0 ? linksSum / samples : null;
    row.sameBrowserLinksPerMemberMax = sameBrowserMax;
    const members = seen.flatMap((s) => s?.members ?? []);
    row.signalsViaServer = members.reduce((a, m) => a + m.signalsViaServer, 0);
    row.signalsRouted = members.reduce((a, m) => a + m.signalsRouted, 0);
    row.signalsFlooded = members.reduce((a, m) => a + m.signalsFlooded, 0);
    row.linksCreatedPerPage = Math.max(...(await Promise.all(tabs.map(pcCounts))).map((c) => c.created));

    // Crash: the last page's renderer dies with its M members.
    const crasher = tabs.at(-1)!;
    const observers = tabs.slice(0, -1);
    const crashedIds = seen.at(-1)!.members.map((m) => m.id);
    const crashAt = nodeNow();
    void crasher.cdp.send('Page.crash').catch(() => {});
    const crashDeadline = Date.now() + plan.crashCapMs;
    for (;;) {
      await sleep(500);
      const after = await Promise.all(observers.map((t) => read(t).catch(() => null)));
      const all = after.every((s) =>
        s?.members.every((m) => crashedIds.every((id) => m.goneAt[id] !== undefined)),
      );
      if (all) {
        row.crashDetectedMs =
          Math.max(
            ...after.flatMap((s, i) =>
              s!.members.flatMap((m) => crashedIds.map((id) => toNode(i, m.goneAt[id]!))),
            ),
          ) - crashAt;
        break;
      }
      if (Date.now() > crashDeadline) {
        problems.push(`crash of ${crashedIds.length} members not known by all within ${plan.crashCapMs} ms`);
        break;
      }
    }
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    for (const tab of tabs) await closeTab(tab);
  }
  return row;
}

/** The row as a few lines for the terminal. */
export function formatLargeRow(r: LargeRow): string {
  const f = (x: number | null, digits = 0) => (x === null ? '—' : x.toFixed(digits));
  return [
    `N = ${r.n} (${r.pages} pages × ${r.membersPerPage} members), maxConnections ${r.maxConnections ?? 'default (32)'}`,
    `all see all      ${f(r.allSeeAllMs)} ms after the last page started`,
    `links per member max ${f(r.linksPerMemberMax)}, mean ${f(r.linksPerMemberMean, 1)} (WebRTC; ` +
      `and up to ${f(r.sameBrowserLinksPerMemberMax)} over BroadcastChannel to members of its own page)`,
    `links created    ${f(r.linksCreatedPerPage)} RTCPeerConnections on the busiest page`,
    `false Downs      ${r.falseDowns} over a ${r.holdSeconds} s hold`,
    `CPU per member   ${f(r.cpuPerMemberPercent, 2)} % of a core (main-thread task time over the hold)`,
    `crash of a page  ${f(r.crashDetectedMs)} ms until every other member saw its ${r.membersPerPage} go`,
    `signals          via server ${r.signalsViaServer}, routed ${r.signalsRouted}, flooded ${r.signalsFlooded}`,
    ...r.problems.map((p) => `problem: ${p}`),
  ].join('\n');
}
