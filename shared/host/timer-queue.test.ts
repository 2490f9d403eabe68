import { describe, expect, it } from 'vitest';
import { seededRng } from '../swim/index';
import { TimerQueue } from './timer-queue';

const testRng = seededRng;

describe('TimerQueue', () => {
  it('hands timers back in due order, ties in submission order, and only once due', () => {
    const t = new TimerQueue<string>();
    t.push(300, 'c');
    t.push(100, 'a1');
    t.push(200, 'b');
    t.push(100, 'a2');
    expect(t.popDue(50)).toBeUndefined();
    const out: string[] = [];
    for (let x = t.popDue(250); x !== undefined; x = t.popDue(250)) out.push(x);
    expect(out).toEqual(['a1', 'a2', 'b']);
    expect(t.peekDue()).toBe(300);
    expect(t.size).toBe(1);
  });

  it('matches a sorted reference on random input', () => {
    const seed = 11;
    console.log(`timer-queue seed ${seed}`);
    const rng = testRng(seed);
    const t = new TimerQueue<number>();
    const ref: Array<[number, number]> = [];
    for (let i = 0; i < 2000; i++) {
      const due = Math.floor(rng.next() * 100);
      t.push(due, i);
      ref.push([due, i]);
    }
    ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(Array.from({ length: ref.length }, () => t.pop())).toEqual(ref.map((r) => r[1]));
  });

  it('finds the latest due time up to a limit, looking only at timers due by then', () => {
    const t = new TimerQueue<string>();
    expect(t.lastDueUpTo(1000)).toBe(Number.NEGATIVE_INFINITY);
    for (const due of [500, 100, 103, 900, 101, 250, 104.5]) t.push(due, String(due));
    expect(t.lastDueUpTo(99)).toBe(Number.NEGATIVE_INFINITY);
    expect(t.lastDueUpTo(100)).toBe(100);
    expect(t.lastDueUpTo(104)).toBe(103);
    expect(t.lastDueUpTo(105)).toBe(104.5);
    expect(t.lastDueUpTo(10_000)).toBe(900);
    expect(t.size).toBe(7);
  });

  it('lastDueUpTo matches a linear scan on random input', () => {
    const seed = 23;
    console.log(`timer-queue lastDueUpTo seed ${seed}`);
    const rng = testRng(seed);
    const t = new TimerQueue<number>();
    const dues: number[] = [];
    for (let i = 0; i < 500; i++) {
      const due = Math.floor(rng.next() * 1000);
      t.push(due, i);
      dues.push(due);
      const limit = Math.floor(rng.next() * 1000);
      const expected = Math.max(Number.NEGATIVE_INFINITY, ...dues.filter((d) => d <= limit));
      expect(t.lastDueUpTo(limit)).toBe(expected);
      if (rng.next() < 0.3) {
        dues.splice(dues.indexOf(t.peekDue()), 1);
        t.pop();
      }
    }
  });

  it('finds the earliest due time among the timers a predicate keeps (seeded)', () => {
    const seed = 31;
    console.log(`timer-queue earliestDueWhere seed ${seed}`);
    const rng = testRng(seed);
    const t = new TimerQueue<number>();
    expect(t.earliestDueWhere(() => true)).toBe(Number.POSITIVE_INFINITY);
    const items: Array<[number, number]> = [];
    for (let i = 0; i < 300; i++) {
      const due = Math.floor(rng.next() * 1000);
      t.push(due, i);
      items.push([due, i]);
      const mod = 1 + Math.floor(rng.next() * 5);
      const keep = (x: number) => x % mod === 0;
      const expected = Math.min(
        Number.POSITIVE_INFINITY,
        ...items.filter(([, x]) => keep(x)).map(([d]) => d),
      );
      expect(t.earliestDueWhere(keep)).toBe(expected);
    }
    expect(t.size).toBe(300);
  });
});
