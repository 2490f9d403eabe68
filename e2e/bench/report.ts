/**
 * Turns repetitions into rows (median and max per figure) and prints them: a table with the ratio
 * Shoal/y-webrtc per figure, or one JSON object per row.
 */
import type { AppPage, AppRestResult } from './app-pages';
import type { System } from './build-pages';
import type { FormPhase, RepetitionResult } from './repetition';

export const FIGURES = [
  'formMs',
  'joinMs',
  'joinListedMs',
  'gracefulLeaveMs',
  'crashDetectedMs',
  'bytesPerMemberSecond',
  'wireBytesPerMemberSecond',
  'connectionsPerTab',
  'cpuMainThreadPercent',
  'cpuScriptPercent',
  'cpuRendererPercent',
  'cpuChromiumPercent',
  'harnessMainThreadPercent',
  'harnessRendererPercent',
  'demoMainThreadPercent',
  'demoRendererPercent',
] as const;
export type Figure = (typeof FIGURES)[number];

/** Figures of Shoal's own pages (the harness and the demo): y-webrtc has none. */
const SHOAL_ONLY: ReadonlySet<Figure> = new Set([
  'harnessMainThreadPercent',
  'harnessRendererPercent',
  'demoMainThreadPercent',
  'demoRendererPercent',
]);

/** What one repetition showed of the room forming and the last tab's join (null: not reached). */
export interface RepetitionOutcome {
  readonly formed: boolean | null;
  readonly formMs: number | null;
  readonly formPhases: readonly FormPhase[];
  readonly joinMs: number | null;
  readonly problems: readonly string[];
}

/** How often a room formed: `formed` of `of` repetitions. */
export interface FormedCount {
  readonly formed: number;
  readonly of: number;
}

/** Median and max over the repetitions that produced the figure; `capped` counts waits that hit their cap. */
export interface Summary {
  readonly median: number;
  readonly max: number;
  readonly samples: readonly number[];
  readonly capped?: number;
}

/** One row: one system at one N. A figure is null when no repetition produced it. */
export type Row = {
  readonly system: System;
  /** A variant of the system run beside it (e.g. `shoal, anti-entropy off`); absent for the system as built. */
  readonly label?: string;
  readonly n: number;
  readonly repetitions: number;
  readonly bundleGzipBytes: number | null;
  /** Why some or all figures are missing (first problem of each failed step). */
  readonly problems: readonly string[];
  readonly notMeasured?: string;
  /** Rooms of N−1 tabs that formed within the timeout, over the repetitions. */
  readonly roomsFormed: FormedCount;
  /** The harness and demo rooms (Shoal only): formed of tried, by page. */
  readonly appRoomsFormed: Partial<Record<AppPage, FormedCount>>;
  readonly perRepetition: readonly RepetitionOutcome[];
} & { readonly [F in Figure]: Summary | null };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function summarize(values: readonly (number | null)[], capped = 0): Summary | null {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return null;
  // A tenth of a unit is below what a browser run can resolve.
  const tenth = (x: number) => Math.round(x * 10) / 10;
  const s: Summary = { median: tenth(median(xs)), max: tenth(Math.max(...xs)), samples: xs.map(tenth) };
  return capped ? { ...s, capped } : s;
}

const percent = (x: number) => Math.round(x * 100) / 100;

/** A CPU figure (hundredths of a percent: at rest they are small). */
function summarizePercent(values: readonly (number | null | undefined)[]): Summary | null {
  const xs = values.filter((v): v is number => v !== null && v !== undefined);
  if (xs.length === 0) return null;
  return { median: percent(median(xs)), max: percent(Math.max(...xs)), samples: xs.map(percent) };
}

export function toRow(
  system: System,
  n: number,
  reps: readonly RepetitionResult[],
  bundleGzipBytes: number | null,
  apps: readonly AppRestResult[] = [],
): Row {
  const app = (page: AppPage) => apps.filter((a) => a.page === page);
  const appFormed: Partial<Record<AppPage, FormedCount>> = {};
  for (const page of ['harness', 'demo'] as const) {
    const tried = app(page);
    if (tried.length) appFormed[page] = { formed: tried.filter((a) => a.formed).length, of: tried.length };
  }
  return {
    system,
    n,
    repetitions: reps.length,
    bundleGzipBytes,
    problems: [...new Set([...reps.flatMap((r) => r.problems), ...apps.flatMap((a) => a.problems)])],
    roomsFormed: { formed: reps.filter((r) => r.formed).length, of: reps.length },
    appRoomsFormed: appFormed,
    perRepetition: reps.map((r) => ({
      formed: r.formed,
      formMs: r.formMs,
      formPhases: r.formPhases,
      joinMs: r.joinMs,
      problems: r.problems,
    })),
    formMs: summarize(reps.map((r) => r.formMs)),
    joinMs: summarize(reps.map((r) => r.joinMs)),
    joinListedMs: summarize(reps.map((r) => r.joinListedMs)),
    gracefulLeaveMs: summarize(
      reps.map((r) => r.gracefulLeaveMs),
      reps.filter((r) => r.gracefulLeaveCapped).length,
    ),
    crashDetectedMs: summarize(
      reps.map((r) => r.crashDetectedMs),
      reps.filter((r) => r.crashCapped).length,
    ),
    bytesPerMemberSecond: summarize(reps.map((r) => r.bytesPerMemberSecond)),
    wireBytesPerMemberSecond: summarize(reps.map((r) => r.wireBytesPerMemberSecond)),
    connectionsPerTab: summarize(reps.map((r) => r.connectionsPerTab)),
    cpuMainThreadPercent: summarizePercent(reps.map((r) => r.cpu?.mainThreadPercent)),
    cpuScriptPercent: summarizePercent(reps.map((r) => r.cpu?.scriptPercent)),
    cpuRendererPercent: summarizePercent(reps.map((r) => r.cpu?.rendererPercent)),
    cpuChromiumPercent: summarizePercent(reps.map((r) => r.cpu?.chromiumPercent)),
    harnessMainThreadPercent: summarizePercent(app('harness').map((a) => a.cpu?.mainThreadPercent)),
    harnessRendererPercent: summarizePercent(app('harness').map((a) => a.cpu?.rendererPercent)),
    demoMainThreadPercent: summarizePercent(app('demo').map((a) => a.cpu?.mainThreadPercent)),
    demoRendererPercent: summarizePercent(app('demo').map((a) => a.cpu?.rendererPercent)),
  };
}

/** A row for a system that could not run at all. */
export function notMeasuredRow(
  system: System,
  n: number,
  reason: string,
  bundleGzipBytes: number | null,
): Row {
  return {
    system,
    n,
    repetitions: 0,
    bundleGzipBytes,
    problems: [reason],
    notMeasured: reason,
    roomsFormed: { formed: 0, of: 0 },
    appRoomsFormed: {},
    perRepetition: [],
    formMs: null,
    joinMs: null,
    joinListedMs: null,
    gracefulLeaveMs: null,
    crashDetectedMs: null,
    bytesPerMemberSecond: null,
    wireBytesPerMemberSecond: null,
    connectionsPerTab: null,
    cpuMainThreadPercent: null,
    cpuScriptPercent: null,
    cpuRendererPercent: null,
    cpuChromiumPercent: null,
    harnessMainThreadPercent: null,
    harnessRendererPercent: null,
    demoMainThreadPercent: null,
    demoRendererPercent: null,
  };
}

const LABELS: Record<Figure, string> = {
  formMs: 'room forms ms (N−1 tabs at once)',
  joinMs: 'join ms (last tab into the room)',
  joinListedMs: '  of which: all listed, metadata aside',
  gracefulLeaveMs: 'graceful leave ms',
  crashDetectedMs: 'crash detected ms',
  bytesPerMemberSecond: 'data-channel B/s per member',
  wireBytesPerMemberSecond: 'wire B/s per member (transport)',
  connectionsPerTab: 'connections per tab',
  cpuMainThreadPercent: 'CPU % of a core per tab: main thread',
  cpuScriptPercent: '  of which: script',
  cpuRendererPercent: 'CPU % per tab: renderer process',
  cpuChromiumPercent: 'CPU % per tab: all Chromium ÷ tabs',
  harnessMainThreadPercent: 'harness page CPU %: main thread',
  harnessRendererPercent: 'harness page CPU %: renderer',
  demoMainThreadPercent: 'demo page CPU %: main thread',
  demoRendererPercent: 'demo page CPU %: renderer',
};

function fmt(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(s: Summary | null, row: Row | undefined, f?: Figure): string {
  if (!row) return '—';
  if (row.notMeasured) return 'not measured';
  if (f && SHOAL_ONLY.has(f) && row.system !== 'shoal') return 'n/a';
  if (!s) return 'failed';
  const cap = s.capped ? ` (${s.capped}× cap)` : '';
  return `${fmt(s.median)} (max ${fmt(s.max)})${cap}`;
}

function ratio(a: Summary | null | undefined, b: Summary | null | undefined): string {
  if (!a || !b) return '—';
  if (b.median === 0) return a.median === 0 ? '1' : '∞';
  return `${(a.median / b.median).toFixed(2)}`;
}

/** The human table: per N and figure, Shoal and y-webrtc as "median (max)", and their ratio of medians. */
export function formatTable(rows: readonly Row[]): string {
  const plain = rows.filter((r) => r.label === undefined);
  return formatPairTable(
    plain.filter((r) => r.system === 'shoal'),
    plain.filter((r) => r.system === 'y-webrtc'),
    'Shoal',
    'y-webrtc',
  );
}

/** The same table for any two sets of rows (one per N each), e.g. Shoal and a variant of it. */
export function formatPairTable(
  left: readonly Row[],
  right: readonly Row[],
  leftName: string,
  rightName: string,
): string {
  const ns = [...new Set([...left, ...right].map((r) => r.n))].sort((a, b) => a - b);
  const lines: string[][] = [
    ['N', 'figure', `${leftName} median (max)`, `${rightName} median (max)`, `${leftName}/${rightName}`],
  ];
  for (const n of ns) {
    const shoal = left.find((r) => r.n === n);
    const yw = right.find((r) => r.n === n);
    const formed = (r: Row | undefined) =>
      !r ? '—' : r.notMeasured ? 'not measured' : `${r.roomsFormed.formed} of ${r.roomsFormed.of}`;
    lines.push([String(n), 'room formed (repetitions)', formed(shoal), formed(yw), '']);
    for (const f of FIGURES) {
      // Shoal's own pages: shown when they were tried (not under --no-apps).
      if (SHOAL_ONLY.has(f) && !shoal?.appRoomsFormed[f.startsWith('harness') ? 'harness' : 'demo']) continue;
      lines.push([
        String(n),
        LABELS[f],
        cell(shoal?.[f] ?? null, shoal, f),
        cell(yw?.[f] ?? null, yw, f),
        SHOAL_ONLY.has(f) ? '' : ratio(shoal?.[f], yw?.[f]),
      ]);
    }
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const render = (l: string[]) => `| ${l.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    render(lines[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.slice(1).map(render),
  ].join('\n');
}

/**
 * The project's goals for Shoal, each against what this run measured (reported, not tuned to): at N=8
 * crash detected by all ≤ 2 s, graceful leave ≤ 50 ms, join ≤ 500 ms (medians); traffic per member
 * flat as N grows; a smaller page than y-webrtc's.
 */
export function goalLines(
  rows: readonly Row[],
  bundles: ReadonlyMap<System, { jsGzipBytes: number } | string>,
): string[] {
  const out = ['Goals for Shoal (reported, not tuned to):'];
  const mark = (ok: boolean | null) => (ok === null ? '[ n/a ]' : ok ? '[ met ]' : '[missed]');
  const at8 = rows.find((r) => r.system === 'shoal' && r.n === 8 && !r.notMeasured);
  const goal = (f: Figure, limit: number, label: string) => {
    const s = at8?.[f];
    out.push(
      `  ${mark(s ? s.median <= limit : null)} N=8 ${label} ≤ ${fmt(limit)} ms median: ${s ? fmt(s.median) : '—'}`,
    );
  };
  goal('crashDetectedMs', 2_000, 'crash detected by all');
  goal('gracefulLeaveMs', 50, 'graceful leave');
  goal('joinMs', 500, 'join');
  const cpuGoal = (label: string, limit: number, renderer: Figure, main: Figure) => {
    const r = at8?.[renderer];
    const m = at8?.[main];
    out.push(
      `  ${mark(r ? r.median <= limit : null)} N=8 ${label} ≤ ${limit} % of a core per tab at rest (renderer ` +
        `process, median): ${r ? fmt(r.median) : '—'}${m ? ` (main thread ${fmt(m.median)})` : ''}`,
    );
  };
  cpuGoal('library alone, bench page,', 1, 'cpuRendererPercent', 'cpuMainThreadPercent');
  if (at8?.appRoomsFormed.harness)
    cpuGoal('library alone, harness page,', 1, 'harnessRendererPercent', 'harnessMainThreadPercent');
  if (at8?.appRoomsFormed.demo) cpuGoal('demo page', 3, 'demoRendererPercent', 'demoMainThreadPercent');
  const traffic = rows
    .filter((r) => r.system === 'shoal' && r.bytesPerMemberSecond)
    .map((r) => [r.n, r.bytesPerMemberSecond!.median] as const);
  if (traffic.length >= 2) {
    const lo = Math.min(...traffic.map(([, b]) => b));
    const hi = Math.max(...traffic.map(([, b]) => b));
    const series = traffic.map(([n, b]) => `N=${n} ${fmt(b)}`).join(', ');
    // "Flat": within ±25 % across N (SWIM's probe load per member does not depend on N).
    out.push(`  ${mark(hi <= lo * 1.25)} data-channel B/s per member flat as N grows (±25 %): ${series}`);
  } else {
    out.push(`  ${mark(null)} data-channel B/s per member flat as N grows: needs two or more N`);
  }
  const shoal = bundles.get('shoal');
  const yw = bundles.get('y-webrtc');
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  if (typeof shoal === 'object' && typeof yw === 'object') {
    out.push(
      `  ${mark(shoal.jsGzipBytes < yw.jsGzipBytes)} page JS smaller than yjs + y-webrtc: ` +
        `${kb(shoal.jsGzipBytes)} vs ${kb(yw.jsGzipBytes)} gzipped`,
    );
  } else {
    out.push(`  ${mark(null)} page JS smaller than yjs + y-webrtc: both pages must build`);
  }
  return out;
}

/** Per repetition, per system and N: whether the room formed and in how long, and the last tab's join. */
export function repetitionLines(rows: readonly Row[]): string[] {
  const out: string[] = [];
  const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
  for (const r of rows) {
    for (const [i, rep] of r.perRepetition.entries()) {
      const head = `  ${r.label ?? r.system} N=${r.n} rep ${i + 1}:`;
      if (rep.formed === null) out.push(`${head} failed before the room formed: ${rep.problems[0] ?? '?'}`);
      else if (!rep.formed) out.push(`${head} room of ${r.n - 1} NOT formed: ${rep.problems[0] ?? '?'}`);
      else
        out.push(
          `${head} room of ${r.n - 1} formed in ${rep.formMs === null ? '?' : ms(rep.formMs)}; ` +
            `tab ${r.n} ${rep.joinMs === null ? `did not join: ${rep.problems[0] ?? '?'}` : `joined in ${ms(rep.joinMs)}`}`,
        );
      if (rep.formed === true && rep.formPhases.length > 0) {
        const steps = rep.formPhases.map(
          (p) =>
            `${p.step} ${Math.round(p.medianMs).toLocaleString('en-US')} (${Math.round(p.maxMs).toLocaleString('en-US')})`,
        );
        out.push(
          `      forming, ms from each tab's script start, median (max) over tabs: ${steps.join(', ')}`,
        );
      }
    }
  }
  return out;
}
