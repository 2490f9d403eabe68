import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

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
  it('reach every member', () => {
    const seed = scenarioSeed('broadcasts reach everyone', 41);
    const { cluster, metrics } = converged(seed, 60);
    const spreads = [0, 17, 42].map((m, k) => metrics.broadcast(m, 100 + k, 1));
    cluster.sim.runFor(10_000);
    for (const s of spreads) {
      expect(s.reached.size).toBe(60);
      console.log(`[sim] key ${s.key} reached all 60 after ${s.doneAt! - s.at} ms`);
    }
    for (const store of cluster.stores) expect([...store.versions.keys()].sort()).toEqual([100, 101, 102]);
  });
});
