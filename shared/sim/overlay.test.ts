import { describe, expect, it } from 'vitest';
import { browser, randomInt, seededRng } from '../swim/index';
import { Cluster, mixSeed } from './cluster';
import { ClusterMetrics } from './metrics';
import { scenarioSeed } from './test-support/seed';

/*
 * Large rooms (DESIGN §8) in the simulator: every member's host keeps an OverlayTopology, and packets
 * travel only over links the link model set up. Rooms here are past the default budget of 32, so
 * they ride the overlay (K = 8, ≤ 16 ring links each).
 */

function room(seed: number, size: number, loss = 0): { cluster: Cluster; metrics: ClusterMetrics } {
  const cluster = new Cluster({
    size,
    seed,
    config: browser(size),
    overlay: {},
    link: { loss, delayMs: 1, jitterMs: 1 },
  });
  return { cluster, metrics: new ClusterMetrics(cluster) };
}

/** The most links any member ever held at once. */
const linksMax = (c: Cluster) => Math.max(0, ...c.all().map((i) => c.sim.links!.maxOpen[i] ?? 0));

/** Starts `size` members converged, and waits until their links are open. */
function settledRoom(seed: number, size: number, loss = 0) {
  const r = room(seed, size, loss);
  r.cluster.preconverge();
  r.cluster.sim.runFor(2000);
  return r;
}

describe('a large room on the overlay', () => {
  it('cold start: all see all through the server’s bootstrap links and the overlay, each member within its budget', () => {
    const seed = scenarioSeed('overlay cold start', 101);
    const { cluster, metrics } = room(seed, 150);
    cluster.coldStart(cluster.all(), 1000);
    const at = cluster.sim.runUntilTrue(() => cluster.converged(), 60_000);
    expect(at, `seed ${seed}`).toBeDefined();
    console.log(`[sim] 150 members: all see all at ${at} ms, links max ${linksMax(cluster)}`);
    expect(cluster.all().every((i) => cluster.topology(i)!.mode === 'overlay')).toBe(true);
    // Bootstrap links and the mesh phase's links linger, then only the ring links stay.
    cluster.sim.runFor(50_000);
    const unsent = cluster.sim.stats.unsentNoLink;
    const held = cluster.swims.reduce((a, s) => a + s.heldBack, 0);
    cluster.sim.runFor(10_000);
    expect(cluster.sim.stats.unsentNoLink - unsent).toBe(0);
    expect(cluster.swims.reduce((a, s) => a + s.heldBack, 0) - held).toBe(0);
    expect(linksMax(cluster)).toBeLessThanOrEqual(32);
    for (const i of cluster.all()) expect(cluster.sim.links!.linksOf(i)).toBeLessThanOrEqual(16);
    expect(metrics.falseDowns).toBe(0);
  });

  it('a crash of 1 % at once is known Down by every live member, and nobody else is', () => {
    const seed = scenarioSeed('overlay crash 1%', 102);
    const { cluster, metrics } = settledRoom(seed, 300);
    const crashes = [17, 150, 222].map((m) => metrics.crash(m));
    const done = cluster.sim.runUntilTrue(() => crashes.every((c) => c.allDownAt !== undefined), 30_000);
    expect(done, `seed ${seed}`).toBeDefined();
    const worst = Math.max(...crashes.map((c) => c.allDownAt! - c.at));
    console.log(`[sim] 300 members, 3 crashed: all Down within ${worst} ms`);
    expect(metrics.falseDowns).toBe(0);
    expect(cluster.converged()).toBe(true);
    expect(linksMax(cluster)).toBeLessThanOrEqual(32);
  });

  it('churn of 1 % joining and 1 % leaving per minute for 10 minutes: the room holds, links move little', () => {
    const seed = scenarioSeed('overlay churn', 103);
    const size = 100;
    const { cluster, metrics } = settledRoom(seed, size);
    const rng = seededRng(mixSeed(seed, 0xc4));
    const links = cluster.sim.links!;
    const created0 = cluster.all().map((i) => links.created[i] ?? 0);
    for (let minute = 0; minute < 10; minute++) {
      const live = cluster.live();
      const leaver = live[randomInt(rng, live.length)]!;
      if (minute % 2 === 0) cluster.leave(leaver);
      else metrics.crash(leaver);
      cluster.join(cluster.addMember());
      cluster.sim.runFor(60_000);
    }
    const at = cluster.sim.runUntilTrue(() => cluster.converged(), 30_000);
    expect(at, `seed ${seed}`).toBeDefined();
    expect(metrics.falseDowns).toBe(0);
    // Link openings of the members there from the start (a joiner opens its ~16 once).
    const opens = created0.map((c, i) => (links.created[i] ?? 0) - c);
    const perMinute = opens.reduce((a, b) => a + b, 0) / size / 10;
    console.log(
      `[sim] churn: ${perMinute.toFixed(2)} link openings per member per minute, links max ${linksMax(cluster)}`,
    );
    expect(perMinute).toBeLessThan(1);
    expect(linksMax(cluster)).toBeLessThanOrEqual(32);
  });

  it('a partition of the rings that heals: each half goes on alone, then they meet again through the server', () => {
    const seed = scenarioSeed('overlay partition', 104);
    const { cluster } = settledRoom(seed, 80);
    const a = cluster.all().filter((i) => i % 2 === 0);
    const b = cluster.all().filter((i) => i % 2 === 1);
    const cut = cluster.sim.network.partition(a, b);
    const split = cluster.sim.runUntilTrue(
      () => a.every((i) => cluster.swim(i).numMembers === a.length - 1),
      60_000,
    );
    expect(split, `seed ${seed}`).toBeDefined();
    cluster.sim.network.heal(cut);
    const healed = cluster.sim.runUntilTrue(
      () => cluster.swims.every((s) => s.numMembers === cluster.size - 1),
      240_000,
      500,
    );
    console.log(`[sim] partition: split after ${split} ms, healed ${healed} ms later`);
    expect(healed, `seed ${seed}`).toBeDefined();
    expect(linksMax(cluster)).toBeLessThanOrEqual(32);
  });

  it('10 % loss: no false Down, and nothing is sent without a link once settled', () => {
    const seed = scenarioSeed('overlay 10% loss', 105);
    const { cluster, metrics } = settledRoom(seed, 150, 0.1);
    const unsent = cluster.sim.stats.unsentNoLink;
    cluster.sim.runFor(60_000);
    expect(metrics.falseDowns).toBe(0);
    expect(cluster.sim.stats.unsentNoLink - unsent).toBe(0);
    expect(cluster.allActive()).toBe(true);
  });
});
