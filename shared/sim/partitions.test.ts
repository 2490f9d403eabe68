import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { scenarioSeed } from './test-support/seed';

const SIZE = 40;

function split(seed: number) {
  const cluster = new Cluster({ size: SIZE, seed });
  cluster.coldStart();
  if (cluster.sim.runUntilTrue(() => cluster.converged(), 60_000) === undefined) {
    throw new Error(`seed ${seed}: the cluster never converged`);
  }
  const left = cluster.all().filter((i) => i % 3 !== 0);
  const right = cluster.all().filter((i) => i % 3 === 0);
  return { cluster, left, right };
}

/** The preset's announce-to-down period: how long a healed partition may take to become one view. */
function healBudget(cluster: Cluster): number {
  return cluster.config.periodicAnnounceToDownMembers!.frequencyMs;
}

describe('partitions of a 40-member cluster', () => {
  it('two-way: each side converges on its own view, and after it ends the cluster heals into one view', () => {
    const seed = scenarioSeed('two-way partition', 21);
    const { cluster, left, right } = split(seed);
    const cutAt = cluster.sim.now;
    const cut = cluster.sim.network.partition(left, right);
    const apart = cluster.sim.runUntilTrue(
      () => cluster.converged(left) && cluster.converged(right),
      120_000,
      200,
    );
    expect(apart).toBeDefined();
    cluster.sim.runFor(30_000);
    expect(cluster.converged(left) && cluster.converged(right)).toBe(true);

    cluster.sim.network.heal(cut);
    const healedAt = cluster.sim.now;
    const whole = cluster.sim.runUntilTrue(() => cluster.converged(), healBudget(cluster), 200);
    console.log(
      `[sim] sides apart ${apart! - cutAt} ms after the cut; one view ${whole === undefined ? 'never' : `${whole - healedAt} ms`} after healing`,
    );
    expect(whole).toBeDefined();
  });

  it('one-way: each side converges on its own view, and after it ends the cluster heals into one view', () => {
    const seed = scenarioSeed('one-way partition', 22);
    const { cluster, left, right } = split(seed);
    const cutAt = cluster.sim.now;
    const cut = cluster.sim.network.partition(left, right, { oneWay: true });
    const apart = cluster.sim.runUntilTrue(
      () => cluster.converged(left) && cluster.converged(right),
      120_000,
      200,
    );
    expect(apart).toBeDefined();
    cluster.sim.runFor(30_000);
    expect(cluster.converged(left) && cluster.converged(right)).toBe(true);

    cluster.sim.network.heal(cut);
    const healedAt = cluster.sim.now;
    const whole = cluster.sim.runUntilTrue(() => cluster.converged(), healBudget(cluster), 200);
    console.log(
      `[sim] sides apart ${apart! - cutAt} ms after the cut; one view ${whole === undefined ? 'never' : `${whole - healedAt} ms`} after healing`,
    );
    expect(whole).toBeDefined();
  });
});
