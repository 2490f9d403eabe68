import { describe, expect, it } from 'vitest';
import { lan } from './config';
import { member } from './test-support/harness';
import { MiniNet, type NetNode } from './test-support/mini-net';
import { id, type TestId } from './test-support/test-id';

function cluster(n: number, rejoinable = false): { net: MiniNet; nodes: NetNode[] } {
  const net = new MiniNet();
  const config = lan(n);
  const nodes: NetNode[] = [];
  for (let i = 1; i <= n; i++) {
    const ident = rejoinable ? id(i).asRejoinable() : id(i);
    nodes.push(net.add(ident, config));
  }
  // Everyone announces to the first member, one after the other.
  for (const node of nodes.slice(1)) {
    node.swim.announce(id(1), node);
    net.runFor(50);
  }
  return { net, nodes };
}

const allSeeAll = (nodes: NetNode[]) =>
  nodes.every((n) => n.crashed || n.swim.numMembers === nodes.filter((o) => !o.crashed).length - 1);

function downsAbout(node: NetNode, who: TestId): number {
  return node.notifications.filter((e) => e.n.type === 'member-down' && e.n.id.addr === who.addr).length;
}

describe('a cluster on a virtual network', () => {
  it('members that announce to one seed all see each other within seconds', () => {
    const { net, nodes } = cluster(12);
    net.runFor(5_000);
    expect(allSeeAll(nodes)).toBe(true);
    for (const n of nodes) expect(n.swim.connectionState).toBe('connected');
  });

  it('a member that leaves is declared down by everyone, without waiting for a suspicion', () => {
    const { net, nodes } = cluster(8);
    net.runFor(5_000);
    const leaver = nodes[4]!;
    leaver.swim.leaveCluster(leaver);
    const others = nodes.filter((n) => n !== leaver);
    const knowDown = () =>
      others.filter((n) => n.swim.member(leaver.swim.identity.addr)?.state === 'down').length;
    // The gossip reaches most at once; one that no copy reached finds out by probing.
    net.runFor(1_000);
    expect(knowDown()).toBeGreaterThanOrEqual(others.length - 2);
    net.runFor(30_000);
    expect(knowDown()).toBe(others.length);
    expect(leaver.swim.connectionState).toBe('undead');
  });

  it('under 10% packet loss for two minutes, nobody is declared down', () => {
    const { net, nodes } = cluster(10);
    net.runFor(5_000);
    let k = 0;
    // Deterministic loss: every tenth packet on the network is dropped.
    net.drop = () => ++k % 10 === 0;
    net.runFor(120_000);
    for (const n of nodes) for (const o of nodes) if (n !== o) expect(downsAbout(n, o.swim.identity)).toBe(0);
    expect(allSeeAll(nodes)).toBe(true);
  });

  it('after a partition heals, members that declared each other down rejoin and see everyone again', () => {
    const { net, nodes } = cluster(6, true);
    net.runFor(5_000);
    const isolated = nodes[5]!;
    net.drop = (from, to) => from === isolated || to.addr === isolated.swim.identity.addr;
    net.runFor(30_000);
    expect(nodes[0]!.swim.member(isolated.swim.identity.addr)?.state).toBe('down');
    expect(isolated.swim.numMembers).toBe(0);
    net.drop = () => false;
    // Periodic announces to Down members (every 65 s in lan, at a random phase per member) make them
    // rejoin; members that still address old identities are told the new ones.
    let healedIn = -1;
    for (let t = 0; t < 60_000 && healedIn < 0; t += 500) {
      net.runFor(500);
      if (allSeeAll(nodes)) healedIn = t + 500;
    }
    expect(healedIn).toBeGreaterThan(0);
    expect(healedIn).toBeLessThanOrEqual(60_000);
    expect(isolated.swim.identity.bump).toBeGreaterThan(0);
  });

  it('a member restarted with a renewed identity is seen as a rename, not a leave and a join', () => {
    const { net, nodes } = cluster(5);
    net.runFor(5_000);
    const old = nodes[2]!;
    old.crashed = true;
    const renewed = net.add(id(3, 1), lan(5));
    renewed.swim.applyMany(
      nodes.filter((n) => n !== old).map((n) => member(n.swim.identity)),
      false,
      renewed,
    );
    renewed.swim.announce(id(1), renewed);
    net.runFor(3_000);
    for (const n of nodes) {
      if (n === old) continue;
      const seen = n.notifications.map((e) => e.n);
      expect(seen.some((e) => e.type === 'rename' && e.new.equals(id(3, 1)))).toBe(true);
      expect(seen.some((e) => e.type === 'member-down' && e.id.addr === 'm3')).toBe(false);
    }
    expect(renewed.swim.numMembers).toBe(4);
  });
});
