/**
 * The `overload` rows of `npm run bench:sim` (issue 12 item 6): `runOverload` (shared/sim/overload.ts)
 * at a few CPU shares on one seed, 16 members opened at once under load for 30 s, then 30 s without.
 */
import { type OverloadReport, runOverload } from '../overload';
import { table } from './anchors';

/** CPU shares per member the rows run at: 1 is an idle machine, 0.02 a spiral of missed timers. */
export const OVERLOAD_SHARES = [1, 0.1, 0.05, 0.03, 0.02] as const;

/** Seeds per row: the figures are sums (counts) and means (rates) over them. */
export const OVERLOAD_SEEDS = 4;

export interface OverloadRowResult extends OverloadReport {
  readonly scenario: 'overload';
  readonly share: number;
  readonly seed: number;
}

export function runOverloadRows(seed: number): OverloadRowResult[] {
  return OVERLOAD_SHARES.map((share) => ({
    scenario: 'overload',
    share,
    seed,
    ...runOverload({ seed, share }),
  }));
}

export function overloadRowsTable(rows: readonly OverloadRowResult[]): string {
  const fmt = (x: number) => x.toFixed(1);
  return [
    `overload: 16 members opened at once with a share of a core each for 30 s (2 ms per packet at a full core), then 30 s unloaded (seed ${rows[0]?.seed})`,
    '',
    table(
      [
        'CPU share',
        'pkt/s /member under load',
        'pkt/s /member after',
        'false Down',
        'rejoins',
        'formed under load',
        'converged after load s',
        'CPU ms/s under load',
      ],
      rows.map((r) => [
        String(r.share),
        fmt(r.packetsPerMemberSecondDuring),
        fmt(r.packetsPerMemberSecondAfter),
        String(r.falseDowns),
        String(r.rejoins),
        r.formedUnderLoad ? 'yes' : 'no',
        r.convergedAfterMs === null ? '> 30' : fmt(r.convergedAfterMs / 1000),
        r.cpuMsPerMemberSecond.toFixed(0),
      ]),
    ),
  ].join('\n');
}
