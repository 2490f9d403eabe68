import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { bucketRange, feedKey } from './feed-page';
import type { Member } from './member';
import type { Message } from './payload';
import {
  decode,
  encode,
  events,
  header,
  makeNode,
  member,
  type Rt,
  type TestSwim,
  takeTimers,
  takeTo,
} from './test-support/harness';
import { id, type TestId } from './test-support/test-id';
import { digestBits, ViewDigest } from './view-digest';

const A = id(1);
const B = id(2);

type Sync = Extract<Message<TestId>, { type: 'sync' }>;
type Page = Extract<Message<TestId>, { type: 'sync-page' }>;

/** The `sync` a member whose view is `others` (itself excluded) would send. */
function syncOf(self: TestId, others: readonly TestId[], salt = 0x5a17): Sync {
  const d = new ViewDigest();
  for (const o of others) d.toggle(o.addr, true);
  const bits = digestBits(others.length + 1);
  return { type: 'sync', total: d.total(self.addr), salt, bits, buckets: d.buckets(bits, self.addr, salt) };
}

/** A core that holds `others` Alive, connected, its start-up timers and sends cleared. */
function nodeWith(self: TestId, others: readonly TestId[], antiEntropy = true): { swim: TestSwim; rt: Rt } {
  const n = makeNode(self, { antiEntropy, downIsAccusation: true });
  n.swim.applyMany(
    others.map((o) => member(o)),
    false,
    n.rt,
  );
  n.rt.clear();
  return n;
}

function pagesTo(rt: Rt, to: TestId): Array<{ page: Page; members: Member<TestId>[] }> {
  return takeTo(rt, to).flatMap((p) =>
    p.header.message.type === 'sync-page' ? [{ page: p.header.message, members: p.members }] : [],
  );
}

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => id(from + i));

describe('anti-entropy', () => {
  it('is off on the bare core: no sync timer, and a sync or a page changes nothing and draws no answer', () => {
    const { swim, rt } = makeNode(A);
    swim.applyMany([member(B)], false, rt);
    expect(takeTimers(rt, 'anti-entropy')).toEqual([]);
    rt.clear();
    swim.handleData(encode(header(B, A, syncOf(B, [A, id(9)]))), rt);
    const page: Page = { type: 'sync-page', from: 1, to: 0xffff, last: false };
    swim.handleData(encode(header(B, A, page), [member(id(9)), member(id(3), 'down')]), rt);
    expect(takeTo(rt, B)).toEqual([]);
    expect(swim.member(id(9).addr)).toBeUndefined();
  });

  it('a member that becomes connected syncs within a fast interval, with its digest, to one member, and again', () => {
    const { swim, rt } = makeNode(A, { antiEntropy: { fastIntervalMs: 1000 } });
    swim.applyMany([member(B), member(id(3))], false, rt);
    const [first] = takeTimers(rt, 'anti-entropy');
    expect(first!.afterMs).toBeGreaterThanOrEqual(500);
    expect(first!.afterMs).toBeLessThanOrEqual(1500);
    rt.clear();
    swim.handleTimer(first!.timer, rt);
    const sent = rt.sends.map((s) => decode(s.bytes).header.message);
    expect(sent).toHaveLength(1);
    const salt = (sent[0] as Sync).salt;
    expect(sent).toEqual([syncOf(A, [B, id(3)], salt)]);
    expect(takeTimers(rt, 'anti-entropy')).toHaveLength(1);
    expect(swim.antiEntropyStats.syncsSent).toBe(1);
  });

  it('after its fast syncs a member syncs at the slow interval', () => {
    const { swim, rt } = makeNode(A, {
      antiEntropy: { fastIntervalMs: 1000, fastSyncs: 2, intervalMs: 60_000 },
    });
    swim.applyMany([member(B)], false, rt);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [t] = takeTimers(rt, 'anti-entropy');
      delays.push(t!.afterMs);
      swim.handleTimer(t!.timer, rt);
    }
    expect(delays.slice(0, 2).every((d) => d <= 1500)).toBe(true);
    expect(delays.slice(2).every((d) => d >= 30_000)).toBe(true);
  });

  it('with formingIntervalMs a member syncs on each tick while its view grows, and on the schedule once it stops', () => {
    const { swim, rt } = makeNode(A, {
      antiEntropy: { fastIntervalMs: 1000, fastSyncs: 1, intervalMs: 60_000, formingIntervalMs: 100 },
    });
    swim.applyMany([member(B)], false, rt);
    const syncsAfterTick = (): number => {
      const [t] = takeTimers(rt, 'anti-entropy');
      expect(t!.afterMs).toBeLessThanOrEqual(150);
      rt.clear();
      swim.handleTimer(t!.timer, rt);
      return rt.sends.filter((s) => decode(s.bytes).header.message.type === 'sync').length;
    };
    // The view grew since connecting: the first tick syncs.
    expect(syncsAfterTick()).toBe(1);
    // Unchanged: ticks (<= 150 ms each) pass without a sync, the slow interval (>= 30 s) not yet due.
    for (let i = 0; i < 10; i++) expect(syncsAfterTick()).toBe(0);
    // A member new to us: the next tick syncs again.
    swim.applyMany([member(id(3))], false, rt);
    expect(syncsAfterTick()).toBe(1);
    expect(syncsAfterTick()).toBe(0);
  });

  it('a sync from a member whose view is ours is answered with nothing', () => {
    const others = ids(10, 60);
    const { swim, rt } = nodeWith(A, [B, ...others]);
    swim.handleData(encode(header(B, A, syncOf(B, [A, ...others]))), rt);
    expect(takeTo(rt, B)).toEqual([]);
  });

  it('a sync from a member that missed one of ours is answered with the page of that bucket, which teaches it the member', () => {
    const others = ids(10, 60);
    const missed = others[17]!;
    const a = nodeWith(A, [B, ...others]);
    const b = nodeWith(
      B,
      [A, ...others].filter((o) => o !== missed),
    );
    const sync = syncOf(
      B,
      [A, ...others].filter((o) => o !== missed),
    );
    a.swim.handleData(encode(header(B, A, sync)), a.rt);
    const pages = pagesTo(a.rt, B);
    expect(pages).toHaveLength(1);
    const { page, members } = pages[0]!;
    const key = feedKey(missed.addr);
    expect(page.from <= key && key <= page.to).toBe(true);
    expect(page.last).toBe(false);
    const keys = members.map((m) => feedKey(m.id.addr));
    expect(keys).toEqual([...keys].sort((x, y) => x - y));
    expect(keys.every((k) => k >= page.from && k <= page.to)).toBe(true);
    expect(members.some((m) => m.id.equals(B))).toBe(false);
    // The page teaches B the member, and B doesn't pass it on (each member pulls what it lacks).
    b.swim.handleData(encode(header(A, B, page), members), b.rt);
    expect(events(b.rt.notifications)).toEqual([`member-up ${missed}`]);
    expect(b.swim.updatesBacklog).toBe(0);
    expect(b.swim.antiEntropyStats.membersLearned).toBe(1);
    // And it had nothing A lacks: no page back.
    expect(pagesTo(b.rt, A)).toEqual([]);
  });

  it('a page that names Down a member we hold Alive makes us check it ourselves, not take the Down', () => {
    const d = id(7);
    const { swim, rt } = nodeWith(A, [B, d, id(8), id(9)]);
    const { lo, hi } = bucketRange(0, 0);
    const page: Page = { type: 'sync-page', from: lo, to: hi, last: true };
    swim.handleData(encode(header(B, A, page), [member(d, 'down'), member(id(8)), member(id(9))]), rt);
    // Suspect, not Down: a ping to it (with the suspicion, so it can refute) and pings through others.
    expect(swim.member(d.addr)?.state).toBe('suspect');
    expect(events(rt.notifications)).toEqual([]);
    const toD = takeTo(rt, d);
    expect(toD.map((p) => p.header.message.type)).toContain('ping');
    expect(rt.sends.some((s) => decode(s.bytes).header.message.type === 'ping-req')).toBe(true);
    expect(swim.antiEntropyStats.downsChecked).toBe(1);
    // Silent through the check: Down by our own verdict.
    const [check] = takeTimers(rt, 'check-before-down');
    swim.handleTimer(check!.timer, rt);
    expect(swim.member(d.addr)?.state).toBe('down');
    expect(events(rt.notifications)).toEqual([`member-down ${d}`]);
  });

  it('a member a page names Down that answers our check stays', () => {
    const d = id(7);
    const { swim, rt } = nodeWith(A, [B, d]);
    const page: Page = { type: 'sync-page', from: 1, to: 0xffff, last: true };
    swim.handleData(encode(header(B, A, page), [member(d, 'down')]), rt);
    const ping = takeTo(rt, d).find((p) => p.header.message.type === 'ping')!;
    if (ping.header.message.type !== 'ping') throw new Error('no ping');
    // Its Ack carries its refutation in the header.
    swim.handleData(
      encode(header(d, A, { type: 'ack', probeNumber: ping.header.message.probeNumber }, 1)),
      rt,
    );
    const [check] = takeTimers(rt, 'check-before-down');
    swim.handleTimer(check!.timer, rt);
    expect(swim.member(d.addr)?.state).toBe('alive');
    expect(events(rt.notifications)).toEqual([]);
  });

  it('a page that lacks a member we hold is answered with our page of that range, and that one is not answered', () => {
    const others = ids(10, 8);
    const a = nodeWith(A, [B, ...others]);
    const b = nodeWith(B, [A, ...others.slice(1)]);
    const page: Page = { type: 'sync-page', from: 1, to: 0xffff, last: false };
    const theirs = [...others.slice(1)].map((o) => member(o));
    a.swim.handleData(encode(header(B, A, page), theirs), a.rt);
    const back = pagesTo(a.rt, B);
    expect(back).toHaveLength(1);
    expect(back[0]!.page.last).toBe(true);
    b.swim.handleData(encode(header(A, B, back[0]!.page), back[0]!.members), b.rt);
    expect(events(b.rt.notifications)).toEqual([`member-up ${others[0]}`]);
    expect(pagesTo(b.rt, A)).toEqual([]);
    // A page marked last is never answered, even when it lacks something.
    const c = nodeWith(A, [B, ...others]);
    c.swim.handleData(encode(header(B, A, { ...page, last: true }), theirs), c.rt);
    expect(pagesTo(c.rt, B)).toEqual([]);
  });

  it('a page that holds Alive a member we hold Down is answered with our page, which it checks', () => {
    const d = id(7);
    const a = nodeWith(A, [B, d]);
    a.swim.applyMany([member(d, 'down')], false, a.rt);
    a.rt.clear();
    const page: Page = { type: 'sync-page', from: 1, to: 0xffff, last: false };
    a.swim.handleData(encode(header(B, A, page), [member(d)]), a.rt);
    expect(a.swim.member(d.addr)?.state).toBe('down');
    const back = pagesTo(a.rt, B);
    expect(back).toHaveLength(1);
    expect(back[0]!.members.map((m) => `${m.id}:${m.state}`)).toContain(`${d}:down`);
  });

  it('a member that syncs again before our own next sync gets no second answer', () => {
    const others = ids(10, 40);
    const a = nodeWith(A, [B, ...others]);
    const sync = syncOf(B, [A]);
    a.swim.handleData(encode(header(B, A, sync)), a.rt);
    expect(pagesTo(a.rt, B).length).toBeGreaterThan(0);
    a.swim.handleData(encode(header(B, A, sync)), a.rt);
    expect(pagesTo(a.rt, B)).toEqual([]);
    expect(a.swim.antiEntropyStats.syncsRefused).toBe(1);
    // Our own sync opens a new interval: it is answered again.
    a.swim.handleTimer({ type: 'anti-entropy', token: a.swim.timerToken }, a.rt);
    a.rt.clear();
    a.swim.handleData(encode(header(B, A, sync)), a.rt);
    expect(pagesTo(a.rt, B).length).toBeGreaterThan(0);
  });

  it('one sync is answered with at most maxPages pages, however much differs', () => {
    const others = ids(10, 200);
    const a = nodeWith(A, [B, ...others], true);
    a.swim.handleData(encode(header(B, A, syncOf(B, [A]))), a.rt);
    const pages = pagesTo(a.rt, B);
    expect(pages).toHaveLength(2);
    for (const { page, members } of pages) {
      const keys = members.map((m) => feedKey(m.id.addr));
      expect(keys.every((k) => k >= page.from && k <= page.to)).toBe(true);
    }
  });

  it('a bucket too big for one packet goes on in the next page, which starts where the first stopped', () => {
    const config = { ...simple(), maxPacketSize: 200 };
    const others = ids(10, 100);
    const a = makeNode(A, { config, antiEntropy: { maxPages: 10 }, downIsAccusation: true });
    a.swim.applyMany(
      [B, ...others].map((o) => member(o)),
      false,
      a.rt,
    );
    a.rt.clear();
    a.swim.handleData(encode(header(B, A, syncOf(B, [A]))), a.rt);
    const pages = pagesTo(a.rt, B);
    expect(pages.length).toBeGreaterThan(1);
    const covered = new Set<string>();
    let from = 1;
    for (const { page, members } of pages) {
      expect(page.from).toBe(from);
      for (const m of members) covered.add(m.id.addr);
      from = page.to + 1;
    }
    expect(from).toBe(0x10000);
    expect(covered.size).toBe(others.length);
  });
});
