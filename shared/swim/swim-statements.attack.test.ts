import { describe, expect, it } from 'vitest';
import { lan } from './config';
import type { Member } from './member';
import { statementBytes } from './statements';
import { encode, header, member } from './test-support/harness';
import { MiniNet, type NetNode } from './test-support/mini-net';
import { testAuth } from './test-support/test-auth';
import { id, type TestId, testCodec } from './test-support/test-id';
import type { Topology } from './topology';

/*
 * Issue 11 item 3 and the signed half of item 4 (statements.ts, PROTOCOL.md 1.3): a hostile member
 * of a room whose cores sign their statements tries to speak for others. Each test asserts what the
 * honest members see. Mallory signs only with its own key (testAuth), or replays proofs it captured.
 */

const N = 6;

function cluster(opts: { lifeguard?: boolean; room?: (n: number) => string } = {}): {
  net: MiniNet;
  nodes: NetNode[];
} {
  const net = new MiniNet();
  const config = lan(N);
  const nodes: NetNode[] = [];
  for (let i = 1; i <= N; i++) {
    const me = id(i).asRejoinable();
    nodes.push(
      net.add(me, config, i, {
        downIsAccusation: true,
        statements: testAuth(me, opts.room?.(i) ?? 'room'),
        ...(opts.lifeguard === undefined ? {} : { lifeguard: opts.lifeguard }),
      }),
    );
  }
  for (const node of nodes.slice(1)) {
    node.swim.announce(id(1), node);
    net.runFor(50);
  }
  net.runFor(5_000);
  return { net, nodes };
}

/** A packet from `from` to `to` carrying `updates`, as a peer would send it. */
function send(net: MiniNet, from: NetNode, to: NetNode, updates: Member<TestId>[]): void {
  const bytes = encode(
    header(from.swim.identity, to.swim.identity, { type: 'gossip' }, from.swim.incarnation),
    updates,
  );
  net.transmit(from, to.swim.identity, bytes);
}

/** `update` with a proof made by `signer`'s auth (a real one for the signer, a forgery for anyone else). */
function signedBy(signer: TestId, update: Member<TestId>, asAccuser = false, room = 'room'): Member<TestId> {
  const accuser = asAccuser ? signer : undefined;
  const proof = testAuth(signer, room).sign(statementBytes(testCodec(), update, accuser));
  return accuser === undefined ? { ...update, proof } : { ...update, accuser, proof };
}

function honest(nodes: NetNode[], ...skip: NetNode[]): NetNode[] {
  return nodes.filter((n) => !skip.includes(n));
}

function downsAbout(nodes: NetNode[], addr: string): number {
  let count = 0;
  for (const n of nodes) {
    for (const e of n.notifications) if (e.n.type === 'member-down' && e.n.id.addr === addr) count++;
  }
  return count;
}

function rejected(nodes: NetNode[]): number {
  return nodes.reduce((sum, n) => sum + n.swim.statementStats.rejected, 0);
}

describe('signed statements: an honest room works as before', () => {
  it('forms, detects a crash everywhere, and applies a signed leave at once', () => {
    const { net, nodes } = cluster();
    for (const n of nodes) expect(n.swim.numMembers).toBe(N - 1);
    const [a, v, leaver] = [nodes[0]!, nodes[1]!, nodes[2]!];
    v.crashed = true;
    net.runFor(30_000);
    for (const n of honest(nodes, v)) expect(n.view().has(v.swim.identity.addr)).toBe(false);
    const before = net.now;
    leaver.swim.leaveCluster(leaver);
    net.runFor(200);
    for (const n of honest(nodes, v, leaver)) expect(n.view().has(leaver.swim.identity.addr)).toBe(false);
    expect(net.now - before).toBeLessThanOrEqual(200);
    expect(a.swim.statementStats.rejected).toBe(0);
    expect(a.swim.statementStats.verified).toBeGreaterThan(0);
  });

  it('a refutation outruns the suspicion: a member suspected by a real accuser stays', () => {
    const { net, nodes } = cluster();
    const [a, v] = [nodes[0]!, nodes[1]!];
    const inc = a.swim.member(v.swim.identity.addr)!.incarnation;
    // A real suspicion (A's own signed accusation), delivered to every member including V.
    const accusation = signedBy(a.swim.identity, member(v.swim.identity, 'suspect', inc), true);
    for (const n of honest(nodes, a)) send(net, a, n, [accusation]);
    net.runFor(20_000);
    expect(v.swim.incarnation).toBeGreaterThan(inc);
    expect(downsAbout(honest(nodes, v), v.swim.identity.addr)).toBe(0);
    for (const n of honest(nodes, v)) expect(n.swim.member(v.swim.identity.addr)?.state).toBe('alive');
  });
});

describe('attack: speaking for another member', () => {
  it('a forged refutation (Alive at inc+1 for a crashed V) cannot keep V alive', () => {
    const { net, nodes } = cluster();
    const [a, v, mallory] = [nodes[0]!, nodes[1]!, nodes[5]!];
    v.crashed = true;
    const vId = v.swim.identity;
    // Mallory keeps "refuting" for V: unsigned, and signed with its own key.
    for (let t = 0; t < 30; t++) {
      const inc = (a.swim.member(vId.addr)?.incarnation ?? 0) + 1;
      for (const n of honest(nodes, v, mallory)) {
        send(net, mallory, n, [member(vId, 'alive', inc)]);
        send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId, 'alive', inc))]);
      }
      net.runFor(1_000);
    }
    for (const n of honest(nodes, v, mallory)) {
      expect(n.view().has(vId.addr)).toBe(false);
      expect(n.swim.statementStats.unsigned + n.swim.statementStats.rejected).toBeGreaterThan(0);
    }
  });

  it('a forged leave of V is not applied (nor taken as an accusation)', () => {
    const { net, nodes } = cluster();
    const [v, mallory] = [nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    for (const n of honest(nodes, v, mallory)) {
      send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId, 'down'))]);
      send(net, mallory, n, [member(vId, 'down')]);
    }
    net.runFor(10_000);
    expect(downsAbout(nodes, vId.addr)).toBe(0);
    expect(v.swim.identity.bump).toBe(0);
    expect(rejected(honest(nodes, v, mallory))).toBe(4);
    for (const n of honest(nodes, v)) expect(n.swim.member(vId.addr)?.state).toBe('alive');
  });

  it('a forged generation change (V renamed) is refused: everyone keeps V as it is', () => {
    const { net, nodes } = cluster();
    const [v, mallory] = [nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    for (const n of honest(nodes, v, mallory)) {
      send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId.withBump(7), 'alive'))]);
    }
    net.runFor(10_000);
    for (const n of honest(nodes, v)) {
      expect(n.swim.member(vId.addr)?.id.bump).toBe(0);
      expect(n.notifications.some((e) => e.n.type === 'rename')).toBe(false);
    }
  });

  it('a huge incarnation signed by a liar about someone else is rejected', () => {
    const { net, nodes } = cluster();
    const [v, mallory] = [nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    for (const n of honest(nodes, mallory)) {
      send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId, 'alive', 65_000))]);
      // As an accuser, at an incarnation V never had: V would refute past the u16's end.
      send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId, 'suspect', 65_000), true)]);
    }
    net.runFor(20_000);
    expect(v.swim.identity.bump).toBe(0);
    expect(v.swim.incarnation).toBeLessThan(10);
    for (const n of honest(nodes, v, mallory)) {
      expect(n.swim.member(vId.addr)?.incarnation).toBeLessThan(10);
      expect(n.swim.member(vId.addr)?.state).toBe('alive');
    }
    // V's own copy of the Alive is about itself: it changes nothing, so nobody checks it.
    expect(rejected(honest(nodes, mallory))).toBe(2 * (N - 1) - 1);
  });

  it('a signed statement made for another room is rejected', () => {
    const { net, nodes } = cluster();
    const [a, v, mallory] = [nodes[0]!, nodes[1]!, nodes[5]!];
    v.crashed = true;
    const vId = v.swim.identity;
    // V's real key, but its signature was made in another room (captured there, replayed here).
    const elsewhere = signedBy(vId, member(vId, 'alive', 5), false, 'other-room');
    for (let t = 0; t < 20; t++) {
      for (const n of honest(nodes, v, mallory)) send(net, mallory, n, [elsewhere]);
      net.runFor(1_000);
    }
    for (const n of honest(nodes, v, mallory)) expect(n.view().has(vId.addr)).toBe(false);
    expect(a.swim.statementStats.rejected).toBeGreaterThan(0);
  });

  it('a replayed old signed statement does not undo a newer one', () => {
    const { net, nodes } = cluster();
    const [a, v, mallory] = [nodes[0]!, nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    // Captured earlier: V alive at incarnation 0, and V's leave of this life.
    const oldAlive = signedBy(vId, member(vId, 'alive', 0));
    const oldLeave = signedBy(vId, member(vId, 'down'));
    // V leaves for real and comes back as its next life.
    v.swim.leaveCluster(v);
    net.runFor(500);
    const next = vId.withBump(1).asRejoinable();
    v.swim.changeIdentity(next, v);
    v.swim.announce(a.swim.identity, v);
    net.runFor(5_000);
    for (const n of honest(nodes, v)) expect(n.swim.member(vId.addr)?.id.bump).toBe(1);
    // The old life's Alive and leave, replayed: the newer life stays.
    for (const n of honest(nodes, v, mallory)) send(net, mallory, n, [oldAlive, oldLeave]);
    net.runFor(10_000);
    for (const n of honest(nodes, v, mallory)) {
      const held = n.swim.member(vId.addr);
      expect(held?.id.bump).toBe(1);
      expect(held?.state).toBe('alive');
    }
  });
});

describe('attack: accusations', () => {
  it('an unsigned Suspect, and one signed by a member nobody holds, change nothing', () => {
    const { net, nodes } = cluster();
    const [v, mallory] = [nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    const stranger = id(99);
    const before = nodes.map((n) => ({ ...n.swim.statementStats }));
    for (const n of honest(nodes, mallory)) {
      send(net, mallory, n, [member(vId, 'suspect', 0)]);
      send(net, mallory, n, [signedBy(stranger, member(vId, 'suspect', 0), true)]);
      send(net, mallory, n, [signedBy(stranger, member(vId, 'down', 0), true)]);
    }
    net.runFor(10_000);
    expect(v.swim.incarnation).toBe(0);
    for (const n of honest(nodes, v, mallory)) {
      expect(n.swim.member(vId.addr)).toMatchObject({ state: 'alive', incarnation: 0 });
      const was = before[nodes.indexOf(n)]!;
      expect(n.swim.statementStats.unsigned - was.unsigned).toBe(1);
      expect(n.swim.statementStats.notWatcher - was.notWatcher).toBe(2);
    }
  });

  it("in overlay mode, an accusation counts only from the accused's observers", () => {
    const { net, nodes } = cluster();
    const [a, v, mallory] = [nodes[0]!, nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    // A's topology: everyone reachable, but only member 3 observes V.
    const topology: Topology = {
      canReach: () => true,
      probeTargets: () => [],
      indirectVia: () => [],
      watches: (watcher, subject) => subject === vId.addr && watcher === nodes[2]!.swim.identity.addr,
    };
    a.swim.setTopology(topology);
    send(net, mallory, a, [signedBy(mallory.swim.identity, member(vId, 'down', 0), true)]);
    net.runFor(100);
    expect(a.swim.member(vId.addr)?.state).toBe('alive');
    expect(a.swim.statementStats.notWatcher).toBe(1);
    const observer = nodes[2]!;
    send(net, observer, a, [signedBy(observer.swim.identity, member(vId, 'down', 0), true)]);
    net.runFor(100);
    // Overlay mode applies an observer's Down, as foca applies any Down (V then hears of it and rejoins).
    expect(downsAbout([a], vId.addr)).toBe(1);
  });

  it('a signed accusation from a member that watches V still cannot make V Down while V answers', () => {
    const { net, nodes } = cluster({ lifeguard: true });
    const [v, mallory] = [nodes[1]!, nodes[5]!];
    const vId = v.swim.identity;
    for (let t = 0; t < 10; t++) {
      const inc = mallory.swim.member(vId.addr)?.incarnation ?? 0;
      for (const n of honest(nodes, mallory)) {
        send(net, mallory, n, [signedBy(mallory.swim.identity, member(vId, 'down', inc), true)]);
      }
      net.runFor(2_000);
    }
    expect(downsAbout(honest(nodes, mallory), vId.addr)).toBe(0);
    for (const n of honest(nodes, v, mallory)) expect(n.view().has(vId.addr)).toBe(true);
  });
});
