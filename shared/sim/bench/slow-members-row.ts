/**
 * The `slowMembers` rows of `npm run bench:sim`: `runSlowMembers` (shared/sim/slow-members.ts) on a
 * `lan(n)` cluster, once without and once with Lifeguard on the same seed, side by side.
 */
import { runSlowMembers, type SlowMembersReport } from '../slow-members';

/** What a slowMembers row runs. */
export interface SlowRowSpec {
  readonly n: number;
  readonly seed: number;
  readonly slowShare: number;
  readonly durationMs: number;
  readonly crashes: number;
}

export interface SlowRowResult extends SlowMembersReport {
  readonly scenario: 'slowMembers';
  readonly n: number;
  readonly wallSeconds: number;
}

/** The two variants of one spec: Lifeguard off, then on. */
export function runSlowRows(spec: SlowRowSpec): SlowRowResult[] {
  return [false, true].map((lifeguard) => {
    const t0 = performance.now();
    const r = runSlowMembers({
      size: spec.n,
      seed: spec.seed,
      lifeguard,
      slowShare: spec.slowShare,
      durationMs: spec.durationMs,
      crashes: spec.crashes,
    });
    return { scenario: 'slowMembers', n: spec.n, ...r, wallSeconds: (performance.now() - t0) / 1000 };
  });
}

const f = (x: number | null, digits = 2): string =>
  x === null ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The rows as a markdown table. */
export function slowRowsTable(spec: SlowRowSpec, rows: readonly SlowRowResult[]): string {
  const header = [
    'Lifeguard',
    'N (slow)',
    'probe failures about running (by slow)',
    'refuted suspicions healthy / slow',
    'false Down healthy / slow',
    'false Down /member-h',
    'rejoins',
    'first detection periods',
    'all Down s',
    'B/s /member',
    'slow members’ health',
  ];
  const lines = rows.map((r) => [
    r.lifeguard ? 'on' : 'off',
    `${r.n} (${r.slow})`,
    `${r.falseSuspicions} (${r.falseSuspicionsBySlow})`,
    `${r.refutationsByHealthy} / ${r.refutationsBySlow}`,
    `${r.falseDownsOfHealthy} / ${r.falseDownsOfSlow}`,
    f(r.falseDownsPerMemberHour, 1),
    String(r.rejoins),
    f(r.firstDetectionPeriods),
    `${f(r.detectionSeconds, 1)} (${r.crashesDetected}/${r.crashes})`,
    f(r.bytesPerMemberSecond, 0),
    f(r.meanSlowHealth, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `slowMembers: ${Math.round(spec.slowShare * 100)} % of ${spec.n} members slow for ${spec.durationMs / 60_000} min`,
    '(stalls of 0.5–3 s every 2–8 s, hidden-tab timers on a 1 s grid, a CPU that spends 100 ms per packet),',
    `${spec.crashes} healthy members crashed along the way; the same seed with Lifeguard off and on.`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(line),
  ].join('\n');
}
