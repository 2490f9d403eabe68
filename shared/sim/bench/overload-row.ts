/**
 * The `overload` rows of `npm run bench:sim` (issue 12 item 6): `runOverload` (shared/sim/overload.ts)
 * at a few CPU shares, 16 members opened at once under load for 30 s, then 30 s without, each with the
 * overload limits off and on, over a few seeds.
 */
import { mean } from '../metrics';
import { type OverloadReport, runOverload } from '../overload';
import { table } from './anchors';

/** CPU shares per member the rows run at: 1 is an idle machine, 0.02 a spiral of missed timers. */
export const OVERLOAD_SHARES = [1, 0.1, 0.05, 0.03, 0.02] as const;

/** Seeds per row: counts are summed over them, rates averaged. */
export const OVERLOAD_SEEDS = 4;

export interface OverloadRowResult {
  readonly scenario: 'overload';
  readonly share: number;
  readonly limits: boolean;
  readonly seeds: readonly number[];
  readonly packetsPerMemberSecondDuring: number;
  readonly packetsPerMemberSecondAfter: number;
  readonly falseDowns: number;
  readonly rejoins: number;
  readonly rejoinsHeld: number;
  /** Runs that formed (all see all) before the load ended. */
  readonly formedUnderLoad: number;
  /** The slowest run's convergence after the load ended; null if one did not within 30 s. */
  readonly convergedAfterMsMax: number | null;
  readonly cpuMsPerMemberSecond: number;
}

/** The mean, 0 for no runs. */
function meanOf(xs: readonly number[]): number {
  return mean(xs) ?? 0;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Every share with the limits off and on, `OVERLOAD_SEEDS` seeds from `seed` each. */
export function runOverloadRows(seed: number): OverloadRowResult[] {
  const seeds = Array.from({ length: OVERLOAD_SEEDS }, (_, k) => seed + k);
  const rows: OverloadRowResult[] = [];
  for (const share of OVERLOAD_SHARES) {
    for (const limits of [false, true]) {
      const runs: OverloadReport[] = seeds.map((s) => runOverload({ seed: s, share, limits }));
      const converged = runs.map((r) => r.convergedAfterMs);
      rows.push({
        scenario: 'overload',
        share,
        limits,
        seeds,
        packetsPerMemberSecondDuring: meanOf(runs.map((r) => r.packetsPerMemberSecondDuring)),
        packetsPerMemberSecondAfter: meanOf(runs.map((r) => r.packetsPerMemberSecondAfter)),
        falseDowns: sum(runs.map((r) => r.falseDowns)),
        rejoins: sum(runs.map((r) => r.rejoins)),
        rejoinsHeld: sum(runs.map((r) => r.rejoinsHeld)),
        formedUnderLoad: runs.filter((r) => r.formedUnderLoad).length,
        convergedAfterMsMax: converged.some((c) => c === null)
          ? null
          : Math.max(...converged.map((c) => c ?? 0)),
        cpuMsPerMemberSecond: meanOf(runs.map((r) => r.cpuMsPerMemberSecond)),
      });
    }
  }
  return rows;
}

export function overloadRowsTable(rows: readonly OverloadRowResult[]): string {
  const fmt = (x: number) => x.toFixed(1);
  return [
    `overload: 16 members (browser preset) opened at once with a share of a core each for 30 s (2 ms per packet at a full core), then 30 s unloaded; limits = the rejoin-after-pause backoff; seeds ${rows[0]?.seeds.join(', ')} (counts summed, rates averaged)`,
    '',
    table(
      [
        'CPU share',
        'limits',
        'pkt/s /member under load',
        'pkt/s /member after',
        'false Down',
        'rejoins (held)',
        'formed under load',
        'converged after load s (max)',
        'CPU ms/s under load',
      ],
      rows.map((r) => [
        String(r.share),
        r.limits ? 'on' : 'off',
        fmt(r.packetsPerMemberSecondDuring),
        fmt(r.packetsPerMemberSecondAfter),
        String(r.falseDowns),
        `${r.rejoins} (${r.rejoinsHeld})`,
        `${r.formedUnderLoad}/${r.seeds.length}`,
        r.convergedAfterMsMax === null ? '> 30' : fmt(r.convergedAfterMsMax / 1000),
        r.cpuMsPerMemberSecond.toFixed(0),
      ]),
    ),
  ].join('\n');
}
