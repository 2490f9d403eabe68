import { describe, expect, it } from 'vitest';
import { BinaryCodec, browser, browserIdentityCodec, decodePacket } from '../swim/index';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

/*
 * Anti-entropy (shared/swim/anti-entropy.ts) in the simulator: what gossip misses for good is
 * repaired by comparing view digests now and then.
 */

const codec = new BinaryCodec(browserIdentityCodec);

/** Whether `bytes` carries a Down about `addr` among its members. */
function carriesDown(bytes: Uint8Array, addr: string): boolean {
  const decoded = decodePacket(codec, bytes);
  return decoded.ok && decoded.packet.members.some((m) => m.state === 'down' && m.id.addr === addr);
}

/**
 * A settled overlay room of `size`, a member `dead` that crashes and a member `blind` that neither
 * watches it nor holds a link to it, and never gets a packet telling it of the Down while the Down
 * spreads (`missMs`). Returns when `blind` took `dead` Down, undefined if not within `withinMs`.
 */
function missedDown(seed: number, antiEntropy: boolean, missMs: number, withinMs: number) {
  const size = 60;
  const cluster = new Cluster({ size, seed, config: browser(size), overlay: {}, antiEntropy });
  const metrics = new ClusterMetrics(cluster);
  cluster.preconverge();
  cluster.sim.runFor(5000);
  const dead = 7;
  const deadAddr = cluster.swim(dead).identity.addr;
  const topology = cluster.topology(dead)!;
  const blind = cluster
    .all()
    .find(
      (i) =>
        i !== dead &&
        !topology.probeTargets().includes(cluster.swim(i).identity.addr) &&
        !cluster.topology(i)!.probeTargets().includes(deadAddr) &&
        !cluster.sim.links!.isOpen(i, dead),
    )!;
  cluster.sim.dropIf = (_src, dst, bytes) => dst === blind && carriesDown(bytes, deadAddr);
  const crash = metrics.crash(dead);
  const others = cluster.live().filter((i) => i !== blind);
  const othersDown = cluster.sim.runUntilTrue(() => cluster.allSeeDown(dead, others), 30_000);
  cluster.sim.runUntil(crash.at + missMs);
  const missed = cluster.stateOf(blind, dead) !== 'down';
  cluster.sim.dropIf = undefined;
  const missEnd = cluster.sim.now;
  const at = cluster.sim.runUntilTrue(() => cluster.stateOf(blind, dead) === 'down', withinMs, 100);
  return {
    cluster,
    metrics,
    blind,
    othersDown,
    missed,
    repairedAfter: at === undefined ? undefined : at - missEnd,
  };
}

describe('anti-entropy on the overlay', () => {
  it('a member that missed a Down keeps the dead member for good without it', () => {
    const seed = scenarioSeed('missed Down, anti-entropy off', 201);
    const run = missedDown(seed, false, 20_000, 60_000);
    expect(run.othersDown, `seed ${seed}`).toBeDefined();
    expect(run.missed).toBe(true);
    expect(run.repairedAfter).toBeUndefined();
  });

  it('a member that missed a Down concludes it by its own check within one slow sync interval', () => {
    const seed = scenarioSeed('missed Down, anti-entropy on', 202);
    const run = missedDown(seed, true, 20_000, 30_000);
    expect(run.othersDown, `seed ${seed}`).toBeDefined();
    expect(run.missed).toBe(true);
    console.log(`[sim] the Down missed for 20 s was concluded ${run.repairedAfter} ms after the miss ended`);
    // It syncs every 5–15 s and others sync with it: within 15 s, plus a check of about a period.
    expect(run.repairedAfter).toBeDefined();
    expect(run.repairedAfter!).toBeLessThanOrEqual(16_000);
    expect(run.cluster.swim(run.blind).antiEntropyStats.downsChecked).toBeGreaterThan(0);
    expect(run.metrics.falseDowns).toBe(0);
    expect(run.cluster.converged()).toBe(true);
  });
});

describe('anti-entropy in a cold start', () => {
  it('a cold start of 300 converges with it, and no member is declared Down', () => {
    const seed = scenarioSeed('cold start of 300 with anti-entropy', 203);
    const times: Array<number | undefined> = [];
    for (const antiEntropy of [false, true]) {
      const cluster = new Cluster({ size: 300, seed, antiEntropy });
      const metrics = new ClusterMetrics(cluster);
      cluster.coldStart(cluster.all(), 1000);
      times.push(cluster.sim.runUntilTrue(() => cluster.converged(), 60_000, 250));
      expect(metrics.falseDowns).toBe(0);
    }
    console.log(`[sim] 300 members: all see all at ${times[0]} ms without anti-entropy, ${times[1]} ms with`);
    expect(times[1]).toBeDefined();
    expect(times[1]!).toBeLessThanOrEqual(10_000);
  });
});
