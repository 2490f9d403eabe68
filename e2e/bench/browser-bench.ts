/**
 * `npm run bench:browser [-- --quick] [-- --json]`: Shoal against y-webrtc in one Chromium run.
 *
 * For each N and repetition, N tabs (each in its own browser context, as separate users) join one room
 * of each system, and the bench measures join time, steady-state traffic, connections per tab, a
 * graceful leave and a crash. See repetition.ts for the steps and tabs.ts for the clock.
 */
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { APP_DIR, APP_PAGES, type AppRestResult, buildAppPages, runAppRest } from './app-pages';
import { type BuiltPage, buildPage, OUT_DIR, type System } from './build-pages';
import { browserSession, formatProfile, formatThreads } from './cpu';
import { formatLargeRow, runLargeRoom } from './large-room';
import {
  cleanupAll,
  freePort,
  installExitHandlers,
  onCleanup,
  ROOT,
  serveStatic,
  startProcess,
  startShoalSignaling,
  waitForHttp,
} from './processes';
import { type RepetitionResult, runRepetition } from './repetition';
import {
  formatPairTable,
  formatTable,
  goalLines,
  median,
  notMeasuredRow,
  type Row,
  repetitionLines,
  toRow,
} from './report';
import { launchBenchChromium } from './tabs';

const SYSTEMS: readonly System[] = ['shoal', 'y-webrtc'];
/** y-webrtc with yjs, as measured when this benchmark was written (for the reader's reference). */
const Y_WEBRTC_REFERENCE_GZIP = '58.6 KB';
/** The quiet window over which Shoal's own pages (harness, demo) are measured, after the settle. */
const APP_WINDOW_MS = 10_000;

/** An error's message on one line, cut short: it goes into a table note and a JSON field. */
function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // Bundlers colour their errors and draw code frames: keep the words before the frame.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '').split('╭')[0]!;
  const line = plain.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

type AntiEntropyMode = 'on' | 'off' | 'both';

function antiEntropyMode(v: string): AntiEntropyMode {
  if (v !== 'on' && v !== 'off' && v !== 'both') throw new InvalidArgumentError('on, off or both');
  return v;
}

/** A variant of a system run within each repetition: its label, results key and page query. */
interface Variant {
  readonly system: System;
  readonly label: string | undefined;
  readonly query: Readonly<Record<string, string>>;
}

/** Shoal with anti-entropy off (`ae=0` on the bench page). */
const SHOAL_NO_AE = 'shoal, anti-entropy off';

/** Shoal with signed statements on or off whatever the library's default (`signed=1|0` on the bench page). */
const SHOAL_SIGNED = 'shoal, signed';
const SHOAL_UNSIGNED = 'shoal, unsigned';

/**
 * What runs in each repetition, in order: the systems, Shoal once or twice by `--anti-entropy`, and
 * Shoal again signed (`--signed`) and unsigned (`--unsigned`), so a switch is measured beside the
 * default in the same session without flipping it.
 */
function variantsOf(
  systems: readonly System[],
  mode: AntiEntropyMode,
  signing: { signed: boolean; unsigned: boolean },
): Variant[] {
  const out: Variant[] = [];
  for (const system of systems) {
    if (system !== 'shoal') out.push({ system, label: undefined, query: {} });
    else {
      if (mode !== 'off') out.push({ system, label: undefined, query: {} });
      if (mode !== 'on') out.push({ system, label: SHOAL_NO_AE, query: { ae: '0' } });
      if (signing.unsigned) out.push({ system, label: SHOAL_UNSIGNED, query: { signed: '0' } });
      if (signing.signed) out.push({ system, label: SHOAL_SIGNED, query: { signed: '1' } });
    }
  }
  return out;
}

function nList(v: string): number[] {
  const ns = v.split(',').map((x) => Number(x.trim()));
  if (ns.some((n) => !Number.isInteger(n) || n < 3 || n > 64))
    throw new InvalidArgumentError('N must be 3..64');
  return ns;
}

const program = new Command('bench:browser')
  .description(
    'Shoal vs y-webrtc presence in real Chromium: join, leave, crash detection, traffic, connections',
  )
  .option('--quick', 'N = 8 and fewer repetitions (under five minutes)', false)
  .option(
    '--json',
    'one JSON object per row on stdout (system, n, figures as {median, max, samples}); run npm with -s',
    false,
  )
  .option('--n <list>', 'comma-separated tab counts (default 4,8,16; quick: 8)', nList)
  .option('--reps <k>', 'repetitions per system and N (default 5; quick: 3)', positiveInt)
  .option(
    '--window <s>',
    'steady-state traffic window in seconds (default 15: y-webrtc renews awareness every 15 s)',
    positiveInt,
  )
  .option('--system <name...>', 'only these systems (shoal, y-webrtc)')
  .option('--no-apps', "skip Shoal's own pages at rest (the harness and the demo: CPU per tab)")
  .option(
    '--anti-entropy <mode>',
    "Shoal's anti-entropy: on (the default), off, or both (each repetition runs Shoal both ways)",
    antiEntropyMode,
    'on',
  )
  .option(
    '--signed',
    'each repetition also runs Shoal with signed statements on (signedStatements: true)',
    false,
  )
  .option('--unsigned', 'each repetition also runs Shoal with signed statements off', false)
  .option(
    '--profile',
    'profile one tab of each page over its rest window (CDP Profiler); pages built unminified',
    false,
  )
  .option('--large', 'one large Shoal room instead: pages × members per page, a hold, a page crash', false)
  .option('--pages <p>', '--large: pages, each its own browser context (default 10)', positiveInt)
  .option('--per-page <m>', '--large: members per page (default 10)', positiveInt)
  .option('--hold <s>', '--large: seconds to hold with no false Down (default 120)', positiveInt)
  .option(
    '--max-connections <k>',
    "--large: every member's maxConnections (default: the default, 32)",
    positiveInt,
  )
  .addHelpText(
    'after',
    `
Figures (median and max over repetitions):
  formMs                    N−1 tabs load at once: last script start → all see each other
  joinMs                    then the last tab loads: its script start → every tab sees all N
  joinListedMs              the same, up to every tab listing N members, metadata or not
  gracefulLeaveMs           page.close({ runBeforeUnload: true }) → gone in every other tab
  crashDetectedMs           CDP Page.crash → gone (or down) in every other tab; capped at 60 s
  bytesPerMemberSecond      data-channel bytesSent (RTCPeerConnection.getStats) per tab per second
  wireBytesPerMemberSecond  transport bytesSent (DTLS/SCTP/ICE included) per tab per second
  connectionsPerTab         connected RTCPeerConnections per tab
  cpu*Percent               CPU per tab over the traffic window, % of one core: main thread (CDP
                            TaskDuration, thread time), of which script, renderer process (CDP
                            ProcessTime), all of Chromium ÷ tabs (CDP SystemInfo: /proc on Linux)
  harness*, demo*           the same for N tabs of Shoal's harness page and demo page at rest
                            (their own room, after the bench's repetition; 10 s window)
Clock: page timestamps are performance.timeOrigin + performance.now() taken when the library tells the
page; triggers use the same expression in Node; each tab's offset to Node is measured and removed.`,
  );

interface Options {
  quick: boolean;
  json: boolean;
  n?: number[];
  reps?: number;
  window?: number;
  system?: string[];
  apps: boolean;
  antiEntropy: AntiEntropyMode;
  signed: boolean;
  unsigned: boolean;
  profile: boolean;
  large: boolean;
  pages?: number;
  perPage?: number;
  hold?: number;
  maxConnections?: number;
}

async function main(): Promise<void> {
  const opts = program.parse().opts<Options>();
  installExitHandlers();
  if (opts.large) return large(opts);
  const ns = opts.n ?? (opts.quick ? [8] : [4, 8, 16]);
  const reps = opts.reps ?? (opts.quick ? 3 : 5);
  const windowMs = (opts.window ?? 15) * 1000;
  const systems = opts.system ? SYSTEMS.filter((s) => opts.system!.includes(s)) : SYSTEMS;
  if (opts.system && systems.length !== opts.system.length)
    throw new Error(`--system takes ${SYSTEMS.join(', ')}`);
  // Text goes to stderr under --json, so stdout holds only the JSON rows.
  const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  const started = Date.now();
  // Bounded: a hung step can't keep the machine busy past this.
  const budgetMs = opts.quick ? 9 * 60_000 : 60 * 60_000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over its ${budgetMs / 60_000} min budget; stopping\n`);
    void cleanupAll().finally(() => process.exit(2));
  }, budgetMs);
  watchdog.unref();

  progress('building bench pages (Vite)…');
  const built = new Map<System, BuiltPage | string>();
  for (const s of systems) {
    built.set(s, await buildPage(s, !opts.profile).catch((e: unknown) => `page build failed: ${oneLine(e)}`));
  }
  // Shoal's own pages, served as `npm start` serves them (the demo signals to the page's origin).
  let appsBase: string | null = null;
  let appsProblem: string | null = null;
  if (opts.apps && systems.includes('shoal')) {
    try {
      progress('building the harness and demo pages (Vite, vite.config.ts)…');
      await buildAppPages(!opts.profile);
      appsBase = await startShoalSignaling(APP_DIR);
    } catch (e) {
      appsProblem = `harness and demo pages not measured: ${oneLine(e)}`;
    }
  }

  const servers: Partial<Record<System, string>> = {};
  if (systems.includes('y-webrtc')) {
    const port = await freePort();
    const p = startProcess(
      'y-webrtc signaling',
      process.execPath,
      [join(ROOT, 'node_modules/y-webrtc/bin/server.js')],
      {
        PORT: String(port),
      },
    );
    await waitForHttp(`http://127.0.0.1:${port}/`, 15_000, p.output);
    servers['y-webrtc'] = `ws://127.0.0.1:${port}`;
  }
  if (systems.includes('shoal') && typeof built.get('shoal') === 'object') {
    try {
      servers.shoal = await startShoalSignaling(join(OUT_DIR, 'shoal'));
    } catch (e) {
      built.set('shoal', `signaling server did not start: ${oneLine(e)}`);
    }
  }
  const pagesBase = await serveStatic(OUT_DIR);

  const browser = await launchBenchChromium();
  onCleanup(() => browser.close());
  const browserCdp = await browserSession(browser);
  const profiles: string[] = [];
  const loads: number[] = [];

  const results = new Map<string, RepetitionResult[]>();
  const appResults = new Map<number, AppRestResult[]>();
  const key = (s: System, n: number, label?: string) => `${label ?? s}/${n}`;
  const variants = variantsOf(systems, opts.antiEntropy, { signed: opts.signed, unsigned: opts.unsigned });
  const runId = Math.random().toString(36).slice(2, 8);
  // Repetitions after each N's first stop when the next one would not fit the time budget.
  const roundsBudgetMs = opts.quick ? 450_000 : 55 * 60_000;
  const skipped: string[] = [];
  for (const n of ns) {
    let longestRoundMs = 0;
    for (let rep = 0; rep < reps; rep++) {
      const elapsed = Date.now() - started;
      if (rep > 0 && elapsed + longestRoundMs > roundsBudgetMs) {
        skipped.push(`N=${n}: ${reps - rep} of ${reps} repetitions skipped to stay within the time budget`);
        break;
      }
      const roundStart = Date.now();
      loads.push(loadavg()[0]!);
      // Systems alternate within each repetition so drift on the shared machine hits both alike.
      for (const { system: s, label, query } of variants) {
        const page = built.get(s);
        if (typeof page !== 'object') continue;
        const r = await runRepetition({
          browser,
          pageUrl: `${pagesBase}${page.path}`,
          query,
          signaling: servers[s]!,
          room: `bench-${runId}-${s}${label === undefined ? '' : '-variant'}-${n}-${rep}`,
          n,
          joinTimeoutMs: 20_000 + 1_000 * n,
          settleMs: 3_000,
          trafficWindowMs: windowMs,
          leaveTimeoutMs: 30_000,
          crashCapMs: 60_000,
          browserCdp,
          profile: opts.profile,
        });
        const list = results.get(key(s, n, label)) ?? [];
        list.push(r);
        results.set(key(s, n, label), list);
        const f = (x: number | null) => (x === null ? '—' : Math.round(x));
        progress(
          `${label ?? s} N=${n} rep ${rep + 1}/${reps}: form ${f(r.formMs)} ms, join ${f(r.joinMs)} ms, leave ${f(r.gracefulLeaveMs)} ms, ` +
            `crash ${f(r.crashDetectedMs)} ms${r.crashCapped ? ' (cap)' : ''}, ${f(r.bytesPerMemberSecond)} B/s, ` +
            `${r.connectionsPerTab ?? '—'} conns, CPU ${cpuText(r.cpu)}` +
            `${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`,
        );
        if (r.profile) profiles.push(...formatProfile(`${s} bench page N=${n} rep ${rep + 1}`, r.profile));
      }
      for (const page of appsBase === null ? [] : APP_PAGES) {
        const a = await runAppRest({
          browser,
          base: appsBase!,
          page,
          room: `bench-${runId}-${page}-${n}-${rep}`,
          n,
          formTimeoutMs: 20_000 + 1_000 * n,
          settleMs: 3_000,
          windowMs: APP_WINDOW_MS,
          browserCdp,
          profile: opts.profile,
        });
        appResults.set(n, [...(appResults.get(n) ?? []), a]);
        progress(
          `shoal ${page} page N=${n} rep ${rep + 1}/${reps}: ` +
            `${a.formed ? `formed in ${Math.round(a.formMs!)} ms` : 'NOT formed'}, CPU ${cpuText(a.cpu)}` +
            `${a.problems.length ? `; ${a.problems.join('; ')}` : ''}`,
        );
        if (a.profile) profiles.push(...formatProfile(`shoal ${page} page N=${n} rep ${rep + 1}`, a.profile));
      }
      longestRoundMs = Math.max(longestRoundMs, Date.now() - roundStart);
    }
  }

  const rows: Row[] = [];
  for (const n of ns) {
    for (const { system: s, label } of variants) {
      const page = built.get(s);
      const gz = typeof page === 'object' ? page.jsGzipBytes : null;
      const apps = s === 'shoal' && label === undefined ? (appResults.get(n) ?? []) : [];
      const row =
        typeof page === 'object'
          ? toRow(s, n, results.get(key(s, n, label)) ?? [], gz, apps)
          : notMeasuredRow(s, n, page ?? '?', gz);
      rows.push(label === undefined ? row : { ...row, label });
    }
  }
  const noAe = rows.filter((r) => r.label === SHOAL_NO_AE);
  // The main table and goals: Shoal as built, or with `--anti-entropy off` its only variant.
  const mainRows =
    opts.antiEntropy === 'off'
      ? rows.map(({ label: _, ...r }) => r)
      : rows.filter((r) => r.label === undefined);
  const uncertainty = Math.max(0, ...[...results.values()].flat().map((r) => r.clockUncertaintyMs));
  const maxOffset = Math.max(0, ...[...results.values()].flat().map((r) => r.maxClockOffsetMs));
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const size = (s: System) => {
    const p = built.get(s);
    if (p === undefined) return 'not run (--system)';
    return typeof p === 'object'
      ? `${kb(p.jsGzipBytes)} gzipped (${kb(p.jsRawBytes)} raw)`
      : `not measured: ${p}`;
  };
  const cpu = cpus();
  say('');
  say('Browser benchmark: Shoal vs y-webrtc (each tab its own browser context; WebRTC on loopback)');
  say(`date      ${new Date().toISOString()}`);
  say(
    `machine   ${hostname()}: ${cpu[0]?.model ?? '?'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ` +
      `Linux ${release()}, Node ${process.version}, Chromium ${browser.version()}`,
  );
  say(
    `clock     page-side performance.timeOrigin + performance.now() at each event; triggers on Node's same ` +
      `expression; per-tab offset (up to ${maxOffset.toFixed(1)} ms) measured and removed, ±${uncertainty.toFixed(1)} ms`,
  );
  say(
    `run       N = ${ns.join(', ')}; ${reps} repetitions; traffic window ${windowMs / 1000} s after ${3} s settle; ` +
      `crash wait capped at 60 s; took ${Math.round((Date.now() - started) / 1000)} s`,
  );
  const [, , load15] = loadavg();
  say(
    `load      1-min load average at each repetition's start ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} ` +
      `(median ${median(loads).toFixed(2)}), 15-min ${load15!.toFixed(2)} at the end, on ${cpu.length} cores`,
  );
  say(
    `cpu       per tab, % of one core, over the traffic window (bench pages) or a ${APP_WINDOW_MS / 1000} s window (harness, demo) ` +
      `after a 3 s settle${opts.profile ? '; the profiled tab (t0) is left out' : ''}`,
  );
  say(`bundle    Shoal page JS: ${size('shoal')}${opts.profile ? ' (unminified: --profile)' : ''}`);
  say(`          yjs + y-webrtc page JS: ${size('y-webrtc')} (reference: ${Y_WEBRTC_REFERENCE_GZIP})`);
  for (const s of systems) {
    const p = built.get(s);
    if (typeof p !== 'object') continue;
    const top = p.parts.slice(0, 6).map((x) => `${x.name} ${Math.round(x.share * 100)}%`);
    say(`          ${s} page, largest parts (code before minifying): ${top.join(', ')}`);
  }
  say('');
  say(formatTable(mainRows));
  if (opts.antiEntropy === 'both' && noAe.length > 0) {
    say('');
    say('Shoal with anti-entropy (the default) and without it, in the same repetitions:');
    say(
      formatPairTable(
        rows.filter((r) => r.system === 'shoal' && r.label === undefined),
        noAe,
        'anti-entropy on',
        'off',
      ),
    );
  }
  const shoalDefault = rows.filter((r) => r.system === 'shoal' && r.label === undefined);
  for (const [label, name] of [
    [SHOAL_UNSIGNED, 'unsigned'],
    [SHOAL_SIGNED, 'signed'],
  ] as const) {
    const variant = rows.filter((r) => r.label === label);
    if (variant.length === 0 || shoalDefault.length === 0) continue;
    say('');
    say(`Shoal as built (the default) and ${name}, in the same repetitions:`);
    say(formatPairTable(shoalDefault, variant, 'default', name));
    const yWebrtc = rows.filter((r) => r.system === 'y-webrtc' && r.label === undefined);
    if (yWebrtc.length === 0) continue;
    say('');
    say(`Shoal ${name} and y-webrtc, in the same repetitions:`);
    say(formatPairTable(variant, yWebrtc, `Shoal ${name}`, 'y-webrtc'));
  }
  for (const r of rows)
    if (r.problems.length) say(`note: ${r.label ?? r.system} N=${r.n}: ${r.problems.join('; ')}`);
  for (const line of skipped) say(`note: ${line}`);
  if (appsProblem) say(`note: ${appsProblem}`);
  say('');
  say('Per repetition (the room of N−1 tabs opened at once, then the last tab):');
  for (const line of repetitionLines(rows)) say(line);
  if (profiles.length) say('');
  for (const line of profiles) say(line);
  say('');
  for (const line of goalLines(mainRows, built)) say(line);
  if (opts.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  clearTimeout(watchdog);
}

function cpuText(c: AppRestResult['cpu']): string {
  if (c === null) return '—';
  const p = (x: number) => `${x.toFixed(2)} %`;
  return (
    `main ${p(c.mainThreadPercent)} (script ${p(c.scriptPercent)}), renderer ${p(c.rendererPercent)}` +
    `${c.chromiumPercent === null ? '' : `, all Chromium ÷ tabs ${p(c.chromiumPercent)}`}` +
    `${c.rendererThreads === null ? '' : `; renderer threads % ${formatThreads(c.rendererThreads)}`}`
  );
}

/** `--large`: one room of pages × members per page over real WebRTC (see large-room.ts). */
async function large(opts: Options): Promise<void> {
  const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  const pages = opts.pages ?? 10;
  const perPage = opts.perPage ?? 10;
  const hold = opts.hold ?? 120;
  const budgetMs = (6 * 60 + hold) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over its ${Math.round(budgetMs / 60_000)} min budget; stopping\n`);
    void cleanupAll().finally(() => process.exit(2));
  }, budgetMs);
  watchdog.unref();
  progress('building the large-room page (Vite)…');
  const page = await buildPage('shoal-large');
  const signaling = await startShoalSignaling(join(OUT_DIR, 'shoal-large'));
  const pagesBase = await serveStatic(OUT_DIR);
  const browser = await launchBenchChromium();
  onCleanup(() => browser.close());
  const started = Date.now();
  const row = await runLargeRoom({
    browser,
    pageUrl: `${pagesBase}${page.path}`,
    signaling,
    room: `large-${Math.random().toString(36).slice(2, 8)}`,
    pages,
    perPage,
    holdSeconds: hold,
    maxConnections: opts.maxConnections,
    joinTimeoutMs: 60_000 + 1_000 * pages * perPage,
    crashCapMs: 60_000,
    progress,
  });
  const cpu = cpus();
  say('');
  say('Browser benchmark: one large Shoal room (each page its own browser context; WebRTC on loopback)');
  say(`date      ${new Date().toISOString()}`);
  say(
    `machine   ${hostname()}: ${cpu[0]?.model ?? '?'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, ` +
      `Linux ${release()}, Node ${process.version}, Chromium ${browser.version()}; took ${Math.round((Date.now() - started) / 1000)} s`,
  );
  say(formatLargeRow(row));
  if (opts.json) process.stdout.write(`${JSON.stringify(row)}\n`);
  clearTimeout(watchdog);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
