import { describe, expect, it } from 'vitest';
import { AccumulatingRuntime } from './accumulating-runtime';
import { type Config, simple } from './config';
import { CustomBroadcasts, RETAINED_BROADCASTS } from './custom-broadcasts';
import { PacketEncoder } from './packet';
import { seededRng } from './seeded-rng';
import { Swim } from './swim';
import { decode, encode, header, member, takeOneTo } from './test-support/harness';
import { id, type TestId, testCodec } from './test-support/test-id';
import { VersionedHandler, VersionedKey } from './test-support/versioned-handler';

interface Node {
  swim: Swim<TestId, VersionedKey>;
  rt: AccumulatingRuntime<TestId>;
  handler: VersionedHandler;
}

/** The versioned handler, reading the key from the first 6 bytes so items can be padded to any size. */
class PaddedHandler extends VersionedHandler {
  override receiveItem(item: Uint8Array, sender: TestId | undefined): VersionedKey | undefined {
    return super.receiveItem(item.subarray(0, 6), sender);
  }
}

function node(identity: TestId, config: Config = simple(), seed = 7): Node {
  const handler = new PaddedHandler();
  const swim = new Swim<TestId, VersionedKey>({
    identity,
    config,
    rng: seededRng(seed),
    codec: testCodec(),
    broadcastHandler: handler,
  });
  return { swim, rt: new AccumulatingRuntime<TestId>(), handler };
}

const item = (key: number, version: number, padding = 0): Uint8Array => {
  const out = new Uint8Array(6 + padding);
  out.set(new VersionedKey(key, version).bytes());
  return out;
};

const itemsOf = (bytes: readonly Uint8Array[]): string[] =>
  bytes.map((b) => {
    const k = VersionedKey.parse(b.subarray(0, 6));
    return `${k.key}@${k.version}`;
  });

/** Gossips until no custom broadcast is left to disseminate, throwing every packet away. */
function exhaust(n: Node): void {
  for (let i = 0; n.swim.customBroadcastBacklog > 0; i++) {
    if (i > 1000) throw new Error('the backlog never emptied');
    n.swim.gossip(n.rt);
    n.rt.clear();
  }
}

/** Delivers what `from` sent to `to`; returns the decoded packets. */
function deliver(from: Node, to: Node) {
  const out = [];
  for (const s of from.rt.takeSends()) {
    if (!s.to.equals(to.swim.identity)) continue;
    out.push(decode(s.bytes));
    expect(to.swim.handleData(s.bytes, to.rt)).toEqual({ ok: true });
  }
  return out;
}

const A = id(1);
const B = id(2);
const C = id(3);

describe('custom broadcast repair', () => {
  it('a member that every send missed gets the item from the next Feed it receives', () => {
    const a = node(A);
    const c = node(C);
    a.swim.applyMany([member(B), member(C)], false, a.rt);
    c.swim.applyMany([member(A), member(B)], false, c.rt);
    a.rt.clear();
    c.rt.clear();
    expect(a.swim.addBroadcast(item(7, 1))).toBe(true);
    // Every packet carrying it is lost: C never hears of it, and A has sent it all it will.
    exhaust(a);
    expect(c.handler.versions.has(7)).toBe(false);

    c.swim.announce(A, c.rt);
    deliver(c, a);
    const [feed] = deliver(a, c);
    expect(feed?.header.message.type).toBe('feed');
    expect(itemsOf(feed!.broadcasts)).toEqual(['7@1']);
    expect(c.handler.versions.get(7)).toBe(1);
    // Newly learned: C disseminates it as any broadcast.
    expect(c.swim.customBroadcastBacklog).toBe(1);

    // A member that already has it takes nothing from the next Feed, and queues nothing.
    exhaust(c);
    c.swim.announce(A, c.rt);
    deliver(c, a);
    expect(itemsOf(deliver(a, c)[0]!.broadcasts)).toEqual(['7@1']);
    expect(c.swim.customBroadcastBacklog).toBe(0);
  });

  it('a newer version replaces the older one in the retained store, and the older is never sent again', () => {
    const a = node(A);
    a.swim.applyMany([member(B)], false, a.rt);
    a.swim.addBroadcast(item(7, 1));
    a.swim.addBroadcast(item(8, 1));
    exhaust(a);
    a.swim.addBroadcast(item(7, 2));
    exhaust(a);
    const seen = new Set<string>();
    for (let k = 0; k < 5; k++) {
      a.swim.handleData(encode(header(B, A, { type: 'announce' })), a.rt);
      for (const b of itemsOf(takeOneTo(a.rt, B).broadcasts)) seen.add(b);
      a.swim.handleData(encode(header(B, A, { type: 'feed-request', cursor: 1 })), a.rt);
      for (const b of itemsOf(takeOneTo(a.rt, B).broadcasts)) seen.add(b);
    }
    expect([...seen].sort()).toEqual(['7@2', '8@1']);
  });

  it('the retained store stays bounded, evicting the oldest added first', () => {
    const a = node(A, { ...simple(), maxPacketSize: 65_535, maxTransmissions: 1 });
    a.swim.applyMany([member(B)], false, a.rt);
    const total = RETAINED_BROADCASTS + 76;
    for (let k = 0; k < total; k++) expect(a.swim.addBroadcast(item(k, 1))).toBe(true);
    exhaust(a);
    a.swim.handleData(encode(header(B, A, { type: 'announce' })), a.rt);
    const feed = takeOneTo(a.rt, B);
    const keys = feed.broadcasts.map((b) => VersionedKey.parse(b).key).sort((x, y) => x - y);
    expect(keys).toHaveLength(RETAINED_BROADCASTS);
    expect(keys[0]).toBe(76);
    expect(keys.at(-1)).toBe(total - 1);

    const small = new CustomBroadcasts<VersionedKey>(3);
    for (let k = 0; k < 5; k++) small.addOrReplace(new VersionedKey(k, 0), item(k, 0), 1);
    expect(small.peekRetained().map((e) => e.key.key)).toEqual([2, 3, 4]);
    // Replacing a key moves it to the newest end without growing the store.
    small.addOrReplace(new VersionedKey(2, 1), item(2, 1), 1);
    expect(small.peekRetained().map((e) => `${e.key.key}@${e.key.version}`)).toEqual(['3@0', '4@0', '2@1']);
  });

  it('a Feed stays within maxPacketSize with items attached; page 0 keeps at most a quarter of it for them', () => {
    const config = { ...simple(), maxPacketSize: 200 };
    const a = node(A, config);
    const twin = node(A, config);
    const others = Array.from({ length: 60 }, (_, i) => member(id(100 + i)));
    for (const n of [a, twin]) n.swim.applyMany(others, false, n.rt);
    for (let k = 0; k < 40; k++) a.swim.addBroadcast(item(k, 1, k % 13));
    exhaust(a);
    a.rt.clear();
    twin.rt.clear();
    for (const cursor of [0, 1, 30_000]) {
      const ask =
        cursor === 0
          ? encode(header(B, A, { type: 'announce' }))
          : encode(header(B, A, { type: 'feed-request', cursor }));
      a.swim.handleData(ask, a.rt);
      twin.swim.handleData(ask, twin.rt);
      const sent = a.rt.takeSends();
      expect(sent).toHaveLength(1);
      expect(sent[0]!.bytes.length).toBeLessThanOrEqual(200);
      const feed = decode(sent[0]!.bytes);
      const plain = takeOneTo(twin.rt, B);
      expect(feed.header.message).toEqual(plain.header.message);
      if (cursor === 0) {
        // A random sample (the two rngs have moved apart): fewer members, by at most 50 B of them.
        expect(feed.broadcasts.length).toBeGreaterThan(0);
        expect(feed.members.length).toBeLessThan(plain.members.length);
        expect((plain.members.length - feed.members.length) * 6).toBeLessThan(50 + 6);
      } else {
        // The pages a joiner walks are members first, as without items.
        expect(feed.members).toEqual(plain.members);
      }
    }

    // With few members, the room left carries items, never past maxPacketSize.
    const few = node(A, config);
    few.swim.applyMany([member(B), member(C)], false, few.rt);
    for (let k = 0; k < 40; k++) few.swim.addBroadcast(item(k, 1, k % 13));
    exhaust(few);
    const seen = new Set<string>();
    for (let round = 0; round < 20; round++) {
      few.swim.handleData(encode(header(B, A, { type: 'announce' })), few.rt);
      const sent = few.rt.takeSends();
      expect(sent[0]!.bytes.length).toBeLessThanOrEqual(200);
      const feed = decode(sent[0]!.bytes);
      expect(feed.members.map((m) => m.id.addr)).toEqual(['m3']);
      expect(feed.broadcasts.length).toBeGreaterThan(0);
      for (const b of itemsOf(feed.broadcasts)) seen.add(b);
    }
    expect(seen.size).toBe(40);
  });

  it('a joiner of a cluster too big for one packet still learns every member and the retained items', () => {
    const config = { ...simple(), maxPacketSize: 200 };
    const a = node(A, config);
    a.swim.applyMany(
      Array.from({ length: 60 }, (_, i) => member(id(100 + i))),
      false,
      a.rt,
    );
    for (let k = 0; k < 5; k++) a.swim.addBroadcast(item(k, 1));
    exhaust(a);
    a.rt.clear();
    const joiner = node(C, config);
    joiner.swim.announce(A, joiner.rt);
    for (let round = 0; round < 50; round++) {
      const moved = deliver(joiner, a).length + deliver(a, joiner).length;
      if (moved === 0) break;
    }
    expect(joiner.swim.numMembers).toBe(61);
    expect([...joiner.handler.versions.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a joiner receives retained items with its Feed, and active items are not sent twice in one packet', () => {
    const a = node(A);
    a.swim.applyMany([member(B)], false, a.rt);
    a.swim.addBroadcast(item(1, 1));
    exhaust(a);
    a.swim.addBroadcast(item(2, 1));
    a.rt.clear();
    const joiner = node(C);
    joiner.swim.announce(A, joiner.rt);
    deliver(joiner, a);
    const [feed] = deliver(a, joiner);
    expect(itemsOf(feed!.broadcasts).sort()).toEqual(['1@1', '2@1']);
    expect(joiner.swim.connectionState).toBe('connected');
    expect([...joiner.handler.versions]).toEqual([
      [2, 1],
      [1, 1],
    ]);
  });

  it('a packet with no room left past its members carries no items and still fits', () => {
    const c = new CustomBroadcasts<VersionedKey>();
    c.addOrReplace(new VersionedKey(1, 0), item(1, 0), 1);
    const enc = new PacketEncoder(testCodec(), 20);
    enc.begin({ src: A, srcIncarnation: 0, dst: B, message: { type: 'feed', next: 0 } });
    expect(enc.tryAddMember(member(C))).toBe(true);
    expect(c.fillRetained(enc, false)).toBe(0);
    expect(enc.finish().length).toBeLessThanOrEqual(20);
  });
});
