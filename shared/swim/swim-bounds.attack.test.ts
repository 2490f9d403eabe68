import { describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS } from './bounds';
import type { BroadcastHandler, Invalidates } from './broadcast';
import { lan } from './config';
import { encode, events, header, makeNode, member } from './test-support/harness';
import { MiniNet, type NetNode } from './test-support/mini-net';
import { id, type TestId } from './test-support/test-id';

/*
 * Issue 11's table, rows a hostile member plays against the core alone. Each test asserts what the
 * honest members see; the attacker is a member like any other (its packets carry its own src).
 */

function cluster(n: number, downIsAccusation: boolean): { net: MiniNet; nodes: NetNode[] } {
  const net = new MiniNet();
  const config = lan(n);
  const nodes: NetNode[] = [];
  for (let i = 1; i <= n; i++) nodes.push(net.add(id(i).asRejoinable(), config, i, { downIsAccusation }));
  for (const node of nodes.slice(1)) {
    node.swim.announce(id(1), node);
    net.runFor(50);
  }
  net.runFor(5_000);
  return { net, nodes };
}

/** Member-down notifications about `who`, at every node but `who` itself. */
function downsAbout(nodes: NetNode[], who: TestId): number {
  let count = 0;
  for (const n of nodes) {
    if (n.swim.identity.addr === who.addr) continue;
    for (const e of n.notifications) if (e.n.type === 'member-down' && e.n.id.addr === who.addr) count++;
  }
  return count;
}

describe('attack: one forged gossip {V, down}', () => {
  const V = id(2);

  function forge(downIsAccusation: boolean) {
    const { net, nodes } = cluster(6, downIsAccusation);
    const mallory = nodes[5]!;
    const target = nodes[0]!;
    const v = nodes[1]!;
    // Mallory tells the first member, in a packet of its own, that V is Down.
    const bytes = encode(
      header(mallory.swim.identity, target.swim.identity, { type: 'gossip' }, mallory.swim.incarnation),
      [member(V.asRejoinable(), 'down')],
    );
    net.transmit(mallory, target.swim.identity, bytes);
    net.runFor(30_000);
    return { nodes, v };
  }

  it('makes nobody drop V; V renames once (it hears of the Down) and everyone keeps it', () => {
    const { nodes, v } = forge(true);
    expect(downsAbout(nodes, V)).toBe(0);
    expect(v.swim.identity.bump).toBe(1);
    for (const n of nodes) {
      if (n === v) continue;
      const held = n.swim.member(V.addr);
      expect(held?.state).toBe('alive');
      expect(held?.id.equals(v.swim.identity)).toBe(true);
    }
  });

  it("against foca's rule (the flag off), the same packet drops V everywhere before it rejoins", () => {
    const { nodes } = forge(false);
    expect(downsAbout(nodes, V)).toBeGreaterThan(0);
  });

  it('naming a generation V never had: nobody drops or renames V', () => {
    const { net, nodes } = cluster(6, true);
    const [target, v, , , , mallory] = nodes as [NetNode, NetNode, NetNode, NetNode, NetNode, NetNode];
    const bytes = encode(
      header(mallory.swim.identity, target.swim.identity, { type: 'gossip' }, mallory.swim.incarnation),
      [member(V.withBump(255).asRejoinable(), 'down')],
    );
    net.transmit(mallory, target.swim.identity, bytes);
    net.runFor(30_000);
    expect(downsAbout(nodes, V)).toBe(0);
    expect(v.swim.identity.bump).toBe(0);
    for (const n of nodes) if (n !== v) expect(n.swim.member(V.addr)?.id.equals(V)).toBe(true);
  });
});

describe('attack: 100 gossip packets carrying 5,500 random alive members', () => {
  const ME = id(1);
  const MALLORY = id(2);
  const FAKES = 5_500;

  it('the core holds at most maxMembers: the rest are refused and counted, nothing throws', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(MALLORY)], false, rt);
    let joins = 0;
    for (let p = 0; p < 100; p++) {
      const fakes = [];
      for (let k = 0; k < FAKES / 100; k++) fakes.push(member(id(1000 + p * 100 + k)));
      const r = swim.handleData(encode(header(MALLORY, ME, { type: 'gossip' }), fakes), rt);
      expect(r.ok).toBe(true);
      joins += rt.takeNotifications().filter((n) => n.type === 'member-up' && n.id.n >= 1000).length;
    }
    const cap = DEFAULT_BOUNDS.maxMembers;
    expect(swim.membersHeld).toBe(cap);
    expect(joins).toBe(cap - 1);
    expect(swim.boundStats.membersRefused).toBe(FAKES - (cap - 1));
  });

  it('a member that speaks for itself is still admitted at the cap, in place of the newest fake', () => {
    const { swim, rt } = makeNode(ME, { bounds: { maxMembers: 50 } });
    swim.applyMany([member(MALLORY)], false, rt);
    const fakes = [];
    for (let k = 0; k < 100; k++) fakes.push(member(id(1000 + k)));
    swim.handleData(encode(header(MALLORY, ME, { type: 'gossip' }), fakes), rt);
    expect(swim.membersHeld).toBe(50);
    rt.clear();
    const honest = id(7);
    swim.handleData(encode(header(honest, ME, { type: 'ping', probeNumber: 1 })), rt);
    expect(swim.member(honest.addr)?.state).toBe('alive');
    expect(swim.member(id(1000 + 48).addr)).toBeUndefined();
    expect(swim.member(MALLORY.addr)?.state).toBe('alive');
    expect(swim.membersHeld).toBe(50);
    expect(events(rt.takeNotifications())).toEqual(['member-down m1048#0', 'member-up m7#0']);
    expect(swim.boundStats).toMatchObject({ membersRefused: 51, membersEvicted: 1 });
  });

  it('a bad bound is refused with a clear error, and builds nothing', () => {
    expect(() => makeNode(ME, { bounds: { maxMembers: 0 } })).toThrow(
      /bounds.maxMembers must be an integer ≥ 1/,
    );
    expect(() => makeNode(ME, { bounds: { maxCustomBroadcastBytes: 1.5 } })).toThrow(
      /maxCustomBroadcastBytes/,
    );
  });
});

/** A key per member addr (as the room's metadata key), counting every `invalidates` the core asks. */
class MemberKey implements Invalidates {
  static asked = 0;
  readonly scope: string;
  constructor(
    readonly owner: number,
    readonly version: number,
  ) {
    this.scope = String(owner);
  }
  invalidates(other: MemberKey): boolean {
    MemberKey.asked++;
    return other.owner === this.owner && this.version > other.version;
  }
}

/** Takes every item for an owner it has not seen at a higher version (the attack's new addrs all pass). */
class TakeNewest implements BroadcastHandler<TestId, MemberKey> {
  readonly versions = new Map<number, number>();
  receiveItem(item: Uint8Array): MemberKey | undefined {
    const dv = new DataView(item.buffer, item.byteOffset, item.byteLength);
    const key = new MemberKey(dv.getUint32(0), dv.getUint32(4));
    const known = this.versions.get(key.owner);
    if (known !== undefined && known >= key.version) return undefined;
    this.versions.set(key.owner, key.version);
    return key;
  }
}

describe('attack: packets of 42 metadata items for new addrs, repeated', () => {
  const ME = id(1);
  const MALLORY = id(2);

  it('the backlog stays within its caps and each item costs a lookup, not a pass over the store', () => {
    const { swim, rt } = makeNode(ME, {
      broadcastHandler: new TakeNewest() as BroadcastHandler<TestId, Invalidates>,
    });
    swim.applyMany([member(MALLORY)], false, rt);
    const PACKETS = 600;
    const PER_PACKET = 42;
    let owner = 10_000;
    MemberKey.asked = 0;
    for (let p = 0; p < PACKETS; p++) {
      const items: Uint8Array[] = [];
      for (let k = 0; k < PER_PACKET; k++) {
        // 8-byte head (owner, version) and padding to the attack's ~25 bytes an item.
        const item = new Uint8Array(25);
        new DataView(item.buffer).setUint32(0, owner++);
        items.push(item);
      }
      expect(swim.handleData(encode(header(MALLORY, ME, { type: 'gossip' }), [], items), rt).ok).toBe(true);
      rt.clear();
    }
    const total = PACKETS * PER_PACKET;
    expect(swim.customBroadcastBacklog).toBe(DEFAULT_BOUNDS.maxCustomBroadcasts);
    expect(swim.customBroadcastBytes).toBeLessThanOrEqual(DEFAULT_BOUNDS.maxCustomBroadcastBytes);
    expect(swim.boundStats.customBroadcastsDropped).toBeGreaterThanOrEqual(
      total - DEFAULT_BOUNDS.maxCustomBroadcasts,
    );
    // Every item had a scope of its own: no held key was asked whether it is replaced.
    expect(MemberKey.asked).toBe(0);
  });

  it('a newer version of one owner replaces the held one after one scoped lookup', () => {
    const { swim, rt } = makeNode(ME, {
      broadcastHandler: new TakeNewest() as BroadcastHandler<TestId, Invalidates>,
    });
    swim.applyMany([member(MALLORY)], false, rt);
    const item = (owner: number, version: number) => {
      const b = new Uint8Array(12);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, owner);
      dv.setUint32(4, version);
      return b;
    };
    const many: Uint8Array[] = [];
    for (let k = 0; k < 40; k++) many.push(item(100 + k, 1));
    swim.handleData(encode(header(MALLORY, ME, { type: 'gossip' }), [], many), rt);
    MemberKey.asked = 0;
    swim.handleData(encode(header(MALLORY, ME, { type: 'gossip' }), [], [item(100, 2)]), rt);
    expect(MemberKey.asked).toBe(1); // the one held item of that owner (queued and retained)
    expect(swim.customBroadcastBacklog).toBe(40);
  });
});
