import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { feedKey } from './feed-page';
import { decode, encode, header, makeNode, member, takeOneTo, takeTo } from './test-support/harness';
import { MiniNet } from './test-support/mini-net';
import { id } from './test-support/test-id';

const ME = id(1);

describe('the paged Feed', () => {
  it('a joiner asks for the next page while pages teach it something, then to the last page', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(50)), member(id(51))], false, rt);
    rt.clear();
    // The first page teaches us 3: ask for the next one.
    swim.handleData(encode(header(id(2), ME, { type: 'feed', next: 5 }), [member(id(3))]), rt);
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'feed-request', cursor: 5 });
    // A page of members we know doesn't end the walk we started.
    swim.handleData(encode(header(id(2), ME, { type: 'feed', next: 9 }), [member(id(50))]), rt);
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'feed-request', cursor: 9 });
    // The last page says next = 0.
    swim.handleData(encode(header(id(2), ME, { type: 'feed', next: 0 }), [member(id(4))]), rt);
    expect(takeTo(rt, id(2))).toEqual([]);
    // A Feed from someone else with nothing new (a periodic announce) costs nothing more.
    swim.handleData(encode(header(id(3), ME, { type: 'feed', next: 1 }), [member(id(51))]), rt);
    expect(takeTo(rt, id(3))).toEqual([]);
  });

  it('a feed-request is answered with the members from the cursor on, in key order, and where to go next', () => {
    const config = { ...simple(), maxPacketSize: 200 };
    const { swim, rt } = makeNode(ME, { config });
    const ids = Array.from({ length: 40 }, (_, i) => id(100 + i));
    swim.applyMany(
      ids.map((i) => member(i)),
      false,
      rt,
    );
    rt.clear();
    const pages: number[][] = [];
    let cursor = 1;
    while (cursor !== 0 && pages.length < 20) {
      swim.handleData(encode(header(id(2), ME, { type: 'feed-request', cursor })), rt);
      const feed = takeOneTo(rt, id(2));
      if (feed.header.message.type !== 'feed') throw new Error('expected a feed');
      const keys = feed.members.map((m) => feedKey(m.id.addr));
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      expect(keys.every((k) => k >= cursor)).toBe(true);
      pages.push(keys);
      const next = feed.header.message.next;
      if (next !== 0) expect(next).toBeGreaterThan(cursor);
      cursor = next;
    }
    expect(cursor).toBe(0);
    const seen = new Set(pages.flat());
    expect(seen.size).toBe(new Set(ids.map((i) => feedKey(i.addr))).size);
    expect(pages.flat().length).toBe(40);
  });

  it('pages never include the member asking', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    rt.clear();
    swim.handleData(encode(header(id(2), ME, { type: 'feed-request', cursor: 1 })), rt);
    const feed = takeOneTo(rt, id(2));
    expect(feed.members.map((m) => m.id.addr)).toEqual(['m3']);
    expect(feed.header.message).toEqual({ type: 'feed', next: 0 });
  });

  it('while members join and leave between pages, a joiner still gets every member that stayed', () => {
    const net = new MiniNet();
    const seed = net.add(id(1));
    const initial = Array.from({ length: 300 }, (_, i) => id(1000 + i));
    seed.swim.applyMany(
      initial.map((i) => member(i)),
      false,
      seed,
    );
    const joiner = net.add(id(2));
    let feeds = 0;
    net.drop = (from, _to, bytes) => {
      if (from === seed && decode(bytes).header.message.type === 'feed') feeds++;
      return false;
    };
    joiner.swim.announce(id(1), joiner);
    const gone = new Set<string>();
    let next = 5000;
    for (let t = 0; t < 60; t++) {
      net.runFor(1);
      // Churn at the seed between pages: 3 join, 2 leave.
      seed.swim.applyMany([member(id(next++)), member(id(next++)), member(id(next++))], false, seed);
      const leaving = [initial[(t * 7) % 300]!, initial[(t * 11 + 3) % 300]!];
      for (const l of leaving) gone.add(l.addr);
      seed.swim.applyMany(
        leaving.map((l) => member(l, 'down')),
        false,
        seed,
      );
    }
    const view = joiner.view();
    const stayed = initial.filter((i) => !gone.has(i.addr));
    expect(stayed.filter((i) => !view.has(i.addr))).toEqual([]);
    // About 300 / 55 pages, plus the first sampled page: churn doesn't make pages repeat.
    expect(feeds).toBeLessThanOrEqual(Math.ceil(480 / 55) + 2);
  });

  it('at N=1,000 a joiner learns everyone within a second of virtual time', () => {
    const net = new MiniNet();
    const seed = net.add(id(1));
    seed.swim.applyMany(
      Array.from({ length: 999 }, (_, i) => member(id(2000 + i))),
      false,
      seed,
    );
    const joiner = net.add(id(2));
    joiner.swim.announce(id(1), joiner);
    net.runFor(1000);
    expect(joiner.swim.numMembers).toBe(1000);
  });

  it('(Shoal) a joiner does not pass on the members its Feed lists; a connected member does', () => {
    const joiner = makeNode(ME);
    const feed = encode(header(id(2), ME, { type: 'feed', next: 0 }), [member(id(3)), member(id(4))]);
    joiner.swim.handleData(feed, joiner.rt);
    expect(joiner.swim.numMembers).toBe(3);
    // Only the sender, learned from the header, is news to pass on.
    expect(joiner.swim.updatesBacklog).toBe(1);

    const connected = makeNode(ME);
    connected.swim.applyMany([member(id(2))], false, connected.rt);
    connected.swim.handleData(feed, connected.rt);
    expect(connected.swim.updatesBacklog).toBe(2);
  });
});
