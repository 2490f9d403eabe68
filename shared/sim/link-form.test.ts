import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { scenarioSeed } from './test-support/seed';

/** Runs a cold start of 12 and hashes every packet as the core wrote it, with its time and ends. */
function run(seed: number, linkHeader: boolean) {
  const cluster = new Cluster({ size: 12, seed, linkHeader, link: { loss: 0.05, delayMs: 1, jitterMs: 5 } });
  let digest = 0x811c9dc5;
  let coreBytes = 0;
  cluster.sim.onSend((src, dst, bytes, now) => {
    coreBytes += bytes.length;
    digest = Math.imul(digest ^ src, 0x01000193);
    digest = Math.imul(digest ^ dst, 0x01000193);
    digest = Math.imul(digest ^ Math.floor(now * 1000), 0x01000193);
    for (let i = 0; i < bytes.length; i++) digest = Math.imul(digest ^ bytes[i]!, 0x01000193);
  });
  cluster.coldStart();
  cluster.sim.runFor(20_000);
  cluster.sim.crash(3);
  cluster.sim.runFor(20_000);
  return { digest: digest >>> 0, coreBytes, stats: cluster.sim.stats, converged: cluster.converged() };
}

describe('the simulated wire carries packets in their link form (protocol 1.4)', () => {
  it('the same run as in full form, packet for packet, with 35 bytes less in each', () => {
    const seed = scenarioSeed('link form', 1);
    const full = run(seed, false);
    const link = run(seed, true);
    expect(link.digest).toBe(full.digest);
    expect(link.converged).toBe(true);
    expect(full.converged).toBe(true);
    expect(link.stats.packetsSent).toBe(full.stats.packetsSent);
    expect(link.stats.remoteErrors).toEqual(full.stats.remoteErrors);
    // Every packet names its link's two ends, and generations and incarnations stay small here.
    expect(full.stats.packetsLinkForm).toBe(0);
    expect(link.stats.packetsLinkForm).toBe(link.stats.packetsSent);
    expect(full.stats.bytesSent).toBe(full.coreBytes);
    expect(link.stats.bytesSent).toBe(full.stats.bytesSent - 35 * link.stats.packetsSent);
    console.log(
      `[sim] ${link.stats.packetsSent} packets: ${full.stats.bytesSent} B in full form, ${link.stats.bytesSent} B in link form`,
    );
  });
});
