import { describe, expect, it } from 'vitest';
import { browser, seededRng } from '../swim/index';
import { Cluster, mixSeed } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

/**
 * The browser preset's bound on how soon a silent member may be Down: at no member sooner than
 * `suspectToDownAfterMs` after the first probe of it that failed (its verdict), whoever concludes it
 * (the prober, a member that only heard the suspicion, a second prober, an accused's checker). That
 * is what keeps a long task that the prober tolerates from being a Down elsewhere.
 */
describe('a crash in the tabs (the browser preset)', () => {
  it('is Down at every live member, none sooner than suspectToDownAfterMs after the first failed probe of it', () => {
    const seed = scenarioSeed('crash silence', 21);
    const size = 8;
    const config = browser(size);
    const cluster = new Cluster({
      size,
      seed,
      config,
      downIsAccusation: true,
      link: { loss: 0, delayMs: 2, jitterMs: 3 },
    });
    const metrics = new ClusterMetrics(cluster);
    const sim = cluster.sim;
    const rng = seededRng(mixSeed(seed, 0xc4a5));
    cluster.preconverge();
    sim.runFor(5000);
    let watching: string | undefined;
    let firstFailed: number | undefined;
    const downsAfterFailed: number[] = [];
    sim.onNotification((_member, note) => {
      if ((note.type !== 'probe-failed' && note.type !== 'member-down') || note.id.addr !== watching) return;
      if (note.type === 'probe-failed') firstFailed ??= sim.now;
      else downsAfterFailed.push(sim.now - (firstFailed ?? Number.NEGATIVE_INFINITY));
    });
    const crashes = 3;
    for (let k = 0; k < crashes; k++) {
      sim.runFor(2000 + rng.next() * config.probePeriodMs);
      const victim = cluster.live()[1 + Math.floor(rng.next() * (cluster.live().length - 1))]!;
      watching = cluster.swim(victim).identity.addr;
      firstFailed = undefined;
      const record = metrics.crash(victim);
      sim.runUntilTrue(() => record.allDownAt !== undefined, 20_000, 10);
      expect(record.allDownAt).toBeDefined();
    }
    // Every live member notified each crash once: size − 1 of them for the first, one fewer each time.
    let expected = 0;
    for (let k = 0; k < crashes; k++) expected += size - 1 - k;
    expect(downsAfterFailed).toHaveLength(expected);
    console.log(
      `[sim] ${downsAfterFailed.length} Downs, the soonest ${Math.round(Math.min(...downsAfterFailed))} ms after the first failed probe (bound ${config.suspectToDownAfterMs})`,
    );
    for (const d of downsAfterFailed) expect(d).toBeGreaterThanOrEqual(config.suspectToDownAfterMs);
    expect(metrics.falseDowns).toBe(0);
  });
});
