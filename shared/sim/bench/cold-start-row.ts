/**
 * The cold-start rows of `npm run bench:sim` (`--only cold`): `n` members join within 1 s through
 * the signaling-like bootstrap, no loss, once without and once with anti-entropy on the same seed:
 * a full mesh (`lan(n)`), and a large room on the overlay (browser preset, budget 32, K = 8, links
 * set up through the link model). Each run gives when all see all, and the load over the cold start.
 */
import { performance } from 'node:perf_hooks';
import { browser } from '../../swim/config';
import { Cluster } from '../cluster';
import { ClusterMetrics } from '../metrics';
import { fmt, table } from './anchors';

export interface ColdStartSpec {
  readonly n: number;
  readonly seed: number;
  /** Longest simulated wait for all to see all. */
  readonly capMs: number;
  readonly antiEntropy: boolean;
  /** Default 'mesh'. */
  readonly system?: 'mesh' | 'overlay';
}

export interface ColdStartResult {
  readonly scenario: 'coldStart';
  readonly system: 'mesh' | 'overlay';
  readonly n: number;
  readonly antiEntropy: boolean;
  /** Joins start → every member holds every other active; null if not within the cap. */
  readonly allSeeAllSeconds: number | null;
  /** Members still missing someone 10 s after the joins started. */
  readonly incompleteAt10s: number;
  /** Bytes per member per second from the first join to all see all (or the cap). */
  readonly bytesPerMemberSecond: number;
  /** Pages sent and members learned from them, summed over the members. */
  readonly pagesSent: number;
  readonly membersLearned: number;
  readonly falseDowns: number;
  readonly wallSeconds: number;
}

/** One cold start. */
export function runColdStart(spec: ColdStartSpec): ColdStartResult {
  const t0 = performance.now();
  const overlay = spec.system === 'overlay';
  const cluster = new Cluster({
    size: spec.n,
    seed: spec.seed,
    antiEntropy: spec.antiEntropy,
    ...(overlay ? { config: browser(spec.n), overlay: {} } : {}),
  });
  const metrics = new ClusterMetrics(cluster);
  const everyone = spec.n - 1;
  const incomplete = () => cluster.swims.filter((s) => s.numMembers !== everyone).length;
  cluster.coldStart(cluster.all(), 1000);
  let incompleteAt10s = 0;
  let at = cluster.sim.runUntilTrue(() => incomplete() === 0, Math.min(10_000, spec.capMs), 250);
  if (at === undefined) {
    incompleteAt10s = incomplete();
    at = cluster.sim.runUntilTrue(() => incomplete() === 0, Math.max(0, spec.capMs - 10_000), 250);
  }
  const stats = cluster.swims.map((s) => s.antiEntropyStats);
  return {
    scenario: 'coldStart',
    system: overlay ? 'overlay' : 'mesh',
    n: spec.n,
    antiEntropy: spec.antiEntropy,
    allSeeAllSeconds: at === undefined ? null : at / 1000,
    incompleteAt10s,
    bytesPerMemberSecond: cluster.sim.stats.bytesSent / spec.n / (cluster.sim.now / 1000),
    pagesSent: stats.reduce((a, s) => a + s.pagesSent, 0),
    membersLearned: stats.reduce((a, s) => a + s.membersLearned, 0),
    falseDowns: metrics.falseDowns,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** The rows as a markdown table. */
export function coldStartTable(rows: readonly ColdStartResult[]): string {
  return table(
    [
      'system',
      'anti-entropy',
      'N',
      'all see all s',
      'incomplete at 10 s',
      'B/s /member (cold start)',
      'pages sent',
      'members learned',
      'false Down',
      'wall s',
    ],
    rows.map((r) => [
      r.system,
      r.antiEntropy ? 'on' : 'off',
      fmt(r.n, 0),
      r.allSeeAllSeconds === null ? '> cap' : fmt(r.allSeeAllSeconds, 2),
      fmt(r.incompleteAt10s, 0),
      fmt(r.bytesPerMemberSecond, 0),
      fmt(r.pagesSent, 0),
      fmt(r.membersLearned, 0),
      fmt(r.falseDowns, 0),
      fmt(r.wallSeconds, 1),
    ]),
  );
}
