/**
 * The churn rows of `npm run bench:sim` (`--only churn`, issue 10 item 3): a large room on the
 * overlay (browser preset) started converged, then 1 % of its members leave (in turn gracefully and
 * by a crash) and as many join every minute — at least one a minute. What Chrome's cap of 500
 * connection objects per page (freed only on garbage collection) asks about: link setups begun per
 * member and per page of 10 members over an hour.
 */
import { performance } from 'node:perf_hooks';
import { runLongChurn } from '../churn';
import type { ClusterOverlayInit } from '../cluster';
import { fmt, table } from './anchors';

/** 'default': budget 32, K = 8. '12 links': joinRoom's shape at maxConnections 12 (K = 5, a reserve of 1). */
export type ChurnShape = 'default' | '12 links';

export interface ChurnRowSpec {
  readonly n: number;
  readonly seed: number;
  readonly minutes: number;
  readonly shape: ChurnShape;
  /** Which members the server hands a joiner (`ClusterOverlayInit.bootstrapPeers`). */
  readonly bootstrap: 'random' | 'ring';
}

export interface ChurnRowResult {
  readonly scenario: 'churn';
  readonly system: 'overlay';
  readonly shape: ChurnShape;
  readonly bootstrap: 'random' | 'ring';
  readonly n: number;
  readonly minutes: number;
  readonly leavesPerMinute: number;
  /** Setups per member in an hour (first links + churn; scaled from `minutes` when shorter). */
  readonly linksCreatedPerMemberHourMax: number;
  readonly linksCreatedPerMemberHourP99: number;
  readonly linksCreatedPerMemberHourMean: number;
  /** The same per page of 10 members (a joiner takes its leaver's page). */
  readonly linksCreatedPerPageHourMax: number;
  readonly linksCreatedPerPageHourP99: number;
  readonly linksCreatedPerPageHourMean: number;
  readonly linkOpensPerMemberMinute: number;
  /** Links opened, and of them between members that had held one before (a flapping view's cost). */
  readonly linksOpened: number;
  readonly linksReopened: number;
  readonly falseDowns: number;
  readonly linksPerMemberMax: number;
  /** After the churn: ms until all see all (null: not within 60 s). */
  readonly allSeeAllAfterMs: number | null;
  readonly wallSeconds: number;
}

const SHAPES: Record<ChurnShape, ClusterOverlayInit> = {
  default: {},
  '12 links': { rings: 5, maxLinks: 11, links: { maxLinks: 12 } },
};

/**
 * The churn rows to run: short ones with `quick`, an hour each without; each with the server's
 * random bootstrap peers (as today) and with the joiner's ring neighbours, same seed.
 */
export function churnSpecs(quick: boolean, seed: (i: number) => number): ChurnRowSpec[] {
  const rows: Array<Pick<ChurnRowSpec, 'n' | 'minutes' | 'shape'>> = quick
    ? [
        { n: 100, minutes: 10, shape: 'default' },
        { n: 40, minutes: 10, shape: '12 links' },
      ]
    : [
        { n: 100, minutes: 60, shape: 'default' },
        { n: 1000, minutes: 60, shape: 'default' },
        { n: 40, minutes: 60, shape: '12 links' },
      ];
  return rows.flatMap((r, i) =>
    (['random', 'ring'] as const).map((bootstrap) => ({ ...r, bootstrap, seed: seed(i) })),
  );
}

/** One churn row. */
export function runChurnRow(spec: ChurnRowSpec): ChurnRowResult {
  const t0 = performance.now();
  const r = runLongChurn({
    size: spec.n,
    seed: spec.seed,
    minutes: spec.minutes,
    overlay: { ...SHAPES[spec.shape], bootstrapPeers: spec.bootstrap },
  });
  return {
    scenario: 'churn',
    system: 'overlay',
    shape: spec.shape,
    bootstrap: spec.bootstrap,
    n: spec.n,
    minutes: spec.minutes,
    leavesPerMinute: r.joins / spec.minutes,
    linksCreatedPerMemberHourMax: r.linksCreatedPerMemberHour.max,
    linksCreatedPerMemberHourP99: r.linksCreatedPerMemberHour.p99,
    linksCreatedPerMemberHourMean: r.linksCreatedPerMemberHour.mean,
    linksCreatedPerPageHourMax: r.linksCreatedPerPageHour.max,
    linksCreatedPerPageHourP99: r.linksCreatedPerPageHour.p99,
    linksCreatedPerPageHourMean: r.linksCreatedPerPageHour.mean,
    linkOpensPerMemberMinute: r.opensPerMemberMinute,
    linksOpened: r.linksOpened,
    linksReopened: r.linksReopened,
    falseDowns: r.falseDowns,
    linksPerMemberMax: r.linksPerMemberMax,
    allSeeAllAfterMs: r.allSeeAllAfterMs,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** The rows as a markdown table. */
export function churnTable(rows: readonly ChurnRowResult[]): string {
  const spread = (max: number, p99: number, mean: number) =>
    `${fmt(max, 0)} / ${fmt(p99, 0)} / ${fmt(mean, 1)}`;
  return table(
    [
      'N',
      'links',
      'bootstrap peers',
      'minutes',
      'leaves /min',
      'setups /member-h max / p99 / mean',
      'setups /page-h (10 members) max / p99 / mean',
      'link opens /member/min',
      'reopened / opened',
      'false Down',
      'links max',
      'all see all after',
      'wall s',
    ],
    rows.map((r) => [
      fmt(r.n, 0),
      r.shape === 'default' ? '32, K = 8' : '12, K = 5',
      r.bootstrap === 'random' ? 'random (today)' : 'ring neighbours',
      fmt(r.minutes, 0),
      fmt(r.leavesPerMinute, 0),
      spread(r.linksCreatedPerMemberHourMax, r.linksCreatedPerMemberHourP99, r.linksCreatedPerMemberHourMean),
      spread(r.linksCreatedPerPageHourMax, r.linksCreatedPerPageHourP99, r.linksCreatedPerPageHourMean),
      fmt(r.linkOpensPerMemberMinute),
      `${fmt(r.linksReopened, 0)} / ${fmt(r.linksOpened, 0)}`,
      fmt(r.falseDowns, 0),
      fmt(r.linksPerMemberMax, 0),
      r.allSeeAllAfterMs === null ? '> 60 s' : `${fmt(r.allSeeAllAfterMs / 1000, 1)} s`,
      fmt(r.wallSeconds, 1),
    ]),
  );
}
