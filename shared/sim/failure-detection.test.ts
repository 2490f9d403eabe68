import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

function converged(seed: number, size = 30): { cluster: Cluster; metrics: ClusterMetrics } {
  const cluster = new Cluster({ size, seed });
  const metrics = new ClusterMetrics(cluster);
  cluster.coldStart();
  if (cluster.sim.runUntilTrue(() => cluster.converged(), 60_000) === undefined) {
    throw new Error(`seed ${seed}: the cluster never converged`);
  }
  return { cluster, metrics };
}

describe('failure detection', () => {
  it('a crashed member is declared Down by every live member, and nobody else is', () => {
    const seed = scenarioSeed('crash', 11);
    const { cluster, metrics } = converged(seed);
    const crash = metrics.crash(7);
    const done = cluster.sim.runUntilTrue(() => crash.allDownAt !== undefined, 120_000);
    expect(done).toBeDefined();
    console.log(
      `[sim] first suspicion after ${crash.firstSuspectAt! - crash.at} ms, all Down after ${crash.allDownAt! - crash.at} ms`,
    );
    expect(cluster.allSeeDown(7)).toBe(true);
    expect(cluster.converged()).toBe(true);
    expect(metrics.falseDowns).toBe(0);
  });

  it('a member that leaves gracefully is declared Down by every live member, faster than a crashed one', () => {
    const seed = scenarioSeed('leave', 12);
    const { cluster, metrics } = converged(seed);
    const crash = metrics.crash(3);
    cluster.sim.runUntilTrue(() => crash.allDownAt !== undefined, 120_000);
    const crashTook = crash.allDownAt! - crash.at;
    cluster.sim.runFor(5000);

    const leftAt = cluster.sim.now;
    const leaver = 9;
    cluster.leave(leaver);
    const took = cluster.sim.runUntilTrue(() => cluster.allSeeDown(leaver), 120_000, 50);
    expect(took).toBeDefined();
    console.log(`[sim] leave seen by all after ${took! - leftAt} ms; crash after ${crashTook} ms`);
    expect(took! - leftAt).toBeLessThan(crashTook);
    expect(cluster.converged()).toBe(true);
    expect(metrics.falseDowns).toBe(0);
  });

  it('a hung member is declared Down, and after it resumes it is Alive again everywhere', () => {
    const seed = scenarioSeed('hang', 13);
    const { cluster, metrics } = converged(seed);
    const hung = 4;
    const before = cluster.swim(hung).identity;
    const hungAt = cluster.sim.now;
    metrics.hang(hung, 60_000);
    const others = cluster.live().filter((i) => i !== hung);
    const down = cluster.sim.runUntilTrue(() => cluster.allSeeDown(hung, others), 60_000, 100);
    expect(down).toBeLessThan(hungAt + 60_000);
    // It resumes at +60 s, learns it was declared Down and rejoins (or refutes).
    cluster.sim.runUntil(hungAt + 60_000);
    const back = cluster.sim.runUntilTrue(() => cluster.converged(), 120_000, 100);
    expect(back).toBeDefined();
    const after = cluster.swim(hung).identity;
    console.log(
      `[sim] hung member back as ${after} (was ${before}) at ${back} ms; rejoins after the hang ${metrics.rejoinsAfterHang}`,
    );
    expect(after.addr).toBe(before.addr);
    expect(metrics.falseDowns).toBe(0);
  });

  it('a member paused with its channels open (packets queue up) is Alive again everywhere after it resumes', () => {
    const seed = scenarioSeed('paused page', 14);
    const { cluster, metrics } = converged(seed);
    const paused = 8;
    const pausedAt = cluster.sim.now;
    metrics.hang(paused, 30_000, { queueInbound: true });
    const others = cluster.live().filter((i) => i !== paused);
    expect(cluster.sim.runUntilTrue(() => cluster.allSeeDown(paused, others), 30_000, 100)).toBeDefined();
    cluster.sim.runUntil(pausedAt + 30_000);
    const back = cluster.sim.runUntilTrue(() => cluster.converged(), 120_000, 100);
    console.log(`[sim] paused member back ${back! - pausedAt - 30_000} ms after resuming`);
    expect(back).toBeDefined();
    expect(metrics.falseDowns).toBe(0);
  });

  it('one broken link (both directions) between two members makes nobody Down: indirect probes route around it', () => {
    const seed = scenarioSeed('broken link', 15);
    const { cluster, metrics } = converged(seed);
    const dead = { loss: 1, delayMs: 1, jitterMs: 0 };
    cluster.sim.network.setLink(2, 3, dead);
    cluster.sim.network.setLink(3, 2, dead);
    cluster.sim.runFor(10 * 60_000);
    expect(metrics.falseDowns).toBe(0);
    expect(metrics.rejoins).toBe(0);
    cluster.sim.network.clearLink(2, 3);
    cluster.sim.network.clearLink(3, 2);
    cluster.sim.runFor(30_000);
    expect(cluster.converged()).toBe(true);
  });
});
