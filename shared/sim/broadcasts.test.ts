import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';
import { encodeVersioned } from './versioned-broadcasts';

function converged(seed: number, size: number) {
  const cluster = new Cluster({ size, seed });
  const metrics = new ClusterMetrics(cluster);
  cluster.coldStart();
  if (cluster.sim.runUntilTrue(() => cluster.converged(), 60_000) === undefined) {
    throw new Error(`seed ${seed}: the cluster never converged`);
  }
  return { cluster, metrics };
}

describe('custom broadcasts', () => {
  it('a newer version invalidates an older one: the older leaves the backlog and everyone ends with the newer', () => {
    const seed = scenarioSeed('newer version wins', 42);
    const { cluster } = converged(seed, 40);
    const origin = cluster.swim(5);
    // Two versions queued before either goes out: the newer replaces the older in the backlog.
    expect(origin.addBroadcast(encodeVersioned(7, 1))).toBe(true);
    expect(origin.addBroadcast(encodeVersioned(7, 2))).toBe(true);
    expect(origin.customBroadcastBacklog).toBe(1);
    const sawV1 = new Set<number>();
    cluster.onBroadcast((member, key, version) => {
      if (key === 7 && version === 1) sawV1.add(member);
    });
    cluster.sim.runFor(10_000);
    for (const store of cluster.stores) expect(store.versions.get(7)).toBe(2);
    expect(sawV1.size).toBe(0);

    // A later version from another member replaces it everywhere; a stale one re-added is refused.
    cluster.sim.addBroadcast(30, encodeVersioned(7, 3));
    expect(cluster.swim(12).addBroadcast(encodeVersioned(7, 2))).toBe(false);
    cluster.sim.runFor(10_000);
    for (const store of cluster.stores) expect(store.versions.get(7)).toBe(3);
    for (const swim of cluster.swims) expect(swim.customBroadcastBacklog).toBe(0);
  });
});
