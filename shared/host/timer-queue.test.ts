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
});
