import { browser, randomInt, seededRng } from '../swim/index';
import { Cluster, type ClusterOverlayInit, mixSeed } from './cluster';
import { ClusterMetrics } from './metrics';
import type { LinkParams } from './network';

/*
 * Churn on a large room over a long stretch of virtual time (issue 10, item 3): Chrome frees an
 * RTCPeerConnection's slot only on garbage collection, so what matters is how many link setups a
 * page ever begins, not how many links it holds. Members live in pages of `membersPerPage` (the
 * Chromium bench's shape); a joiner takes the page of the member that left just before it, as a tab
 * reopened in the same browser context.
 */

/** Leaves and joins every minute; half the leaves are graceful, half are crashes. */
export interface ChurnInit {
  /** Share of the live members that leave (and as many that join) per minute. */
  readonly share: number;
  readonly minutes: number;
  /** Called after each join with the joiner's index and the leaver's it replaces. */
  readonly onJoin?: (joiner: number, leaver: number) => void;
}

/** What a churn did to links and views. */
export interface ChurnStats {
  /** Links opened per live member per minute (each open counted at both ends). */
  readonly opensPerMemberMinute: number;
  /** MemberDown about running members during the churn. */
  readonly falseDowns: number;
  readonly joins: number;
  readonly leaves: number;
}

/**
 * Runs `init.minutes` of churn on `cluster`: each minute `share` of the live members leave at evenly
 * spaced instants (in turn gracefully and by a crash), and a new member joins half a slot after
 * each leave. Draws the leavers from `rng`.
 */
export function runChurn(
  cluster: Cluster,
  metrics: ClusterMetrics,
  rng: ReturnType<typeof seededRng>,
  init: ChurnInit,
): ChurnStats {
  const sim = cluster.sim;
  const links = sim.links;
  const falseDowns0 = metrics.falseDowns;
  const opens0 = links?.linksOpened ?? 0;
  const perMinute = Math.max(1, Math.round(init.share * cluster.live().length));
  let memberMinutes = 0;
  let joins = 0;
  for (let minute = 0; minute < init.minutes; minute++) {
    for (let k = 0; k < perMinute; k++) {
      sim.runFor(60_000 / perMinute / 2);
      const live = cluster.live();
      const leaver = live[randomInt(rng, live.length)]!;
      // Alternate over the whole churn, so one leave a minute still makes half of them crashes.
      if (joins % 2 === 0) cluster.leave(leaver);
      else metrics.crash(leaver);
      sim.runFor(60_000 / perMinute / 2);
      const joiner = cluster.addMember();
      cluster.join(joiner);
      joins++;
      init.onJoin?.(joiner, leaver);
    }
    memberMinutes += cluster.live().length;
  }
  return {
    opensPerMemberMinute: (2 * ((links?.linksOpened ?? 0) - opens0)) / Math.max(1, memberMinutes),
    falseDowns: metrics.falseDowns - falseDowns0,
    joins,
    leaves: joins,
  };
}

/** Options of `runLongChurn`. */
export interface LongChurnInit {
  readonly size: number;
  readonly seed: number;
  /** Minutes of churn. */
  readonly minutes: number;
  /** Share of members leaving and joining per minute. Default 0.01. */
  readonly share?: number;
  /** The room's overlay (budget, K, link model). Default `{}`: budget 32, K = 8. */
  readonly overlay?: ClusterOverlayInit;
  /** Members per page. Default 10. */
  readonly membersPerPage?: number;
  /** Default: a LAN, 1 ms + up to 1 ms jitter, no loss. */
  readonly link?: LinkParams;
  /** After the churn, how long to wait for all to see all. Default 60 s. */
  readonly settleCapMs?: number;
}

/** Max, 99th percentile and mean of a sample. */
export interface Spread {
  readonly max: number;
  readonly p99: number;
  readonly mean: number;
}

/** The figures of a long churn (`runLongChurn`). */
export interface LongChurnReport {
  readonly n: number;
  readonly minutes: number;
  readonly joins: number;
  /**
   * Link setups begun per member in an hour: its first links, plus the churn's setups scaled from
   * `minutes` to 60 (exact for a 60-minute run), over the members there from start to end. Each is
   * a connection object the page holds until garbage collection.
   */
  readonly linksCreatedPerMemberHour: Spread;
  /** The same per page: every member a page hosted (a joiner's first links included), scaled alike. */
  readonly linksCreatedPerPageHour: Spread;
  readonly opensPerMemberMinute: number;
  /** Setups that never opened (an end had crashed). */
  readonly setupsFailed: number;
  /** Links opened over the run, and how many of them between two members that had held one before. */
  readonly linksOpened: number;
  readonly linksReopened: number;
  readonly falseDowns: number;
  /** Most links a member held at once. */
  readonly linksPerMemberMax: number;
  /** After the churn: ms until every live member sees exactly the live ones, null if not within the cap. */
  readonly allSeeAllAfterMs: number | null;
}

/**
 * A room of `size` members on the overlay (browser preset), started converged, then churned for
 * `minutes`: see `runChurn`. Reports link setups per member and per page, scaled to an hour.
 */
export function runLongChurn(init: LongChurnInit): LongChurnReport {
  const perPage = init.membersPerPage ?? 10;
  const cluster = new Cluster({
    size: init.size,
    seed: init.seed,
    config: browser(init.size),
    overlay: init.overlay ?? {},
    link: init.link ?? { loss: 0, delayMs: 1, jitterMs: 1 },
  });
  const metrics = new ClusterMetrics(cluster);
  const links = cluster.sim.links!;
  const pageOf: number[] = cluster.all().map((i) => Math.floor(i / perPage));
  cluster.preconverge();
  cluster.sim.runFor(2000);
  const first = cluster.all().map((i) => links.started[i] ?? 0);
  const churnStart = cluster.sim.now;
  const rng = seededRng(mixSeed(init.seed, 0xc4a2));
  const churn = runChurn(cluster, metrics, rng, {
    share: init.share ?? 0.01,
    minutes: init.minutes,
    onJoin: (joiner, leaver) => {
      pageOf[joiner] = pageOf[leaver]!;
    },
  });
  const churnEnd = cluster.sim.now;
  // A member's first links once, then the churn's setups at the rate measured, for an hour.
  const perHour = 3_600_000 / (churnEnd - churnStart);
  const started = cluster
    .all()
    .map((i) => (first[i] ?? 0) + ((links.started[i] ?? 0) - (first[i] ?? 0)) * perHour);
  const seen = cluster.sim.runUntilTrue(() => cluster.converged(), init.settleCapMs ?? 60_000);
  const stayers = cluster.all().filter((i) => i < init.size && cluster.sim.isAlive(i));
  const pages = new Map<number, number>();
  for (const i of cluster.all()) pages.set(pageOf[i]!, (pages.get(pageOf[i]!) ?? 0) + started[i]!);
  return {
    n: init.size,
    minutes: init.minutes,
    joins: churn.joins,
    linksCreatedPerMemberHour: spread(stayers.map((i) => started[i]!)),
    linksCreatedPerPageHour: spread([...pages.values()]),
    opensPerMemberMinute: churn.opensPerMemberMinute,
    setupsFailed: links.setupsFailed,
    linksOpened: links.linksOpened,
    linksReopened: links.linksReopened,
    falseDowns: churn.falseDowns,
    linksPerMemberMax: Math.max(0, ...cluster.all().map((i) => links.maxOpen[i] ?? 0)),
    allSeeAllAfterMs: seen === undefined ? null : seen - churnEnd,
  };
}

/** Max, 99th percentile (nearest rank) and mean of `xs` (all 0 when empty). */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { max: 0, p99: 0, mean: 0 };
  const sorted = [...xs].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
  return { max: sorted[sorted.length - 1]!, p99, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}
