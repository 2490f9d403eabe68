import { describe, expect, it } from 'vitest';
import { AccumulatingRuntime } from './accumulating-runtime';
import { type Config, simple } from './config';
import { BroadcastError, InvalidConfigError } from './errors';
import { seededRng } from './seeded-rng';
import { Swim } from './swim';
import {
  decode,
  encode,
  events,
  header,
  makeNode,
  member,
  takeOneTo,
  takeTimers,
  takeTo,
} from './test-support/harness';
import { id, type TestId, testCodec } from './test-support/test-id';
import { VersionedHandler, VersionedKey } from './test-support/versioned-handler';

const ME = id(1);

function withHandler(identity: TestId, handler: VersionedHandler, config: Config = simple()) {
  const swim = new Swim<TestId, VersionedKey>({
    identity,
    config,
    rng: seededRng(7),
    codec: testCodec(),
    broadcastHandler: handler,
  });
  return { swim, rt: new AccumulatingRuntime<TestId>() };
}

describe('piggybacked updates', () => {
  it('are sent maxTransmissions times each, then leave the backlog', () => {
    const { swim, rt } = makeNode(ME, {
      config: { ...simple(), maxTransmissions: 10, numIndirectProbes: 3 },
    });
    swim.applyMany([member(id(2)), member(id(3)), member(id(4)), member(id(5))], false, rt);
    rt.clear();
    const r = swim.handleData(
      encode(header(id(2), ME, { type: 'gossip' }), [
        member(id(3), 'suspect', 3),
        member(id(4), 'suspect', 1),
        member(id(5), 'alive', 2),
      ]),
      rt,
    );
    expect(r).toEqual({ ok: true });
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(swim.numMembers).toBe(4);
    expect(swim.updatesBacklog).toBe(3);
    // Three gossips per round, each carrying all three updates: 10 = 3 + 3 + 3 + 1.
    for (let round = 0; round < 3; round++) {
      rt.clear();
      swim.gossip(rt);
      expect(rt.sends.map((s) => decode(s.bytes).members.length)).toEqual([3, 3, 3]);
      expect(swim.updatesBacklog).toBe(3);
    }
    rt.clear();
    swim.gossip(rt);
    expect(rt.sends.map((s) => decode(s.bytes).members.length)).toEqual([3, 0, 0]);
    expect(swim.updatesBacklog).toBe(0);
  });

  it('(Shoal) news of a member we did not know goes out twice as often', () => {
    const { swim, rt } = makeNode(ME, { config: { ...simple(), maxTransmissions: 2 } });
    swim.applyMany([member(id(2))], false, rt);
    swim.handleData(
      encode(header(id(2), ME, { type: 'gossip' }), [member(id(3)), member(id(2, 1)), member(id(4), 'down')]),
      rt,
    );
    const sent = new Map<string, number>();
    for (let k = 0; k < 10 && swim.updatesBacklog > 0; k++) {
      rt.clear();
      swim.handleData(encode(header(id(3), ME, { type: 'ping', probeNumber: k })), rt);
      for (const m of decode(rt.sends[0]!.bytes).members)
        sent.set(m.id.toString(), (sent.get(m.id.toString()) ?? 0) + 1);
    }
    // A join, a rename, a Down: 4 times each.
    expect(Object.fromEntries(sent)).toEqual({ 'm3#0': 4, 'm2#1': 4, 'm4#0': 4 });
  });

  it('a higher incarnation of an Alive member is passed on too, as a refutation is', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3), 'suspect')], false, rt);
    swim.applyMany([member(id(2), 'alive', 5), member(id(3), 'alive', 1)], true, rt);
    expect(swim.member('m2')?.incarnation).toBe(5);
    expect(swim.updatesBacklog).toBe(2);
  });

  it('are not queued when applied without broadcast', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany(
      [member(ME, 'suspect'), member(id(1, 1)), member(id(2)), member(id(3), 'down')],
      false,
      rt,
    );
    expect(swim.updatesBacklog).toBe(0);
  });

  it('keep one entry per member: a newer update replaces the older', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(2), 'suspect'), member(id(2), 'alive', 1)], true, rt);
    expect(swim.updatesBacklog).toBe(1);
    swim.gossip(rt);
    expect(decode(rt.takeSends()[0]!.bytes).members).toEqual([member(id(2), 'alive', 1)]);
  });

  it('fill a packet up to maxPacketSize, freshest first', () => {
    const config = { ...simple(), maxPacketSize: 120, maxTransmissions: 2 };
    const { swim, rt } = makeNode(ME, { config });
    swim.applyMany(
      Array.from({ length: 30 }, (_, i) => member(id(10 + i))),
      true,
      rt,
    );
    rt.clear();
    const carried = new Map<string, number>();
    for (let k = 0; k < 40 && swim.updatesBacklog > 0; k++) {
      swim.handleData(encode(header(id(10), ME, { type: 'ping', probeNumber: k & 0xff })), rt);
      for (const s of rt.takeSends()) {
        expect(s.bytes.length).toBeLessThanOrEqual(120);
        for (const m of decode(s.bytes).members) carried.set(m.id.addr, (carried.get(m.id.addr) ?? 0) + 1);
      }
    }
    expect(swim.updatesBacklog).toBe(0);
    expect(carried.size).toBe(30);
    // New members: twice maxTransmissions.
    expect([...carried.values()].every((n) => n === 4)).toBe(true);
  });
});

describe('custom broadcasts', () => {
  it('are added through the handler, and a newer version replaces the queued one', () => {
    const handler = new VersionedHandler();
    const { swim } = withHandler(ME, handler);
    expect(() => swim.addBroadcast(new TextEncoder().encode('huehue!'))).toThrow(BroadcastError);
    expect(swim.addBroadcast(new VersionedKey(420, 0).bytes())).toBe(true);
    expect(swim.customBroadcastBacklog).toBe(1);
    expect(swim.addBroadcast(new VersionedKey(420, 1).bytes())).toBe(true);
    expect(swim.customBroadcastBacklog).toBe(1);
    expect(swim.addBroadcast(new VersionedKey(420, 1).bytes())).toBe(false);
    expect(swim.customBroadcastBacklog).toBe(1);
    expect(swim.addBroadcast(new VersionedKey(710, 1).bytes())).toBe(true);
    expect(swim.customBroadcastBacklog).toBe(2);
  });

  it('one that came outside a packet (relayBroadcast) is handled as from its sender and passed on by gossip', () => {
    const handler = new VersionedHandler();
    const { swim, rt } = withHandler(ME, handler);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    expect(swim.relayBroadcast(new VersionedKey(420, 1).bytes(), id(2))).toBe(true);
    expect(handler.received.map((r) => r.sender)).toEqual(['m2#0']);
    expect(swim.relayBroadcast(new VersionedKey(420, 1).bytes(), id(2))).toBe(false); // held already
    expect(swim.customBroadcastBacklog).toBe(1);
    const otherHandler = new VersionedHandler();
    const other = withHandler(id(3), otherHandler);
    rt.clear();
    swim.gossip(rt);
    const toOther = rt.sends.find((s) => s.to.equals(id(3)))!;
    expect(other.swim.handleData(toOther.bytes, other.rt)).toEqual({ ok: true });
    expect(otherHandler.received.map((r) => r.sender)).toEqual(['m1#0']);
    expect(other.swim.customBroadcastBacklog).toBe(1);
  });

  it('ride on gossip to members the handler accepts, and Broadcast messages skip the others', () => {
    const { swim, rt } = withHandler(ME, new VersionedHandler(new Set(['m3'])));
    swim.addBroadcast(new VersionedKey(420, 1).bytes());
    swim.addBroadcast(new VersionedKey(710, 1).bytes());
    const otherHandler = new VersionedHandler();
    const other = withHandler(id(2), otherHandler);
    swim.applyMany([member(id(2))], true, rt);
    swim.gossip(rt);
    expect(other.swim.handleData(rt.takeSends()[0]!.bytes, other.rt)).toEqual({ ok: true });
    expect(other.swim.customBroadcastBacklog).toBe(2);
    expect(otherHandler.received.map((r) => r.sender)).toEqual(['m1#0', 'm1#0']);

    const isolated = withHandler(id(3), new VersionedHandler());
    swim.applyMany([member(id(3))], true, rt);
    rt.clear();
    swim.gossip(rt);
    const forIsolated = rt.sends.find((s) => s.to.equals(id(3)))!;
    expect(isolated.swim.handleData(forIsolated.bytes, isolated.rt)).toEqual({ ok: true });
    expect(isolated.swim.customBroadcastBacklog).toBe(0);
    expect(isolated.swim.numMembers).toBe(2);

    rt.clear();
    swim.broadcast(rt);
    expect(takeTo(rt, id(3))).toEqual([]);
    const b = takeOneTo(rt, id(2));
    expect(b.header.message).toEqual({ type: 'broadcast' });
    expect(b.members).toEqual([]);
    expect(b.broadcasts).toHaveLength(2);
  });

  it('are sent twice as many times as membership updates, since nothing repairs a miss', () => {
    const { swim, rt } = withHandler(ME, new VersionedHandler(), { ...simple(), maxTransmissions: 3 });
    swim.applyMany([member(id(2))], false, rt);
    swim.addBroadcast(new VersionedKey(1, 1).bytes());
    let sent = 0;
    for (let k = 0; k < 10; k++) {
      rt.clear();
      swim.gossip(rt);
      sent += decode(rt.sends[0]!.bytes).broadcasts.length;
    }
    expect(sent).toBe(6);
    expect(swim.customBroadcastBacklog).toBe(0);
  });

  it('a refused item is reported, but the membership updates in the same packet were applied', () => {
    const { swim, rt } = withHandler(ME, new VersionedHandler());
    const bad = encode(header(id(2), ME, { type: 'gossip' }), [member(id(3))], [new Uint8Array([1, 2, 3])]);
    const r = swim.handleData(bad, rt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'custom-broadcast' } });
    expect(swim.numMembers).toBe(2);
  });

  it('without a handler, received broadcasts are an error and addBroadcast throws', () => {
    const { swim, rt } = makeNode(ME);
    expect(() => swim.addBroadcast(new Uint8Array([1]))).toThrow(BroadcastError);
    const r = swim.handleData(encode(header(id(2), ME, { type: 'gossip' }), [], [new Uint8Array([1])]), rt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'custom-broadcast' } });
  });

  it('an item that cannot fit a packet beside a header, or empty, is refused', () => {
    const { swim } = withHandler(ME, new VersionedHandler());
    expect(() => swim.addBroadcast(new Uint8Array(simple().maxPacketSize - 5))).toThrow(BroadcastError);
    expect(() => swim.addBroadcast(new Uint8Array(0))).toThrow(BroadcastError);
    expect(swim.customBroadcastBacklog).toBe(0);
  });

  it('the largest item that fits is sent whole', () => {
    const accept = { receiveItem: () => ({ invalidates: () => false }) };
    const swim = new Swim({
      identity: ME,
      config: simple(),
      rng: seededRng(1),
      codec: testCodec(),
      broadcastHandler: accept,
    });
    const rt = new AccumulatingRuntime<TestId>();
    swim.applyMany([member(id(2))], false, rt);
    // Header: 3 + 2 + 3 + 1 bytes with test ids; then the member count and the item's length.
    const largest = simple().maxPacketSize - 9 - 2 - 2;
    expect(() => swim.addBroadcast(new Uint8Array(largest + 1))).toThrow(BroadcastError);
    expect(swim.addBroadcast(new Uint8Array(largest))).toBe(true);
    swim.broadcast(rt);
    const sent = rt.takeSends()[0]!;
    expect(sent.bytes.length).toBe(simple().maxPacketSize);
    expect(decode(sent.bytes).broadcasts[0]!.length).toBe(largest);
  });
});

describe('lightweight messages', () => {
  it('announce and turn-undead carry the header alone; a ping carries the backlog', () => {
    const { swim, rt } = withHandler(ME, new VersionedHandler(), { ...simple(), notifyDownMembers: true });
    swim.applyMany([member(id(2)), member(id(3))], true, rt);
    swim.addBroadcast(new VersionedKey(1, 1).bytes());
    expect(swim.updatesBacklog).toBeGreaterThan(0);
    rt.clear();
    swim.announce(id(4), rt);
    const announce = rt.takeSends()[0]!.bytes;
    const headerOnly = encode(header(ME, id(4), { type: 'announce' }));
    expect(announce).toEqual(headerOnly);
    // TurnUndead goes to a Down member that talks to us.
    swim.applyMany([member(id(5), 'down')], true, rt);
    rt.clear();
    swim.handleData(encode(header(id(5), ME, { type: 'ping', probeNumber: 0 })), rt);
    expect(rt.takeSends()[0]!.bytes).toEqual(encode(header(ME, id(5), { type: 'turn-undead' })));
    swim.handleData(encode(header(id(2), ME, { type: 'ping', probeNumber: 0 })), rt);
    const ack = decode(rt.takeSends()[0]!.bytes);
    expect(ack.members.length).toBeGreaterThan(0);
    expect(ack.broadcasts).toHaveLength(1);
  });
});

describe('bad input from the network', () => {
  it('too much data is refused before decoding', () => {
    const { swim, rt } = makeNode(ME);
    const r = swim.handleData(new Uint8Array(simple().maxPacketSize + 1), rt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'data-too-big' } });
  });

  it('a trailing byte is malformed and changes nothing', () => {
    const { swim, rt } = makeNode(ME);
    const valid = encode(header(id(2), ME, { type: 'ping', probeNumber: 0 }), [
      member(id(3)),
      member(id(4), 'down'),
    ]);
    const bad = new Uint8Array(valid.length + 1);
    bad.set(valid);
    expect(swim.handleData(bad, rt)).toMatchObject({ ok: false, error: { kind: 'malformed-packet' } });
    expect([...swim.membershipState()]).toEqual([]);
    expect(rt.backlog).toBe(0);
    expect(swim.handleData(valid, rt)).toEqual({ ok: true });
  });

  it('an announce with anything after the header is malformed', () => {
    const { swim, rt } = makeNode(ME);
    const announce = encode(header(id(2), ME, { type: 'announce' }));
    const bad = new Uint8Array(announce.length + 2);
    bad.set(announce);
    expect(swim.handleData(bad, rt)).toMatchObject({ ok: false, error: { kind: 'malformed-packet' } });
    expect(swim.numMembers).toBe(0);
  });

  it('data from ourselves, or from another identity with our addr, is refused', () => {
    const { swim, rt } = makeNode(ME);
    for (const src of [ME, id(1, 9)]) {
      const r = swim.handleData(encode(header(src, ME, { type: 'ping', probeNumber: 0 })), rt);
      expect(r).toMatchObject({ ok: false, error: { kind: 'data-from-ourselves' } });
    }
    expect(rt.backlog).toBe(0);
  });

  it('garbage is a decode error', () => {
    const { swim, rt } = makeNode(ME);
    expect(swim.handleData(new Uint8Array([1, 2, 3]), rt)).toMatchObject({
      ok: false,
      error: { kind: 'decode' },
    });
  });
});

describe('periodic timers', () => {
  const params = { frequencyMs: 500, numMembers: 2 };
  function connected(config: Config) {
    const { swim, rt } = makeNode(ME, { config });
    swim.applyMany(
      [member(id(2)), member(id(3), 'suspect'), member(id(4), 'down'), member(id(5), 'down')],
      true,
      rt,
    );
    expect(swim.numMembers).toBe(2);
    return { swim, rt };
  }

  it('periodic gossip reschedules itself and gossips the backlog to active members', () => {
    const { swim, rt } = connected({ ...simple(), periodicGossip: params });
    const [t] = takeTimers(rt, 'periodic-gossip');
    expect(t?.afterMs).toBe(500);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(takeTimers(rt, 'periodic-gossip')).toEqual([t]);
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'gossip' });
    expect(takeOneTo(rt, id(3)).header.message).toEqual({ type: 'gossip' });
  });

  it('periodic announce first fires at a random point of its period, then every period', () => {
    const { swim, rt } = connected({ ...simple(), periodicAnnounce: params });
    const [t] = takeTimers(rt, 'periodic-announce');
    expect(t!.afterMs).toBeGreaterThan(0);
    expect(t!.afterMs).toBeLessThanOrEqual(500);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(takeTimers(rt, 'periodic-announce')).toEqual([{ timer: t!.timer, afterMs: 500 }]);
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'announce' });
    expect(takeOneTo(rt, id(3)).header.message).toEqual({ type: 'announce' });
  });

  it('periodic announce to down members reaches the Down ones only', () => {
    const { swim, rt } = connected({ ...simple(), periodicAnnounceToDownMembers: params });
    const [t] = takeTimers(rt, 'periodic-announce-down');
    expect(t!.afterMs).toBeLessThanOrEqual(500);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(takeTimers(rt, 'periodic-announce-down')).toEqual([{ timer: t!.timer, afterMs: 500 }]);
    expect(takeOneTo(rt, id(4)).header.message).toEqual({ type: 'announce' });
    expect(takeOneTo(rt, id(5)).header.message).toEqual({ type: 'announce' });
    expect(rt.sends).toHaveLength(0);
  });

  it('periodic timers stop while idle', () => {
    const { swim, rt } = connected({ ...simple(), periodicGossip: params });
    const [t] = takeTimers(rt, 'periodic-gossip');
    swim.applyMany([member(id(2), 'down'), member(id(3), 'down')], true, rt);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(rt.backlog).toBe(0);
  });
});

describe('config changes', () => {
  it('the probe period and round-trip time are fixed', () => {
    const { swim } = makeNode(ME);
    expect(() => swim.setConfig({ ...simple(), probeRttMs: 501 })).toThrow(InvalidConfigError);
    expect(() => swim.setConfig({ ...simple(), probePeriodMs: 500.5 })).toThrow(InvalidConfigError);
    expect(() => swim.setConfig({ ...simple(), maxTransmissions: 3 })).not.toThrow();
    expect(swim.config.maxTransmissions).toBe(3);
  });

  it('a periodic task cannot be switched on at run time, only off', () => {
    const on = { frequencyMs: 5000, numMembers: 1 };
    for (const name of ['periodicAnnounce', 'periodicAnnounceToDownMembers', 'periodicGossip'] as const) {
      const off = makeNode(ME);
      expect(() => off.swim.setConfig({ ...simple(), [name]: on })).toThrow(InvalidConfigError);
      expect(off.swim.config[name]).toBeUndefined();
      const started = makeNode(ME, { config: { ...simple(), [name]: on } });
      expect(() => started.swim.setConfig(simple())).not.toThrow();
    }
  });

  it('an invalid config is refused at construction and at run time', () => {
    expect(() => makeNode(ME, { config: { ...simple(), maxTransmissions: 0 } })).toThrow(InvalidConfigError);
    const { swim } = makeNode(ME);
    expect(() => swim.setConfig({ ...simple(), numIndirectProbes: 0 })).toThrow(InvalidConfigError);
  });

  it('a smaller maxPacketSize drops the custom broadcasts that no longer fit', () => {
    const accept = { receiveItem: () => ({ invalidates: () => false }) };
    const swim = new Swim({
      identity: ME,
      config: simple(),
      rng: seededRng(1),
      codec: testCodec(),
      broadcastHandler: accept,
    });
    swim.addBroadcast(new Uint8Array(500));
    swim.addBroadcast(new Uint8Array(20));
    swim.setConfig({ ...simple(), maxPacketSize: 200 });
    expect(swim.customBroadcastBacklog).toBe(1);
  });

  it('a smaller maxPacketSize applies to the next packet', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany(
      Array.from({ length: 40 }, (_, i) => member(id(10 + i))),
      true,
      rt,
    );
    swim.setConfig({ ...simple(), maxPacketSize: 100 });
    rt.clear();
    swim.gossip(rt);
    for (const s of rt.sends) expect(s.bytes.length).toBeLessThanOrEqual(100);
    const r = swim.handleData(new Uint8Array(101), rt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'data-too-big' } });
  });
});
