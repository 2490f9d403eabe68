import { describe, expect, it } from 'vitest';
import { browser } from '../swim/index';
import { Cluster, type ClusterOverlayInit } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

/*
 * Issue 10: on the overlay only a member's ring observers probe it, and only over a link. A member
 * that crashes right after it joined, before its observers' links to it opened, was probed by
 * nobody and stayed Alive for everyone. An observer now probes a subject it has held no link to for
 * `unlinkedProbeAfterMs` (10 s) all the same: the probe fails and SWIM's own path follows.
 */

const N = 100;
// Virtual time only; the wall allowance is for a loaded 2-core machine.
const WALL_MS = 120_000;

/** A settled room of N on the overlay, and a member that joins it now. */
function roomWithJoiner(seed: number, overlay: ClusterOverlayInit = {}) {
  const cluster = new Cluster({
    size: N,
    seed,
    config: browser(N),
    overlay,
    link: { loss: 0, delayMs: 1, jitterMs: 1 },
  });
  const metrics = new ClusterMetrics(cluster);
  cluster.preconverge();
  cluster.sim.runFor(5000);
  const joiner = cluster.addMember();
  cluster.join(joiner);
  const holdingActive = () =>
    cluster
      .live()
      .filter((i) => i !== joiner && ['alive', 'suspect'].includes(cluster.stateOf(i, joiner) ?? '')).length;
  return { cluster, metrics, joiner, holdingActive };
}

describe('a subject its observers hold no link to', () => {
  it(
    'a member that crashes before its observers’ links to it open stays Alive for everyone without the unlinked probe',
    () => {
      const seed = scenarioSeed('unlinked subject, probe off', 121);
      const { cluster, metrics, joiner, holdingActive } = roomWithJoiner(seed, {
        unlinkedProbeAfterMs: Infinity,
      });
      // By 100 ms the joiner's bootstrap links carried its Announce; the room learns of it by gossip.
      cluster.sim.runFor(100);
      const crash = metrics.crash(joiner);
      cluster.sim.runFor(60_000);
      console.log(`[sim] probe off: ${holdingActive()} of ${N} hold the crashed joiner active after 60 s`);
      expect(crash.firstSuspectAt).toBeUndefined();
      expect(holdingActive()).toBe(N);
      expect(cluster.sim.links!.setupsFailed).toBeGreaterThan(0);
    },
    WALL_MS,
  );

  it(
    'with it, its observers probe it without a link after 10 s, suspect it, and every member learns it is Down',
    () => {
      const seed = scenarioSeed('unlinked subject, crashed', 121);
      const { cluster, metrics, joiner } = roomWithJoiner(seed);
      cluster.sim.runFor(100);
      const crash = metrics.crash(joiner);
      const done = cluster.sim.runUntilTrue(() => crash.allDownAt !== undefined, 60_000);
      expect(done, `seed ${seed}`).toBeDefined();
      console.log(
        `[sim] unlinked crashed joiner: first suspected ${crash.firstSuspectAt! - crash.at} ms, all Down ${crash.allDownAt! - crash.at} ms after the crash`,
      );
      // Not before the wait: a link merely slow to open is not a failed probe.
      expect(crash.firstSuspectAt! - crash.at).toBeGreaterThanOrEqual(10_000);
      expect(crash.allDownAt! - crash.at).toBeLessThan(25_000);
      expect(metrics.falseDowns).toBe(0);
      expect(cluster.converged()).toBe(true);
    },
    WALL_MS,
  );

  it(
    'a live member whose observers’ links to it open only after 25 s is suspected, refutes through its other links, and is never Down',
    () => {
      const seed = scenarioSeed('unlinked subject, slow links', 122);
      const { cluster, metrics, joiner, holdingActive } = roomWithJoiner(seed);
      const slowUntil = cluster.sim.now + 25_000;
      const addr = cluster.swim(joiner).identity.addr;
      // Every link between the joiner and a member that watches it fails until then (retried every
      // 5 s); its links to its own subjects open, so what they gossip reaches it.
      const watches = (m: number) => cluster.topology(m)!.probeTargets().includes(addr);
      cluster.sim.links!.setupFails = (a, b) =>
        cluster.sim.now < slowUntil && ((a === joiner && watches(b)) || (b === joiner && watches(a)));
      cluster.sim.runFor(60_000);
      console.log(
        `[sim] slow links: ${metrics.falseSuspicions} suspicions of live members, ${metrics.falseDowns} false Down, ${holdingActive()} of ${N} hold the joiner active, ${cluster.sim.links!.setupsFailed} setups failed`,
      );
      expect(cluster.sim.links!.setupsFailed).toBeGreaterThan(0);
      expect(metrics.falseSuspicions).toBeGreaterThan(0);
      expect(metrics.falseDowns).toBe(0);
      expect(metrics.rejoins).toBe(0);
      expect(cluster.converged()).toBe(true);
    },
    WALL_MS,
  );

  it(
    'a joiner whose ring links all fail for 25 s accuses none of its subjects (it holds too few of its own links to judge)',
    () => {
      const seed = scenarioSeed('unlinked subject, joiner cut off', 123);
      const { cluster, metrics, joiner } = roomWithJoiner(seed);
      const slowUntil = cluster.sim.now + 25_000;
      cluster.sim.links!.setupFails = (a, b, bootstrap) =>
        !bootstrap && (a === joiner || b === joiner) && cluster.sim.now < slowUntil;
      const downs = new Map<number, number>();
      cluster.sim.onNotification((_member, n) => {
        if (n.type !== 'member-down') return;
        const about = cluster.sim.indexOf(n.id.addr)!;
        if (cluster.sim.isAlive(about)) downs.set(about, (downs.get(about) ?? 0) + 1);
      });
      cluster.sim.runFor(60_000);
      // Without the self-doubt rule (OverlayTopology's #holdsMostLinks) it declared 6 of its live
      // subjects Down, 6 forced rejoins (seed 123; 778 Down notifications before judgeUnlinked).
      console.log(
        `[sim] joiner cut off: false Downs of others ${[...downs].filter(([m]) => m !== joiner).length}, of the joiner ${downs.get(joiner) ?? 0}, rejoins ${metrics.rejoins}`,
      );
      expect([...downs.keys()].filter((m) => m !== joiner)).toEqual([]);
      expect(cluster.allActive()).toBe(true);
    },
    WALL_MS,
  );
});
