/**
 * Turns repetitions into rows (median and max per figure) and prints them: a table with the ratio
 * Shoal/y-webrtc per figure, or one JSON object per row.
 */
import type { System } from './build-pages';
import type { RepetitionResult } from './repetition';

export const FIGURES = [
  'formMs',
  'joinMs',
  'joinListedMs',
  'gracefulLeaveMs',
  'crashDetectedMs',
  'bytesPerMemberSecond',
  'wireBytesPerMemberSecond',
  'connectionsPerTab',
] as const;
export type Figure = (typeof FIGURES)[number];

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
  readonly n: number;
  readonly repetitions: number;
  readonly bundleGzipBytes: number | null;
  /** Why some or all figures are missing (first problem of each failed step). */
  readonly problems: readonly string[];
  readonly notMeasured?: string;
} & { readonly [F in Figure]: Summary | null };

function median(xs: readonly number[]): number {
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

export function toRow(
  system: System,
  n: number,
  reps: readonly RepetitionResult[],
  bundleGzipBytes: number | null,
): Row {
  return {
    system,
    n,
    repetitions: reps.length,
    bundleGzipBytes,
    problems: [...new Set(reps.flatMap((r) => r.problems))],
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
    formMs: null,
    joinMs: null,
    joinListedMs: null,
    gracefulLeaveMs: null,
    crashDetectedMs: null,
    bytesPerMemberSecond: null,
    wireBytesPerMemberSecond: null,
    connectionsPerTab: null,
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
};

function fmt(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(s: Summary | null, row: Row | undefined): string {
  if (!row) return '—';
  if (row.notMeasured) return 'not measured';
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
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const lines: string[][] = [
    ['N', 'figure', 'Shoal median (max)', 'y-webrtc median (max)', 'Shoal/y-webrtc'],
  ];
  for (const n of ns) {
    const shoal = rows.find((r) => r.n === n && r.system === 'shoal');
    const yw = rows.find((r) => r.n === n && r.system === 'y-webrtc');
    for (const f of FIGURES) {
      lines.push([
        String(n),
        LABELS[f],
        cell(shoal?.[f] ?? null, shoal),
        cell(yw?.[f] ?? null, yw),
        ratio(shoal?.[f], yw?.[f]),
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
