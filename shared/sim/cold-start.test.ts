import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { scenarioSeed } from './test-support/seed';

function digestOf(seed: number): { digest: number; packets: number; converged: boolean } {
  const cluster = new Cluster({ size: 20, seed, link: { loss: 0.05, delayMs: 1, jitterMs: 5 } });
  let h = 0x811c9dc5;
  let packets = 0;
  cluster.sim.onSend((src, dst, bytes, now) => {
    packets++;
    h = Math.imul(h ^ src, 0x01000193);
    h = Math.imul(h ^ dst, 0x01000193);
    h = Math.imul(h ^ Math.floor(now * 1000), 0x01000193);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  });
  cluster.coldStart();
  cluster.sim.runFor(20_000);
  return { digest: h >>> 0, packets, converged: cluster.converged() };
}

describe('cold start', () => {
  it('50 members that bootstrap through 4 random members each converge: everyone sees all others Alive', () => {
    const seed = scenarioSeed('cold start of 50', 1);
    const cluster = new Cluster({ size: 50, seed });
    cluster.coldStart(cluster.all(), 2000);
    const at = cluster.sim.runUntilTrue(() => cluster.converged(), 60_000, 100);
    console.log(`[sim] all see all after ${at} ms (joins spread over 2 s)`);
    expect(at).toBeDefined();
    // And it stays so.
    cluster.sim.runFor(30_000);
    expect(cluster.converged()).toBe(true);
  });

  it('a member that knows nobody at first (the room was empty) still joins once others arrive', () => {
    const seed = scenarioSeed('late room', 2);
    const cluster = new Cluster({ size: 5, seed });
    cluster.join(0);
    cluster.sim.runFor(5000);
    expect(cluster.swim(0).numMembers).toBe(0);
    for (let i = 1; i < 5; i++) cluster.join(i);
    expect(cluster.sim.runUntilTrue(() => cluster.converged(), 30_000)).toBeDefined();
  });

  it('replays the same run byte for byte from the same seed, and a different one from another seed', () => {
    const seed = scenarioSeed('replay', 3);
    const a = digestOf(seed);
    const b = digestOf(seed);
    const c = digestOf(seed + 1);
    expect(a.converged).toBe(true);
    expect(b).toEqual(a);
    expect(c.digest).not.toBe(a.digest);
  });
});
