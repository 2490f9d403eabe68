import { describe, expect, it } from 'vitest';
import { simple } from './config';
import {
  decode,
  encode,
  events,
  exchange,
  header,
  makeNode,
  member,
  takeOneTo,
  takeTimers,
} from './test-support/harness';
import { MiniNet } from './test-support/mini-net';
import { id } from './test-support/test-id';

describe('joining a cluster', () => {
  it('an announce is answered with a feed, and both sides go active', () => {
    const one = makeNode(id(1));
    const two = makeNode(id(2));
    one.swim.announce(id(2), one.rt);
    expect(one.swim.numMembers).toBe(0);
    const announce = takeOneTo(one.rt, id(2));
    expect(announce.header.message).toEqual({ type: 'announce' });

    expect(two.swim.handleData(encode(announce.header), two.rt)).toEqual({
      ok: true,
    });
    expect(two.swim.numMembers).toBe(1);
    expect(events(two.rt.takeNotifications())).toEqual(['member-up m1#0', 'active']);
    expect(takeTimers(two.rt, 'probe-random-member')).toEqual([
      { timer: { type: 'probe-random-member', token: two.swim.timerToken }, afterMs: simple().probePeriodMs },
    ]);
    const feed = takeOneTo(two.rt, id(1));
    expect(feed.header.message).toEqual({ type: 'feed', next: 0 });

    expect(one.swim.handleData(encode(feed.header, feed.members), one.rt)).toEqual({ ok: true });
    expect(events(one.rt.takeNotifications())).toEqual(['member-up m2#0', 'active']);
    expect(one.swim.numMembers).toBe(1);
    expect(one.swim.connectionState).toBe('connected');
  });

  it('a feed holds only active members, never the one it is sent to', () => {
    const two = makeNode(id(2));
    two.swim.applyMany([member(id(3)), member(id(4), 'suspect'), member(id(5), 'down')], true, two.rt);
    two.rt.clear();
    two.swim.handleData(encode(header(id(1), id(2), { type: 'announce' })), two.rt);
    const feed = takeOneTo(two.rt, id(1));
    expect(feed.header.message).toEqual({ type: 'feed', next: 0 });
    const got = feed.members.map((m) => `${m.id}/${m.state}`).sort();
    expect(got).toEqual(['m3#0/alive', 'm4#0/suspect']);
  });

  it('a feed fits the packet and says there is more', () => {
    const config = { ...simple(), maxPacketSize: 200 };
    const two = makeNode(id(2), { config });
    two.swim.applyMany(
      Array.from({ length: 50 }, (_, i) => member(id(100 + i))),
      false,
      two.rt,
    );
    two.rt.clear();
    two.swim.handleData(encode(header(id(1), id(2), { type: 'announce' })), two.rt);
    const sent = two.rt.takeSends();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.bytes.length).toBeLessThanOrEqual(200);
    const feed = decode(sent[0]!.bytes);
    expect(feed.header.message).toEqual({ type: 'feed', next: 1 });
    expect(feed.members.length).toBeGreaterThan(20);
    expect(feed.members.length).toBeLessThan(50);
  });

  it('an announce for another identity with our addr is accepted; one for another addr is not', () => {
    const target = makeNode(id(1, 7));
    const wrong = target.swim.handleData(encode(header(id(2), id(3), { type: 'announce' })), target.rt);
    expect(wrong).toMatchObject({ ok: false, error: { kind: 'not-for-us' } });
    expect(target.swim.numMembers).toBe(0);
    const sameAddr = target.swim.handleData(
      encode(header(id(2), id(1, 42), { type: 'announce' })),
      target.rt,
    );
    expect(sameAddr).toEqual({ ok: true });
    expect([...target.swim.members()].map((m) => m.id.toString())).toEqual(['m2#0']);
  });

  it('a ping for another identity with our addr is not for us', () => {
    const target = makeNode(id(1, 7));
    const r = target.swim.handleData(
      encode(header(id(2), id(1, 6), { type: 'ping', probeNumber: 1 })),
      target.rt,
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'not-for-us' } });
    expect(target.swim.numMembers).toBe(0);
  });

  it('three members who announce to one end up knowing each other', () => {
    const nodes = [1, 2, 3, 4].map((n) => makeNode(id(n)));
    for (const n of nodes.slice(1)) {
      n.swim.announce(id(1), n.rt);
      exchange(nodes);
    }
    // The last joiner learned everyone from the feed; the others learn it from gossip.
    for (const n of nodes) n.swim.gossip(n.rt);
    exchange(nodes);
    for (const n of nodes) expect(n.swim.numMembers).toBe(3);
  });

  it('a paged feed gives a joiner all 400 members', () => {
    const net = new MiniNet();
    const seed = net.add(id(1));
    seed.swim.applyMany(
      Array.from({ length: 399 }, (_, i) => member(id(1000 + i))),
      false,
      seed,
    );
    const joiner = net.add(id(2));
    joiner.swim.announce(id(1), joiner);
    net.runFor(100);
    expect(joiner.swim.numMembers).toBe(400);
    // Pages walk the membership in key order: few members come twice.
    expect(joiner.sent).toBeLessThan(400 / 40 + 3);
  });

  it('a feed whose members are all known does not pull more pages', () => {
    const net = new MiniNet();
    const config = { ...simple(), maxPacketSize: 300 };
    const a = net.add(id(1), config);
    const b = net.add(id(2), config);
    const all = Array.from({ length: 60 }, (_, i) => member(id(100 + i)));
    a.swim.applyMany(all, false, a);
    b.swim.applyMany(all, false, b);
    b.swim.applyMany([member(id(1))], false, b);
    a.swim.applyMany([member(id(2))], false, a);
    b.sent = 0;
    b.swim.announce(id(1), b);
    net.runFor(10);
    expect(b.sent).toBe(1);
  });
});
