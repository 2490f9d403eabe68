import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { scenarioSeed } from './test-support/seed';
import { encodeVersioned } from './versioned-broadcasts';

function converged(seed: number, size: number): Cluster {
  const cluster = new Cluster({ size, seed });
  cluster.coldStart();
  if (cluster.sim.runUntilTrue(() => cluster.converged(), 60_000) === undefined) {
    throw new Error(`seed ${seed}: the cluster never converged`);
  }
  return cluster;
}

/**
 * Member `missing` hangs while a broadcast from member 0 spreads and every holder sends it all it
 * will; after it resumes, only the Feeds repair it.
 */
function missAndRepair(name: string, fallbackSeed: number, size: number) {
  const seed = scenarioSeed(name, fallbackSeed);
  const cluster = converged(seed, size);
  const missing = size - 1;
  cluster.sim.hang(missing, 5_000);
  expect(cluster.sim.addBroadcast(0, encodeVersioned(500, 1))).toBe(true);
  cluster.sim.runFor(5_000);
  const holders = cluster.stores.filter((s) => s.versions.get(500) === 1).length;
  expect(holders).toBe(size - 1);
  expect(cluster.stores[missing]!.versions.has(500)).toBe(false);
  for (const swim of cluster.swims) expect(swim.customBroadcastBacklog).toBe(0);

  const resumedAt = cluster.sim.now;
  const budget = 2 * cluster.config.periodicAnnounce!.frequencyMs;
  const repairedAt = cluster.sim.runUntilTrue(
    () => cluster.stores[missing]!.versions.get(500) === 1,
    budget,
    100,
  );
  console.log(
    `[sim] N=${size}: member ${missing} had the item ${repairedAt === undefined ? 'never' : `${repairedAt - resumedAt} ms`} after it resumed (budget ${budget} ms)`,
  );
  expect(repairedAt).toBeDefined();
}

describe('custom broadcast repair', () => {
  it('a member that was hung while a broadcast spread gets it from a Feed within two announce periods (N=30)', () => {
    missAndRepair('broadcast repair N=30', 51, 30);
  });

  it('the same at N=60, where a Feed is full of members', () => {
    missAndRepair('broadcast repair N=60', 52, 60);
  });
});
