import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

describe('no false positives', () => {
  it('members whose timers run up to 1 s late (hidden tabs) are never declared Down', () => {
    const seed = scenarioSeed('throttled members', 32);
    const cluster = new Cluster({ size: 30, seed });
    const metrics = new ClusterMetrics(cluster);
    cluster.coldStart();
    expect(cluster.sim.runUntilTrue(() => cluster.converged(), 60_000)).toBeDefined();
    // A third of the tabs go to the background.
    for (let i = 0; i < 30; i += 3) cluster.sim.throttle(i, 1000);
    cluster.sim.runFor(20 * 60_000);
    console.log(
      `[sim] false Downs ${metrics.falseDowns}, probe failures about live members ${metrics.falseSuspicions}`,
    );
    expect(metrics.falseDowns).toBe(0);
    expect(metrics.rejoins).toBe(0);
    expect(cluster.converged()).toBe(true);
  });
});
