import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

const HOUR = 3_600_000;

describe('no false positives', () => {
  it('at 10 % loss for an hour of simulated time at N=100, no live member is ever declared Down', () => {
    const seed = scenarioSeed('10 % loss for an hour', 31);
    const cluster = new Cluster({ size: 100, seed, link: { loss: 0.1, delayMs: 1, jitterMs: 1 } });
    const metrics = new ClusterMetrics(cluster);
    cluster.coldStart();
    expect(cluster.sim.runUntilTrue(() => cluster.converged(), 120_000, 500)).toBeDefined();
    cluster.sim.runFor(HOUR);
    console.log(
      `[sim] false Downs ${metrics.falseDowns}, rejoins ${metrics.rejoins}, probe failures about live members ${metrics.falseSuspicions}`,
    );
    expect(metrics.falseDowns).toBe(0);
    expect(metrics.rejoins).toBe(0);
    expect(cluster.allActive()).toBe(true);
    // An hour of 100 members is ~10 s of CPU alone; a machine shared with other jobs needs more.
  }, 180_000);
});
