import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { CpuModel } from './cpu-model';
import { scenarioSeed } from './test-support/seed';

/** One member on a starved CPU among healthy ones, `ms` of simulated time; what it did to the others. */
function starvedAmongHealthy(seed: number, lifeguard: boolean) {
  const cluster = new Cluster({ size: 20, seed, lifeguard });
  const sim = cluster.sim;
  cluster.preconverge();
  // 60 ms per packet at a full core, a quarter of a core: ~4 packets/s fill its CPU, so its timers
  // and handling run seconds late whenever traffic comes in bursts.
  const cpu = new CpuModel(sim, { costMsPerPacket: 60 });
  cpu.setShare(0, 0.25);
  let failedByStarved = 0;
  let downsOfHealthy = 0;
  let maxHealth = 0;
  sim.onNotification((member, n) => {
    if (n.type === 'probe-failed' && member === 0) failedByStarved++;
    if (n.type === 'member-down' && sim.indexOf(n.id.addr) !== 0) downsOfHealthy++;
  });
  for (let t = 0; t < 120; t++) {
    sim.runFor(1000);
    maxHealth = Math.max(maxHealth, cluster.swim(0).localHealth);
  }
  let refutedByHealthy = 0;
  for (let i = 1; i < cluster.size; i++) refutedByHealthy += cluster.swim(i).incarnation;
  return { failedByStarved, refutedByHealthy, downsOfHealthy, maxHealth };
}

describe('a member starved of CPU doubts itself before it accuses others', () => {
  it('its late timers raise its local health, and no healthy member is ever made to refute or declared Down', () => {
    const seed = scenarioSeed('starved member', 3);
    const on = starvedAmongHealthy(seed, true);
    const off = starvedAmongHealthy(seed, false);
    console.log(
      `[sim] starved member, Lifeguard off / on: failed probes ${off.failedByStarved} / ${on.failedByStarved}, healthy members made to refute ${off.refutedByHealthy} / ${on.refutedByHealthy}, max local health ${off.maxHealth} / ${on.maxHealth}`,
    );
    expect(on.maxHealth).toBeGreaterThan(0);
    expect(on.refutedByHealthy).toBe(0);
    expect(on.downsOfHealthy).toBe(0);
  });
});
