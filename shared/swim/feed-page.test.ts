import { describe, expect, it } from 'vitest';
import { feedCandidates, feedKey, nextCursor } from './feed-page';
import type { MemberRecord } from './members';
import { id, type TestId } from './test-support/test-id';

const rec = (n: number): MemberRecord<TestId> => ({ id: id(n), incarnation: 0, state: 'alive', slot: 0 });

describe('feed pages', () => {
  it('keys are stable and in 1..65535, so 0 can mean "last page"', () => {
    for (let n = 0; n < 2000; n++) {
      const k = feedKey(`m${n}`);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(0xffff);
      expect(feedKey(`m${n}`)).toBe(k);
    }
    expect(feedKey('')).toBeGreaterThanOrEqual(1);
  });

  it('candidates are the members from the cursor on, in key order, without the asker', () => {
    const all = Array.from({ length: 50 }, (_, i) => rec(i + 2));
    const cursor = feedKey('m20');
    const c = feedCandidates(all, cursor, 'm30');
    expect(c.every((x) => x.key >= cursor)).toBe(true);
    expect(c.some((x) => x.rec.id.addr === 'm30')).toBe(false);
    expect(c.map((x) => x.key)).toEqual(c.map((x) => x.key).sort((a, b) => a - b));
    expect(c.some((x) => x.rec.id.addr === 'm20')).toBe(true);
  });

  it('the next cursor is the first key left out, always past the current one, 0 when none is', () => {
    const c = feedCandidates(
      Array.from({ length: 10 }, (_, i) => rec(i)),
      1,
      '',
    );
    expect(nextCursor(c, 10, 1)).toBe(0);
    expect(nextCursor(c, 4, 1)).toBe(c[4]!.key);
    expect(nextCursor(c, 0, c[0]!.key)).toBe(c[0]!.key + 1);
    expect(nextCursor([{ rec: rec(1), key: 0xffff }], 0, 0xffff)).toBe(0);
  });
});
