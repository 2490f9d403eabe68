/**
 * One repetition for one system and N: N−1 tabs load at once and form a room, the last tab loads into
 * it, then the bench measures, in this order, steady-state traffic, connections and CPU, a graceful leave
 * (beforeunload) and a crash (CDP Page.crash). Every instant is on the common clock (see tabs.ts); page instants are the moment
 * the library told the page.
 */
import type { Browser, CDPSession } from '@playwright/test';
import { type CpuFigures, enableCpuMetrics, measureRest, type ProfileSummary } from './cpu';
import type { BenchState } from './pages/presence-log';
import { sleep } from './processes';
import { median } from './report';
import {
  closeTab,
  connectedCount,
  measureOffset,
  nodeNow,
  openTab,
  readState,
  readTraffic,
  type Tab,
  trafficBetween,
} from './tabs';

export interface RepetitionPlan {
  readonly browser: Browser;
  /** Full URL of the bench page, without its query. */
  readonly pageUrl: string;
  readonly signaling: string;
  readonly room: string;
  readonly n: number;
  readonly joinTimeoutMs: number;
  readonly settleMs: number;
  readonly trafficWindowMs: number;
  readonly leaveTimeoutMs: number;
  readonly crashCapMs: number;
  /** The browser's own CDP session, for all of Chromium's CPU; null: that figure is not measured. */
  readonly browserCdp: CDPSession | null;
  /** True: the first tab is profiled over the rest window (and left out of the CPU figures). */
  readonly profile: boolean;
  /** More query parameters for the page (a variant of the system, e.g. `ae=0`). */
  readonly query?: Readonly<Record<string, string>>;
}

/** What one repetition measured; a figure is null when its step could not run (see `problems`). */
export interface RepetitionResult {
  /** Whether the N−1 tabs saw each other within the timeout; null: the repetition failed before. */
  formed: boolean | null;
  formMs: number | null;
  /** Where the forming time went, step by step (pages that record `milestones`); empty otherwise. */
  formPhases: FormPhase[];
  joinMs: number | null;
  /** Like joinMs, up to every tab listing all N members, presence state (metadata) or not. */
  joinListedMs: number | null;
  gracefulLeaveMs: number | null;
  gracefulLeaveCapped: boolean;
  crashDetectedMs: number | null;
  crashCapped: boolean;
  bytesPerMemberSecond: number | null;
  wireBytesPerMemberSecond: number | null;
  connectionsPerTab: number | null;
  /** CPU per tab at rest, over the traffic window. */
  cpu: CpuFigures | null;
  profile: ProfileSummary | null;
  /** Largest |page clock − Node clock| uncertainty (half a round trip), ms. */
  clockUncertaintyMs: number;
  /** Largest |page clock − Node clock| found (and removed), ms. */
  maxClockOffsetMs: number;
  problems: string[];
}

/** One step of the tabs' way into a forming room: ms from each tab's own script start, over the tabs. */
export interface FormPhase {
  readonly step: string;
  readonly medianMs: number;
  readonly maxMs: number;
}

/** The forming room's steps, from each tab's presence log (steps a page does not record are left out). */
function formPhases(states: readonly BenchState[], ids: readonly string[]): FormPhase[] {
  const steps: Array<[string, (s: BenchState) => number | undefined]> = [
    ['room connected', (s) => s.milestones.connected],
    ['first member listed', (s) => s.milestones.firstListed],
    [`all ${ids.length} listed`, (s) => s.milestones[`listed${ids.length}`]],
    [
      `all ${ids.length} seen (metadata too)`,
      (s) => Math.max(...ids.map((id) => s.seenAt[id] ?? Number.NaN)),
    ],
  ];
  const out: FormPhase[] = [];
  for (const [step, at] of steps) {
    const xs = states.map((s) => (at(s) ?? Number.NaN) - s.startedAt);
    if (xs.some((x) => !Number.isFinite(x))) continue;
    out.push({ step, medianMs: median(xs), maxMs: Math.max(...xs) });
  }
  return out;
}

const POLL_MS = 100;

/** Polls the tabs' presence logs until `done` holds for all of them or `timeoutMs` passes. */
async function waitForAll(
  tabs: readonly Tab[],
  done: (s: BenchState) => boolean,
  timeoutMs: number,
): Promise<{ states: (BenchState | null)[]; timedOut: boolean; error: string | null }> {
  const deadline = nodeNow() + timeoutMs;
  for (;;) {
    const states = await Promise.all(tabs.map((t) => readState(t).catch(() => null)));
    const failed = states.find((s) => s?.error);
    if (failed) return { states, timedOut: false, error: `${failed.selfId}: ${failed.error}` };
    if (states.every((s) => s !== null && done(s))) return { states, timedOut: false, error: null };
    if (nodeNow() > deadline) return { states, timedOut: true, error: null };
    await sleep(POLL_MS);
  }
}

function pageToNode(tab: Tab, pageMs: number): number {
  return pageMs - tab.offsetMs;
}

/** Opens N tabs, measures, and closes every tab it opened, whatever happens. */
export async function runRepetition(plan: RepetitionPlan): Promise<RepetitionResult> {
  const result: RepetitionResult = {
    formed: null,
    formMs: null,
    formPhases: [],
    joinMs: null,
    joinListedMs: null,
    gracefulLeaveMs: null,
    gracefulLeaveCapped: false,
    crashDetectedMs: null,
    crashCapped: false,
    bytesPerMemberSecond: null,
    wireBytesPerMemberSecond: null,
    connectionsPerTab: null,
    cpu: null,
    profile: null,
    clockUncertaintyMs: 0,
    maxClockOffsetMs: 0,
    problems: [],
  };
  const tabs: Tab[] = [];
  try {
    const ids = Array.from({ length: plan.n }, (_, i) => `t${i}`);
    tabs.push(...(await Promise.all(ids.map((id) => openTab(plan.browser, id)))));
    const url = (id: string) =>
      `${plan.pageUrl}?${new URLSearchParams({ ...plan.query, signaling: plan.signaling, room: plan.room, id, n: String(plan.n) })}`;
    const early = tabs.slice(0, -1);
    const late = tabs[tabs.length - 1]!;
    const earlyIds = early.map((t) => t.id);
    const problem = (what: string, w: Awaited<ReturnType<typeof waitForAll>>, timeoutMs: number) => {
      const seen = w.states.map((s, i) => `${tabs[i]!.id}:${s?.visible.length ?? '?'}`).join(' ');
      result.problems.push(w.error ?? `${what}: not done after ${timeoutMs} ms (members seen: ${seen})`);
    };

    // The room forms: N−1 tabs load at once and must all see each other.
    await Promise.all(early.map((t) => t.page.goto(url(t.id), { waitUntil: 'load' })));
    const formed = await waitForAll(
      early,
      (s) => earlyIds.every((id) => s.visible.includes(id)),
      plan.joinTimeoutMs,
    );
    result.formed = !formed.error && !formed.timedOut;
    if (result.formed) result.formPhases = formPhases(formed.states as BenchState[], earlyIds);
    if (!result.formed) {
      problem(`${early.length} tabs forming a room`, formed, plan.joinTimeoutMs);
      return result;
    }

    /** Last script start → all N−1 see each other, on the common clock (needs the tabs' offsets). */
    const formTime = () => {
      const formStates = formed.states as BenchState[];
      const start = Math.max(...formStates.map((s, i) => pageToNode(early[i]!, s.startedAt)));
      const end = Math.max(
        ...formStates.map((s, i) => Math.max(...earlyIds.map((id) => pageToNode(early[i]!, s.seenAt[id]!)))),
      );
      return end - start;
    };

    // Join: the last tab loads into the formed room; every tab must see all N.
    await late.page.goto(url(late.id), { waitUntil: 'load' });
    const joined = await waitForAll(tabs, (s) => s.allSeenAt !== null, plan.joinTimeoutMs);
    if (joined.error || joined.timedOut) {
      problem(`the last tab joining`, joined, plan.joinTimeoutMs);
      // The room did form: time it (offsets read now, since the traffic step will not run).
      for (const t of early) await measureOffset(t).catch(() => 0);
      result.formMs = formTime();
      return result;
    }

    // Steady state: every tab's data-channel and transport bytes, and its CPU, over the same window.
    await Promise.all(tabs.map(enableCpuMetrics));
    await sleep(plan.settleMs);
    const before = await Promise.all(tabs.map(readTraffic));
    const rest = await measureRest(tabs, plan.trafficWindowMs, plan.browserCdp, plan.profile);
    result.cpu = rest.cpu;
    result.profile = rest.profile;
    const after = await Promise.all(tabs.map(readTraffic));
    let dc = 0;
    let wire = 0;
    let conns = 0;
    for (const [i, b] of before.entries()) {
      const d = trafficBetween(b, after[i]!);
      dc += d.dataChannelBytes / d.seconds;
      wire += d.transportBytes / d.seconds;
      conns += connectedCount(after[i]!);
    }
    result.bytesPerMemberSecond = dc / tabs.length;
    result.wireBytesPerMemberSecond = wire / tabs.length;
    result.connectionsPerTab = conns / tabs.length;

    // Clock offsets, read now that the room is quiet (round trips are short and even), then the join.
    for (const t of tabs) {
      result.clockUncertaintyMs = Math.max(result.clockUncertaintyMs, (await measureOffset(t)) / 2);
      result.maxClockOffsetMs = Math.max(result.maxClockOffsetMs, Math.abs(t.offsetMs));
    }
    result.formMs = formTime();
    const joinStates = joined.states as BenchState[];
    const joinStart = pageToNode(late, joinStates[tabs.length - 1]!.startedAt);
    result.joinMs = Math.max(...joinStates.map((s, i) => pageToNode(tabs[i]!, s.allSeenAt!))) - joinStart;
    result.joinListedMs =
      Math.max(...joinStates.map((s, i) => pageToNode(tabs[i]!, s.allListedAt ?? s.allSeenAt!))) - joinStart;

    // Graceful leave: the last tab closes with beforeunload; gone in every other tab.
    const leaver = tabs[tabs.length - 1]!;
    const stayers = tabs.slice(0, -1);
    const goneIn = (id: string) => (s: BenchState) => !s.visible.includes(id) && s.goneAt[id] !== undefined;
    const leaveAt = nodeNow();
    await leaver.page.close({ runBeforeUnload: true });
    const left = await waitForAll(stayers, goneIn(leaver.id), plan.leaveTimeoutMs);
    if (left.error) result.problems.push(`graceful leave: ${left.error}`);
    else if (left.timedOut) {
      result.gracefulLeaveMs = plan.leaveTimeoutMs;
      result.gracefulLeaveCapped = true;
    } else {
      result.gracefulLeaveMs = Math.max(
        ...left.states.map((s, i) => pageToNode(stayers[i]!, s!.goneAt[leaver.id]!) - leaveAt),
      );
    }

    // Crash: the renderer of one more tab dies (CDP Page.crash); gone or down in every remaining tab.
    if (stayers.length < 2) return result;
    const crasher = stayers[stayers.length - 1]!;
    const observers = stayers.slice(0, -1);
    const crashAt = nodeNow();
    // Never resolves: the page is gone before it can answer.
    void crasher.cdp.send('Page.crash').catch(() => {});
    const crashed = await waitForAll(observers, goneIn(crasher.id), plan.crashCapMs);
    if (crashed.error) result.problems.push(`crash: ${crashed.error}`);
    else if (crashed.timedOut) {
      result.crashDetectedMs = plan.crashCapMs;
      result.crashCapped = true;
    } else {
      result.crashDetectedMs = Math.max(
        ...crashed.states.map((s, i) => pageToNode(observers[i]!, s!.goneAt[crasher.id]!) - crashAt),
      );
    }
    return result;
  } catch (e) {
    result.problems.push(e instanceof Error ? e.message.split('\n')[0]! : String(e));
    return result;
  } finally {
    await Promise.all(tabs.map(closeTab));
    for (const t of tabs) if (t.errors.length) result.problems.push(`${t.id} page error: ${t.errors[0]}`);
  }
}
