/**
 * Issue 11, link setup: a hostile member M of the room, in memory, puts crafted signal frames on its
 * own links (`InMemoryNetwork.inject`, what modified code can send) or through the server, and each
 * test asserts what the honest members see. Measured on main before signed signals: one relayed
 * frame with `from` = V dropped the A–V link, and repeated every 100 ms it caused 120 failed attempts
 * in 12 s; 20 frames to an addr nobody holds, ttl 8, made 477 forwarded copies. Virtual time: no
 * waits, nothing random (fixed keys and seeds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type MemberKey, memberKeyFromSecret } from '../../shared/signaling/member-key';
import { seededRng } from '../../shared/swim/index';
import { ManualClock } from '../runtime/test-support/manual-clock';
import { decodeFrame, encodeFrame } from './frame';
import { createInMemoryNetwork, type InMemoryNetwork } from './in-memory-network';
import { MAX_RELAY_TTL, RELAY_RATE_LIMIT } from './limits';
import type { PeerAddr } from './mesh';
import type { MeshNode } from './mesh-node';
import { SignalAuth } from './signal-auth';
import { decodeRelayedSignal, encodeRelayedSignal, type RelayedSignal } from './signal-frame';
import type { SignalMessage } from './signal-message';
import { fakeSwimSrcAddr } from './test-support/helpers';

const ROOM = 'attack-room';

/** Fixed keys, sorted by addr, so a test picks which side of a pair initiates (the smaller addr). */
function sortedKeys(count: number): MemberKey[] {
  const keys: MemberKey[] = [];
  for (let i = 1; i <= count; i++) keys.push(memberKeyFromSecret(new Uint8Array(32).fill(i)));
  return keys.sort((a, b) => (a.addr < b.addr ? -1 : 1));
}

const meshes: MeshNode[] = [];
afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.close();
});

function world() {
  const clock = new ManualClock();
  const network = createInMemoryNetwork({ clock, delayMs: 1 });
  let seed = 1;
  const member = (key: MemberKey, options: { room?: string; signed?: boolean } = {}): MeshNode => {
    const mesh = network.createMesh({
      self: key.addr,
      swimSrcAddr: fakeSwimSrcAddr,
      rng: seededRng(seed++),
      clock,
      ...(options.signed === false ? {} : { identity: { key, room: options.room ?? ROOM } }),
    });
    meshes.push(mesh);
    return mesh;
  };
  const link = (pairs: Array<[MeshNode, MeshNode]>) => {
    for (const [a, b] of pairs) a.connect(b.self);
    clock.advance(10_000); // past the mesh tries (3 × 1.5 s) when no relay can reach the peer
    for (const [a, b] of pairs) expect(a.isOpen(b.self) && b.isOpen(a.self)).toBe(true);
  };
  const fullMesh = (members: MeshNode[]) =>
    link(members.flatMap((a, i) => members.slice(i + 1).map((b): [MeshNode, MeshNode] => [a, b])));
  return { clock, network, member, link, fullMesh };
}

function signalFrame(signal: RelayedSignal): Uint8Array {
  return encodeFrame('signal', encodeRelayedSignal(signal));
}

/** Records the relayed signals `relay` passes to `to` (what a hostile relay keeps to replay later). */
function record(network: InMemoryNetwork, relay: PeerAddr, to: PeerAddr): RelayedSignal[] {
  const seen: RelayedSignal[] = [];
  network.tap((from, at, bytes) => {
    const frame = decodeFrame(bytes);
    if (from !== relay || at !== to || frame?.kind !== 'signal') return;
    const signal = decodeRelayedSignal(frame.payload);
    if (signal !== undefined) seen.push(signal);
  });
  return seen;
}

function closesOf(...members: MeshNode[]): string[] {
  const closes: string[] = [];
  for (const m of members)
    m.on('peer-close', (addr) => closes.push(`${m.self.slice(0, 4)}-x-${addr.slice(0, 4)}`));
  return closes;
}

describe('a hostile member sends relayed signal frames with from = V', () => {
  /**
   * V sits between two honest members: A_low initiates to V (so V's `connect` request from a "new
   * page" would re-link), A_high answers V (so a newer offer from V would replace the link).
   */
  function setup(signed: boolean) {
    const w = world();
    const [k0, k1, k2, k3] = sortedKeys(4) as [MemberKey, MemberKey, MemberKey, MemberKey];
    const aLow = w.member(k0, { signed });
    const v = w.member(k1, { signed });
    const m = w.member(k2, { signed });
    const aHigh = w.member(k3, { signed });
    w.fullMesh([aLow, v, m, aHigh]);
    const mAuth = new SignalAuth(m.self, { key: k2, room: ROOM });
    /** The i-th forged frame to `to`: a request or offer "from V's new page", unsigned or signed by M. */
    const forged = (i: number, to: PeerAddr): Uint8Array => {
      const sessionId = `ffffffff-${9_000_000_000_000 + i}`;
      const messages: SignalMessage[] = [
        { type: 'connect' },
        { type: 'offer', signal: { type: 'offer', sdp: 'memory:9999' } },
        mAuth.sign(to, sessionId, { type: 'connect' }),
        mAuth.sign(to, sessionId, { type: 'offer', signal: { type: 'offer', sdp: 'memory:9999' } }),
      ];
      const data = messages[i % messages.length]!;
      return signalFrame({ sessionId, seq: i, from: v.self, to, ttl: 0, data });
    };
    return { ...w, aLow, v, m, aHigh, forged };
  }

  it("one every 100 ms for 12 s: A's links to V stay up, no attempt fails, no link is made, all 120 are refused", () => {
    const { clock, network, aLow, v, m, aHigh, forged } = setup(true);
    const closes = closesOf(aLow, v, aHigh);
    const created = [aLow, aHigh, v].map((x) => x.stats().linksCreated);
    for (let i = 0; i < 120; i++) {
      expect(network.inject(m.self, aLow.self, forged(i, aLow.self))).toBe(true);
      expect(network.inject(m.self, aHigh.self, forged(i, aHigh.self))).toBe(true);
      clock.advance(100);
      expect(aLow.isOpen(v.self) && aHigh.isOpen(v.self) && v.stats().open === 3).toBe(true);
    }
    expect(closes).toEqual([]);
    for (const a of [aLow, aHigh]) {
      expect(a.stats()).toMatchObject({ failedAttempts: 0, signalsRejected: 120, relayRateDropped: 0 });
    }
    expect([aLow, aHigh, v].map((x) => x.stats().linksCreated)).toEqual(created);
    expect(v.stats().failedAttempts).toBe(0);
  });

  it('without signatures (a mesh given no identity, as on main) the first such frame drops a link', () => {
    const { clock, network, aLow, m, aHigh, forged } = setup(false);
    const closes = closesOf(aLow, aHigh);
    network.inject(m.self, aLow.self, forged(0, aLow.self)); // a `connect` "from V's new page"
    network.inject(m.self, aHigh.self, forged(1, aHigh.self)); // a newer offer "from V"
    const created = aLow.stats().linksCreated + aHigh.stats().linksCreated;
    clock.advance(100);
    expect(closes.length).toBe(2); // both links to V dropped (and re-made: new connection objects)
    expect(aLow.stats().linksCreated + aHigh.stats().linksCreated).toBe(created + 2);
  });

  it('an `unreachable` note that names V but comes from M changes nothing', () => {
    const { clock, network, aLow, v, m } = setup(true);
    const dropped = aLow.stats().relayDropped;
    const frame = signalFrame({
      sessionId: 'ffffffff-1',
      seq: 1,
      from: v.self,
      to: aLow.self,
      ttl: 0,
      data: { type: 'unreachable' },
    });
    network.inject(m.self, aLow.self, frame);
    clock.advance(100);
    expect(aLow.stats().relayDropped).toBe(dropped + 1);
    expect(aLow.isOpen(v.self)).toBe(true);
  });
});

describe('a hostile relay replays signed signals it carried', () => {
  /** V and A linked only through M (the server is down), so every signal between them passes M. */
  function throughRelay(vKey: MemberKey, aKey: MemberKey, mKey: MemberKey) {
    const w = world();
    const v = w.member(vKey);
    const a = w.member(aKey);
    const m = w.member(mKey);
    w.link([
      [v, m],
      [a, m],
    ]);
    w.network.hub.setOnline(false);
    const carried = record(w.network, m.self, a.self);
    v.connect(a.self);
    a.connect(v.self);
    w.clock.advance(2_000);
    expect(a.isOpen(v.self) && v.isOpen(a.self)).toBe(true);
    expect(a.stats().signaledViaMesh).toBe(1);
    const replay = (signal: RelayedSignal, seq: number) =>
      w.network.inject(m.self, a.self, signalFrame({ ...signal, seq }));
    return { ...w, v, a, m, carried, replay };
  }

  it("V's old offer, replayed after V and A reloaded and re-linked, leaves the new link alone", () => {
    const [k0, k1, k2] = sortedKeys(3) as [MemberKey, MemberKey, MemberKey];
    const { clock, network, member, link, a, v, m, carried, replay } = throughRelay(k0, k2, k1); // V < A
    const oldOffer = carried.find((s) => s.from === v.self && s.data.type === 'offer')!;
    expect(oldOffer.data).toMatchObject({ publicKey: expect.any(String), signature: expect.any(String) });

    // Replayed while its own link is up: a resend of a session already answered.
    const created = a.stats().linksCreated;
    replay(oldOffer, 1_000);
    clock.advance(500);
    expect(a.isOpen(v.self)).toBe(true);
    expect(a.stats().linksCreated).toBe(created);

    // Both reload (same keys, new pages: A no longer remembers the offers it answered) and re-link.
    v.close();
    a.close();
    clock.advance(60_000);
    network.hub.setOnline(true);
    const v2 = member(k0);
    const a2 = member(k2);
    link([
      [v2, m],
      [a2, m],
      [v2, a2],
    ]);
    const closes = closesOf(a2, v2);
    const before = a2.stats();

    // M replays the old page's offer: older than the link's, so nothing happens.
    for (let i = 0; i < 10; i++)
      network.inject(m.self, a2.self, signalFrame({ ...oldOffer, seq: 2_000 + i }));
    clock.advance(15_000);
    expect(closes).toEqual([]);
    expect(a2.isOpen(v2.self)).toBe(true);
    expect(a2.stats()).toMatchObject({
      linksCreated: before.linksCreated,
      failedAttempts: before.failedAttempts,
      signalsRejected: 0,
    });
  });

  it("V's old connect request, replayed after V reloaded and re-linked, leaves the new link alone", () => {
    const [k0, k1, k2] = sortedKeys(3) as [MemberKey, MemberKey, MemberKey];
    const { clock, network, member, a, v, m, carried, replay } = throughRelay(k2, k0, k1); // V > A: V asks
    const oldRequest = carried.find((s) => s.from === v.self && s.data.type === 'connect')!;
    expect(oldRequest.data).toMatchObject({ signature: expect.any(String) });

    v.close();
    clock.advance(60_000);
    const v2 = member(k2);
    network.hub.setOnline(true);
    v2.connect(m.self);
    clock.advance(2_000);
    v2.connect(a.self);
    clock.advance(2_000);
    expect(a.isOpen(v2.self) && v2.isOpen(a.self)).toBe(true);
    const closes = closesOf(a, v2);
    const created = a.stats().linksCreated;

    for (let i = 0; i < 10; i++) replay(oldRequest, 2_000 + i);
    clock.advance(15_000);
    expect(closes).toEqual([]);
    expect(a.isOpen(v2.self)).toBe(true);
    expect(a.stats().linksCreated).toBe(created);
  });

  it("V's offer to A, re-addressed by M to B, is refused by B: the signature names A", () => {
    const [k0, k1, k2, k3] = sortedKeys(4) as [MemberKey, MemberKey, MemberKey, MemberKey];
    const { clock, network, member, link, a, v, m, carried } = throughRelay(k0, k2, k1);
    const b = member(k3);
    network.hub.setOnline(true);
    link([[m, b]]);
    const offer = carried.find((s) => s.from === v.self && s.data.type === 'offer')!;
    network.inject(m.self, b.self, signalFrame({ ...offer, to: b.self, seq: 5_000 }));
    clock.advance(15_000);
    expect(b.stats()).toMatchObject({ signalsRejected: 1, linksCreated: 1 }); // its link to M only
    expect(b.links().has(v.self)).toBe(false);
    expect(a.isOpen(v.self)).toBe(true);
  });
});

describe('an offer signed for another room', () => {
  it('is refused by A through the server and through a relay: no link, nothing held for M', () => {
    const { clock, network, member, link } = world();
    const [k0, k1, k2] = sortedKeys(3) as [MemberKey, MemberKey, MemberKey];
    const m = member(k0); // M < A: M may offer to A
    const a = member(k2);
    const r = member(k1);
    link([
      [a, r],
      [m, r],
    ]);
    // M signs an offer with its own key, for its own addr and A's, but for another room.
    const elsewhere = new SignalAuth(m.self, { key: k0, room: 'elsewhere' });
    const offer = (sessionId: string) =>
      elsewhere.sign(a.self, sessionId, { type: 'offer', signal: { type: 'offer', sdp: 'memory:1' } });
    void network.hub.client(m.self).send(a.self, '0000000a-1', offer('0000000a-1'));
    clock.advance(1_000);
    expect(a.stats().signalsRejected).toBe(1);

    const sessionId = '0000000a-2';
    const frame = signalFrame({
      sessionId,
      seq: 1,
      from: m.self,
      to: a.self,
      ttl: 2,
      data: offer(sessionId),
    });
    network.inject(m.self, r.self, frame);
    clock.advance(15_000);
    expect(r.stats().relayed).toBe(1); // a relay does not verify: it forwards within its bounds
    expect(a.stats().signalsRejected).toBe(2);
    expect(a.stats()).toMatchObject({ linksCreated: 1, failedAttempts: 0 }); // its link to R only
    expect(a.links().has(m.self)).toBe(false);
  });
});

describe('relayed frames to an addr nobody holds', () => {
  const NOBODY = 'f'.repeat(32);

  function room(size: number) {
    const w = world();
    const keys = sortedKeys(size);
    const members = keys.map((key) => w.member(key));
    w.fullMesh(members);
    const [m, ...honest] = members as [MeshNode, ...MeshNode[]];
    const sum = (key: 'relayed' | 'malformedDropped' | 'relayRateDropped') =>
      honest.reduce((total, x) => total + x.stats()[key], 0);
    const frame = (i: number, ttl: number) =>
      signalFrame({
        sessionId: `0000000b-${i}`,
        seq: i,
        from: m.self,
        to: NOBODY,
        ttl,
        data: { type: 'connect' },
      });
    return { ...w, m, honest, sum, frame };
  }

  it('20 frames with ttl 8 are refused unread; 20 with the most ttl make at most ttl copies each', () => {
    const { clock, network, m, honest, sum, frame } = room(8);
    for (let i = 0; i < 20; i++) network.inject(m.self, honest[i % honest.length]!.self, frame(i, 8));
    clock.advance(1_000);
    expect(sum('malformedDropped')).toBe(20);
    expect(sum('relayed')).toBe(0);

    for (let i = 20; i < 40; i++)
      network.inject(m.self, honest[i % honest.length]!.self, frame(i, MAX_RELAY_TTL));
    clock.advance(1_000);
    const copies = sum('relayed');
    // A relay forwards a frame on one link at most, each hop spends one ttl: ≤ 3 copies a frame (main: ×25).
    expect(copies).toBeGreaterThan(0);
    expect(copies).toBeLessThanOrEqual(20 * MAX_RELAY_TTL);
    expect(honest.every((x) => x.stats().open === 7)).toBe(true);
  });

  it('a burst on one link past its rate is dropped unread, and counted', () => {
    const { clock, network, m, honest, frame } = room(4);
    const a = honest[0]!;
    for (let i = 0; i < 200; i++) network.inject(m.self, a.self, frame(i, 1));
    clock.advance(1); // all 200 arrive within a millisecond
    expect(a.stats().relayRateDropped).toBe(200 - RELAY_RATE_LIMIT.burst);
    expect(a.stats().relayed).toBeLessThanOrEqual(RELAY_RATE_LIMIT.burst);
    // The rate refills: a frame a second later is relayed again.
    clock.advance(1_000);
    network.inject(m.self, a.self, frame(1_000, 1));
    clock.advance(10);
    expect(a.stats().relayRateDropped).toBe(200 - RELAY_RATE_LIMIT.burst);
  });
});
