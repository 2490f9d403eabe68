/**
 * CPU at rest, per tab, three ways over one window:
 *
 * - the tab's main thread: CDP `Performance.getMetrics` TaskDuration (and its ScriptDuration part) with
 *   the domain on thread ticks, so a tab that waits for a core on a busy machine is not charged for it;
 * - the tab's renderer process: the same call's ProcessTime (every thread of the process: WebRTC's
 *   network and signaling threads, the compositor, GC). Every tab has its own browser context, hence
 *   its own renderer process;
 * - all of Chromium, divided by the tabs: CDP `SystemInfo.getProcessInfo` (on Linux, each process's
 *   utime + stime from /proc), which adds the browser process, the network service and the GPU process;
 * - where in the renderer that goes, on Linux: every renderer process's threads by name from
 *   /proc/<pid>/task (the main thread, WebRTC's network and signaling threads, the compositor, raster
 *   and GC workers), summed by name and divided by the renderers.
 *
 * And, on request, where a tab's main thread spends that time: a CDP Profiler sample over the window.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Browser, CDPSession } from '@playwright/test';
import { sleep } from './processes';
import type { Tab } from './tabs';

/** One tab's cumulative counters at one instant, in seconds. */
interface TabCounters {
  readonly at: number;
  readonly task: number;
  readonly script: number;
  readonly devtools: number;
  readonly process: number;
}

/** CPU per tab over a window, each in % of one core, averaged over the tabs measured. */
export interface CpuFigures {
  readonly mainThreadPercent: number;
  readonly scriptPercent: number;
  readonly rendererPercent: number;
  /** Every Chromium process's CPU over the window, divided by the tabs open (null: not readable). */
  readonly chromiumPercent: number | null;
  /**
   * The renderers' CPU by thread name, % of one core per renderer, largest first (null: no /proc).
   * Every renderer process alive over the window counts, a profiled tab's too.
   */
  readonly rendererThreads: readonly RendererThread[] | null;
  readonly seconds: number;
  readonly tabs: number;
}

export interface RendererThread {
  /** The thread's name with a trailing number replaced by `#` (`ThreadPoolForeg#` for all the pool). */
  readonly name: string;
  readonly percent: number;
}

/** Self time of one function over a profile. */
export interface HotFunction {
  readonly name: string;
  /** `file:line` in the page's bundle (unminified under --profile: names and lines readable). */
  readonly where: string;
  readonly selfMs: number;
  /** Of the sampled busy time (idle excluded). */
  readonly share: number;
}

export interface ProfileSummary {
  readonly tab: string;
  readonly busyMs: number;
  readonly seconds: number;
  readonly top: readonly HotFunction[];
  /** Calls the page made over the window, per second: timers armed, data-channel sends. */
  readonly timersPerSecond: number | null;
  readonly sendsPerSecond: number | null;
}

/**
 * Counts, from now on, the page's setTimeout/setInterval calls made through the globals, and its
 * RTCDataChannel sends. Timers of code that kept its own reference at load are missed: simple-peer's
 * browser build (in both pages) bundles a `process.nextTick` shim that captured setTimeout, and arms
 * one per message its stream handles. A string: no bundler helpers may leak into the page.
 */
const COUNT_CALLS = `(() => {
  const c = (window.__calls = { timers: 0, sends: 0, since: performance.now() });
  for (const name of ['setTimeout', 'setInterval']) {
    const original = window[name];
    window[name] = function (...args) { c.timers++; return original.apply(this, args); };
  }
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (...args) { c.sends++; return send.apply(this, args); };
})()`;
const READ_CALLS = `(() => {
  const c = window.__calls;
  if (!c) return null;
  const s = (performance.now() - c.since) / 1000;
  return { timers: c.timers / s, sends: c.sends / s };
})()`;

/** Turns on the Performance domain, its durations in thread time. Call once per tab, after load. */
export async function enableCpuMetrics(tab: Tab): Promise<void> {
  await tab.cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
}

async function readTab(cdp: CDPSession): Promise<TabCounters> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return {
    at: get('Timestamp'),
    task: get('TaskDuration'),
    script: get('ScriptDuration'),
    devtools: get('DevToolsCommandDuration'),
    process: get('ProcessTime'),
  };
}

/** Chromium's processes: pid → cumulative CPU seconds. */
async function readChromium(session: CDPSession | null): Promise<Map<number, number> | null> {
  if (session === null) return null;
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
      processInfo: { id: number; cpuTime: number }[];
    };
    return new Map(processInfo.map((p) => [p.id, p.cpuTime]));
  } catch {
    return null;
  }
}

/**
 * Chromium's renderer processes of web pages now: its own UI's (`--top-chrome-webui`, one per context
 * in headless mode) and extensions' are left out. Empty when it refuses or there is no /proc.
 */
async function rendererPids(session: CDPSession | null): Promise<number[]> {
  if (session === null) return [];
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
      processInfo: { id: number; type: string }[];
    };
    return processInfo.filter((p) => p.type === 'renderer' && isPageRenderer(p.id)).map((p) => p.id);
  } catch {
    return [];
  }
}

function isPageRenderer(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return !cmdline.includes('--top-chrome-webui') && !cmdline.includes('--extension-process');
  } catch {
    return false;
  }
}

/** CPU seconds (utime + stime) by thread name over every thread of `pids`; null without /proc. */
function threadSeconds(pids: readonly number[]): Map<string, number> | null {
  const out = new Map<string, number>();
  let read = false;
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // The thread ended.
      }
      read = true;
      // `pid (comm) state …`: comm may hold spaces; utime and stime are fields 14 and 15 (clock ticks).
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close).replace(/\d+$/, '#');
      const fields = stat.slice(close + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      out.set(name, (out.get(name) ?? 0) + seconds);
    }
  }
  return read ? out : null;
}

/** Linux's USER_HZ, the unit of /proc's utime and stime (100 on every mainstream build). */
const CLOCK_TICKS = 100;

/** The start of a window: call `finish` at its end. Tabs in `skip` (a profiled tab) are not averaged. */
export interface CpuWindow {
  finish(): Promise<CpuFigures | null>;
}

/**
 * Reads every tab's counters (and Chromium's) now; `finish()` reads them again and returns the average
 * per tab. A tab that fails to answer (crashed, closed) is left out; null when none answered.
 */
export async function startCpuWindow(
  tabs: readonly Tab[],
  browserSession: CDPSession | null,
  skip: ReadonlySet<Tab> = new Set(),
): Promise<CpuWindow> {
  const measured = tabs.filter((t) => !skip.has(t));
  const before = await Promise.all(measured.map((t) => readTab(t.cdp).catch(() => null)));
  const chromiumBefore = await readChromium(browserSession);
  const renderers = await rendererPids(browserSession);
  const threadsBefore = threadSeconds(renderers);
  return {
    async finish() {
      const after = await Promise.all(measured.map((t) => readTab(t.cdp).catch(() => null)));
      const chromiumAfter = await readChromium(browserSession);
      const threadsAfter = threadSeconds(renderers);
      let main = 0;
      let script = 0;
      let renderer = 0;
      let seconds = 0;
      let count = 0;
      for (const [i, a] of before.entries()) {
        const b = after[i];
        if (!a || !b || b.at <= a.at) continue;
        const dt = b.at - a.at;
        // Our own getMetrics calls run as tasks too; they are not the page's.
        main += (b.task - a.task - (b.devtools - a.devtools)) / dt;
        script += (b.script - a.script) / dt;
        renderer += (b.process - a.process) / dt;
        seconds += dt;
        count++;
      }
      if (count === 0) return null;
      seconds /= count;
      let chromiumPercent: number | null = null;
      if (chromiumBefore && chromiumAfter) {
        let cpu = 0;
        // Processes that started within the window count from zero; those that ended are lost.
        for (const [pid, t] of chromiumAfter) cpu += t - (chromiumBefore.get(pid) ?? 0);
        // Every tab open costs the browser, profiled or not.
        chromiumPercent = (100 * cpu) / seconds / tabs.length;
      }
      let rendererThreads: RendererThread[] | null = null;
      if (threadsBefore && threadsAfter) {
        rendererThreads = [...threadsAfter]
          .map(([name, t]) => ({
            name,
            percent: (100 * (t - (threadsBefore.get(name) ?? 0))) / seconds / renderers.length,
          }))
          .filter((t) => t.percent > 0)
          .sort((a, b) => b.percent - a.percent);
      }
      const pct = (x: number) => (100 * x) / count;
      return {
        mainThreadPercent: pct(main),
        scriptPercent: pct(script),
        rendererPercent: pct(renderer),
        chromiumPercent,
        rendererThreads,
        seconds,
        tabs: count,
      };
    },
  };
}

/** A CDP session on the browser itself (for process CPU); null where Chromium refuses one. */
export async function browserSession(browser: Browser): Promise<CDPSession | null> {
  return browser.newBrowserCDPSession().catch(() => null);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** Starts sampling `tab`'s main thread (every 0.2 ms); `stop` returns the hottest functions by self time. */
export async function startProfile(tab: Tab, top = 12): Promise<{ stop(): Promise<ProfileSummary> }> {
  await tab.cdp.send('Profiler.enable');
  await tab.cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await tab.cdp.send('Profiler.start');
  await tab.page.evaluate(COUNT_CALLS).catch(() => {});
  return {
    async stop() {
      const calls = (await tab.page.evaluate(READ_CALLS).catch(() => null)) as {
        timers: number;
        sends: number;
      } | null;
      const { profile } = (await tab.cdp.send('Profiler.stop')) as {
        profile: {
          nodes: ProfileNode[];
          samples: number[];
          timeDeltas: number[];
          startTime: number;
          endTime: number;
        };
      };
      if (process.env.SHOAL_PROFILE_OUT)
        writeFileSync(process.env.SHOAL_PROFILE_OUT, JSON.stringify(profile));
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, { frame: ProfileNode['callFrame']; us: number }>();
      let busy = 0;
      // A sample's time is the gap to the next sample (the last one gets none).
      for (const [i, id] of profile.samples.entries()) {
        const frame = nodes.get(id)?.callFrame;
        const us = profile.timeDeltas[i + 1] ?? 0;
        if (!frame || frame.functionName === '(idle)') continue;
        busy += us;
        const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;
        const entry = self.get(key) ?? { frame, us: 0 };
        entry.us += us;
        self.set(key, entry);
      }
      const ranked = [...self.values()].sort((a, b) => b.us - a.us).slice(0, top);
      const hottest: HotFunction[] = [];
      for (const { frame, us } of ranked) {
        const file = frame.url ? frame.url.split('/').at(-1)! : '';
        hottest.push({
          name: frame.functionName || '(anonymous)',
          where: file ? `${file}:${frame.lineNumber + 1}` : '(native)',
          selfMs: us / 1000,
          share: busy > 0 ? us / busy : 0,
        });
      }
      await tab.cdp.send('Profiler.disable').catch(() => {});
      return {
        tab: tab.id,
        busyMs: busy / 1000,
        seconds: (profile.endTime - profile.startTime) / 1e6,
        top: hottest,
        timersPerSecond: calls?.timers ?? null,
        sendsPerSecond: calls?.sends ?? null,
      };
    },
  };
}

/** The renderer's busiest threads as one line: `CrRendererMain 0.61, WebRTC_Network 0.42, …` (% per renderer). */
export function formatThreads(threads: readonly RendererThread[] | null, top = 6): string {
  if (threads === null) return 'n/a';
  return threads
    .slice(0, top)
    .map((t) => `${t.name} ${t.percent.toFixed(2)}`)
    .join(', ');
}

/** A profile as lines for the terminal. */
export function formatProfile(label: string, p: ProfileSummary): string[] {
  const load = p.seconds > 0 ? (p.busyMs / 10 / p.seconds).toFixed(2) : '?';
  const rate = (x: number | null) => (x === null ? '?' : x.toFixed(1));
  return [
    `profile   ${label}, tab ${p.tab}: main thread busy ${Math.round(p.busyMs)} ms in ${p.seconds.toFixed(1)} s ` +
      `(${load} % of a core, profiler on); ${rate(p.timersPerSecond)} timers armed/s, ` +
      `${rate(p.sendsPerSecond)} data-channel sends/s; self time:`,
    ...p.top.map(
      (f) =>
        `            ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(1).padStart(7)} ms  ${f.name}  (${f.where})`,
    ),
  ];
}

/**
 * Waits `windowMs` with the tabs at rest and returns their CPU per tab over it; with `profile`,
 * the first tab is profiled meanwhile (and left out of the figures: the profiler costs CPU too).
 */
export async function measureRest(
  tabs: readonly Tab[],
  windowMs: number,
  browserCdp: CDPSession | null,
  profile: boolean,
): Promise<{ cpu: CpuFigures | null; profile: ProfileSummary | null }> {
  const profiled = profile ? tabs[0] : undefined;
  const profiling = profiled ? await startProfile(profiled) : null;
  const counters = await startCpuWindow(tabs, browserCdp, new Set(profiled ? [profiled] : []));
  await sleep(windowMs);
  const cpu = await counters.finish();
  return { cpu, profile: (await profiling?.stop()) ?? null };
}
