/**
 * Where a forming room's time goes, tab by tab: N Shoal bench pages (each its own browser context, as in
 * the bench) load at once with `trace=1`, and once all see all, each page's log lines are read back and
 * the steps of its way into the room are printed in ms from its own script start, then each link's
 * steps (attempt → offer ready → offer at the peer → answer ready → answer back → open), medians over
 * the links. Run it under the browser lock:
 *
 *   flock /work/browser.lock node --import tsx e2e/bench/trace-forming.ts --n 4 --reps 2
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { buildPage, OUT_DIR } from './build-pages';
import { formatProfile, startProfile } from './cpu';
import type { BenchState } from './pages/presence-log';
import {
  cleanupAll,
  installExitHandlers,
  onCleanup,
  serveStatic,
  sleep,
  startShoalSignaling,
} from './processes';
import { closeTab, launchBenchChromium, openTab, type Tab } from './tabs';

type TraceLine = [number, string, Record<string, unknown> | undefined];

/** Each RTCPeerConnection's ICE steps, on the page's clock: made, first candidate, gathering done, connected. */
const TRACE_ICE = `(() => {
  const Native = window.RTCPeerConnection;
  const now = () => performance.timeOrigin + performance.now();
  const NativeWs = window.WebSocket;
  const ws = {};
  window.__ws = ws;
  window.WebSocket = class extends NativeWs {
    constructor(...args) {
      super(...args);
      ws.made ??= now();
      this.addEventListener('open', () => { ws.open ??= now(); });
      let n = 0;
      this.addEventListener('message', () => { n += 1; ws['msg' + n] ??= now(); });
      const send = this.send.bind(this);
      let m = 0;
      this.send = (d) => { m += 1; ws['sent' + m] ??= now(); send(d); };
    }
  };
  const pcs = [];
  window.__ice = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      super(config);
      const t = { made: now() };
      pcs.push(t);
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && t.first === undefined) t.first = now();
        if (!e.candidate) t.complete = now();
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') t.connected = now();
      });
    }
  };
})();`;

const opts = new Command()
  .option('--n <n>', 'tabs forming the room', '4')
  .option('--reps <reps>', 'repetitions', '2')
  .option('--timeout <ms>', 'wait at most this long for a room to form', '30000')
  .option(
    '--join',
    'once the room has formed, open one more tab and trace its join (as the bench does)',
    false,
  )
  .option('--settle <ms>', '--join: wait this long after forming (the bench waits 0)', '0')
  .option('--signed', 'signed statements on (the bench page with signed=1)', false)
  .option(
    '--profile',
    "sample the first tab's main thread from before its page loads until all see all (page built unminified)",
    false,
  )
  .parse()
  .opts<{
    n: string;
    reps: string;
    timeout: string;
    join: boolean;
    settle: string;
    signed: boolean;
    profile: boolean;
  }>();

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const fmt = (x: number | undefined) => (x === undefined ? '—' : String(Math.round(x)));

async function main(): Promise<void> {
  installExitHandlers();
  const n = Number(opts.n);
  const page = await buildPage('shoal', !opts.profile);
  const signaling = await startShoalSignaling(join(OUT_DIR, 'shoal'));
  const base = await serveStatic(OUT_DIR);
  const browser = await launchBenchChromium();
  onCleanup(() => browser.close());
  for (let rep = 0; rep < Number(opts.reps); rep++) {
    const ids = Array.from({ length: n }, (_, i) => `t${i}`);
    const tabs: Tab[] = await Promise.all(ids.map((id) => openTab(browser, id)));
    await Promise.all(tabs.map((t) => t.page.addInitScript({ content: TRACE_ICE })));
    const profiling = opts.profile ? await startProfile(tabs[0]!, 30) : null;
    const room = `trace-${Date.now()}-${rep}`;
    const url = (id: string) =>
      `${base}${page.path}?${new URLSearchParams({ signaling, room, id, n: String(opts.join ? n + 1 : n), trace: '1', ...(opts.signed ? { signed: '1' } : {}) })}`;
    await Promise.all(tabs.map((t) => t.page.goto(url(t.id), { waitUntil: 'load' })));
    const states = await untilAllSee(tabs, ids);
    if (profiling)
      for (const line of formatProfile(`forming, until all see all`, await profiling.stop()))
        console.log(line);
    const traces = await Promise.all(tabs.map((t) => t.page.evaluate(() => window.__trace ?? [])));
    report(rep, ids, states, traces as TraceLine[][]);
    if (opts.join) await traceJoin(tabs, ids, url);
    const wsTimes = await Promise.all(
      tabs.map((t) => t.page.evaluate(() => (window as unknown as { __ws: Record<string, number> }).__ws)),
    );
    for (const [i, w] of wsTimes.entries()) {
      const start = states[i]?.startedAt ?? 0;
      console.log(
        `  ${ids[i]} websocket: ${Object.entries(w)
          .sort((a, b) => a[1] - b[1])
          .slice(0, 8)
          .map(([k, v]) => `${k} ${fmt(v - start)}`)
          .join(', ')}`,
      );
    }
    const ice = (
      await Promise.all(
        tabs.map((t) =>
          t.page.evaluate(() => (window as unknown as { __ice: Record<string, number>[] }).__ice),
        ),
      )
    ).flat();
    const gaps = (from: string, to: string) =>
      ice.flatMap((t) => (t[from] !== undefined && t[to] !== undefined ? [t[to]! - t[from]!] : []));
    for (const [from, to] of [
      ['made', 'first'],
      ['first', 'complete'],
      ['made', 'complete'],
      ['made', 'connected'],
    ] as const) {
      const xs = gaps(from, to);
      console.log(
        `  pc ${from} → ${to}`.padEnd(36) +
          ` median ${fmt(median(xs)).padStart(5)}  max ${fmt(xs.length ? Math.max(...xs) : undefined).padStart(5)}  (${xs.length} pcs)`,
      );
    }
    await Promise.all(tabs.map(closeTab));
  }
  await browser.close();
}

/**
 * The bench's join: a settled room, then one more tab. Prints the joiner's steps from its script start,
 * when each of its links opened, and when each older tab first listed it and first saw it.
 */
async function traceJoin(tabs: Tab[], ids: string[], url: (id: string) => string): Promise<void> {
  await sleep(Number(opts.settle));
  const id = 'tj';
  const joiner = await openTab(tabs[0]!.page.context().browser()!, id);
  await joiner.page.addInitScript({ content: TRACE_ICE });
  const all = [...tabs, joiner];
  const allIds = [...ids, id];
  await joiner.page.goto(url(id), { waitUntil: 'load' });
  const states = await untilAllSee(all, allIds);
  const traces = (await Promise.all(
    all.map((t) => t.page.evaluate(() => window.__trace ?? [])),
  )) as TraceLine[][];
  const js = states.at(-1);
  if (js === null || js === undefined) {
    console.log('  the joiner never reported');
    return;
  }
  const start = js.startedAt;
  const at = (lines: TraceLine[], message: string) => lines.find((x) => x[1] === message)?.[0];
  const jl = traces.at(-1)!;
  const steps: [string, number | undefined][] = [
    ['identity', at(jl, 'room: identity ready')],
    ['host', at(jl, 'room: host created')],
    ['joined', at(jl, 'joined the room on the server')],
    ['1st attempt', at(jl, 'mesh: attempt')],
    ['1st offer in', at(jl, 'mesh: offer received')],
    ['1st open', at(jl, 'mesh: link open')],
    ['1st listed', js.milestones.firstListed],
    ['all listed', js.milestones[`listed${allIds.length}`]],
    ['all seen', js.allSeenAt ?? undefined],
  ];
  console.log(
    `  joiner: ${steps.map(([k, t]) => `${k} ${fmt(t === undefined ? undefined : t - start)}`).join(', ')}`,
  );
  const opens = jl.filter((x) => x[1] === 'mesh: link open').map((x) => fmt(x[0] - start));
  console.log(`  joiner links open at: ${opens.join(' ')}`);
  const seen = states
    .slice(0, -1)
    .map((s, i) => `${ids[i]} ${fmt(s?.seenAt[id] === undefined ? undefined : s.seenAt[id] - start)}`);
  console.log(`  the others saw it at: ${seen.join(', ')}`);
  const listed = traces.slice(0, -1).map((lines, i) => {
    const j = lines.find((x) => x[0] >= start && x[1] === 'page: join');
    return `${ids[i]} ${fmt(j === undefined ? undefined : j[0] - start)}${j?.[2]?.metadata ? '+md' : ''}`;
  });
  console.log(`  the others listed it (join event) at: ${listed.join(', ')}`);
  for (const [i, lines] of traces.slice(0, -1).entries()) {
    const mine = lines.filter((x) => x[0] >= start);
    const brief = mine
      .filter((x) => x[1].startsWith('mesh:') || x[1].startsWith('room:') || x[1].startsWith('swim'))
      .slice(0, 12)
      .map((x) => `${fmt(x[0] - start)} ${x[1]}`);
    console.log(`  ${ids[i]} after the joiner's start: ${brief.join(' | ')}`);
  }
  console.log(
    `  joiner trace: ${jl
      .slice(0, 60)
      .map((x) => `${fmt(x[0] - start)} ${x[1]}`)
      .join(' | ')}`,
  );
  await closeTab(joiner);
}

/** Polls the tabs' bench states until each sees every one of `ids` (or `--timeout` passes); the last read. */
async function untilAllSee(tabs: Tab[], ids: string[]): Promise<(BenchState | null)[]> {
  const deadline = Date.now() + Number(opts.timeout);
  let states: (BenchState | null)[] = [];
  while (Date.now() < deadline) {
    states = await Promise.all(tabs.map((t) => t.page.evaluate(() => window.__bench ?? null)));
    if (states.every((s) => s !== null && ids.every((id) => s.visible.includes(id)))) break;
    await sleep(50);
  }
  return states;
}

function report(rep: number, ids: string[], states: (BenchState | null)[], traces: TraceLine[][]): void {
  const starts = states.map((s) => s?.startedAt ?? 0);
  const t0 = Math.min(...starts);
  const lastStart = Math.max(...starts);
  const allSeen = Math.max(
    ...states.map((s) => (s === null ? Number.NaN : Math.max(...Object.values(s.seenAt)))),
  );
  console.log(
    `\nrep ${rep + 1}: N=${ids.length}, script starts spread ${fmt(lastStart - t0)} ms, formed ${fmt(allSeen - lastStart)} ms after the last start`,
  );
  const steps: [string, (lines: TraceLine[], s: BenchState) => number | undefined][] = [
    ['identity', (l) => l.find((x) => x[1] === 'room: identity ready')?.[0]],
    ['host', (l) => l.find((x) => x[1] === 'room: host created')?.[0]],
    ['created', (l) => l.find((x) => x[1] === 'joinRoom returned')?.[0]],
    ['joined', (l) => l.find((x) => x[1] === 'joined the room on the server')?.[0]],
    ['1st attempt', (l) => l.find((x) => x[1] === 'mesh: attempt')?.[0]],
    ['1st offer rdy', (l) => l.find((x) => x[1] === 'mesh: offer ready')?.[0]],
    ['1st open', (l) => l.find((x) => x[1] === 'mesh: link open')?.[0]],
    ['1st listed', (_, s) => s.milestones.firstListed],
    ['all listed', (_, s) => s.milestones[`listed${ids.length}`]],
    ['all seen', (_, s) => s.allSeenAt ?? undefined],
  ];
  console.log(`tab  ${steps.map(([name]) => name.padStart(13)).join('')}  links open (ms)`);
  for (const [i, s] of states.entries()) {
    if (s === null) continue;
    const lines = traces[i]!;
    const opens = lines.filter((x) => x[1] === 'mesh: link open').map((x) => fmt(x[0] - s.startedAt));
    const cells = steps.map(([, f]) => {
      const t = f(lines, s);
      return fmt(t === undefined ? undefined : t - s.startedAt).padStart(13);
    });
    console.log(`${ids[i]!.padEnd(5)}${cells.join('')}  ${opens.join(' ')}`);
  }
  // Each link, by the pair's addrs: the offerer's and answerer's steps on the common clock.
  const phases: Record<string, number[]> = {
    'attempt → offer ready': [],
    'offer ready → offer received': [],
    'offer received → answer ready': [],
    'answer ready → answer received': [],
    'answer received → open (offerer)': [],
    'attempt → open (offerer)': [],
  };
  const byPeer = (lines: TraceLine[], message: string) => {
    const m = new Map<string, number>();
    for (const [t, msg, f] of lines) {
      const peer = f?.peer;
      if (msg === message && typeof peer === 'string' && !m.has(peer)) m.set(peer, t);
    }
    return m;
  };
  // A tab's addr is the peer field other tabs log about it: find it as the addr only it never names.
  const named = traces.map(
    (l) => new Set(l.flatMap((x) => (typeof x[2]?.peer === 'string' ? [x[2].peer] : []))),
  );
  const all = new Set(named.flatMap((s) => [...s]));
  const addrs = named.map((own) => [...all].find((a) => !own.has(a)));
  for (const [i, lines] of traces.entries()) {
    const attempts = byPeer(lines, 'mesh: attempt');
    const offers = byPeer(lines, 'mesh: offer ready');
    const answersIn = byPeer(lines, 'mesh: answer received');
    const opens = byPeer(lines, 'mesh: link open');
    for (const [peer, tOffer] of offers) {
      const j = addrs.indexOf(peer);
      const a = attempts.get(peer);
      if (a !== undefined) phases['attempt → offer ready']!.push(tOffer - a);
      const other = j < 0 ? [] : traces[j]!;
      const me = addrs[i];
      const offerIn = me === undefined ? undefined : byPeer(other, 'mesh: offer received').get(me);
      const answerRdy = me === undefined ? undefined : byPeer(other, 'mesh: answer ready').get(me);
      const answerIn = answersIn.get(peer);
      const open = opens.get(peer);
      if (offerIn !== undefined) phases['offer ready → offer received']!.push(offerIn - tOffer);
      if (offerIn !== undefined && answerRdy !== undefined)
        phases['offer received → answer ready']!.push(answerRdy - offerIn);
      if (answerRdy !== undefined && answerIn !== undefined)
        phases['answer ready → answer received']!.push(answerIn - answerRdy);
      if (answerIn !== undefined && open !== undefined)
        phases['answer received → open (offerer)']!.push(open - answerIn);
      if (a !== undefined && open !== undefined) phases['attempt → open (offerer)']!.push(open - a);
    }
  }
  for (const [name, xs] of Object.entries(phases)) {
    console.log(
      `  ${name.padEnd(34)} median ${fmt(median(xs)).padStart(5)}  max ${fmt(xs.length ? Math.max(...xs) : undefined).padStart(5)}  (${xs.length} links)`,
    );
  }
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
