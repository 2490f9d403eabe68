import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import { scenarioSeed } from './test-support/seed';

const SIZE = 12;

/**
 * One member is cut off until it has declared every other member Down (and they it), then the cut
 * heals. Returns how many member-down notifications the members that stayed together emitted about
 * each other after the heal: what the returning member's stale Downs did to them.
 */
function isolateAndReturn(seed: number, downIsAccusation: boolean) {
  const cluster = new Cluster({ size: SIZE, seed, downIsAccusation });
  cluster.coldStart();
  if (cluster.sim.runUntilTrue(() => cluster.converged(), 60_000) === undefined) {
    throw new Error(`seed ${seed}: the cluster never converged`);
  }
  const isolated = 0;
  const rest = cluster.all().filter((i) => i !== isolated);
  const cut = cluster.sim.network.partition([isolated], rest);
  const apart = cluster.sim.runUntilTrue(
    () => cluster.swim(isolated).numMembers === 0 && cluster.allSeeDown(isolated, rest),
    120_000,
    200,
  );
  if (apart === undefined) throw new Error(`seed ${seed}: the sides never saw each other Down`);
  const restAddrs = new Set(rest.map((i) => cluster.swim(i).identity.addr));
  let staleDowns = 0;
  let healed = false;
  cluster.sim.onNotification((member, n) => {
    if (!healed || member === isolated || n.type !== 'member-down') return;
    if (restAddrs.has(n.id.addr)) staleDowns++;
  });
  cluster.sim.network.heal(cut);
  healed = true;
  const whole = cluster.sim.runUntilTrue(
    () => cluster.converged(),
    cluster.config.periodicAnnounceToDownMembers!.frequencyMs * 3,
    200,
  );
  cluster.sim.runFor(10_000);
  return { staleDowns, whole, cluster };
}

describe('a member that returns from isolation with stale Downs', () => {
  it('with Downs taken as accusations, makes nobody Down, and the room heals into one view', () => {
    const seed = scenarioSeed('stale Downs, accusations', 31);
    const { staleDowns, whole, cluster } = isolateAndReturn(seed, true);
    console.log(
      `[sim] downIsAccusation: ${staleDowns} stale Downs applied; one view ${whole === undefined ? 'never' : 'reached'}`,
    );
    expect(staleDowns).toBe(0);
    expect(whole).toBeDefined();
    expect(cluster.converged()).toBe(true);
  });

  it("with foca's rule, the same return is measured for comparison (printed, not asserted)", () => {
    const seed = scenarioSeed('stale Downs, foca', 31);
    const { staleDowns } = isolateAndReturn(seed, false);
    console.log(`[sim] foca's rule: ${staleDowns} member-down notifications among members that never left`);
  });
});
