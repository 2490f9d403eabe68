import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue';
import { testRng } from './test-support/fake-node';

describe('EventQueue', () => {
  it('pops events by time, and in insertion order at equal times', () => {
    const seed = 7;
    console.log(`event-queue seed ${seed}`);
    const rng = testRng(seed);
    const q = new EventQueue<string>();
    const pushed: Array<{ time: number; seq: number }> = [];
    for (let i = 0; i < 5000; i++) {
      const time = Math.floor(rng.next() * 50);
      q.push(time, 1, i, 0, `e${i}`);
      pushed.push({ time, seq: i });
      // Interleave pops so slots are recycled.
      if (i % 7 === 0) {
        pushed.sort((a, b) => a.time - b.time || a.seq - b.seq);
        const want = pushed.shift()!;
        expect(q.pop()).toBe(true);
        expect([q.lastTime, q.lastTarget, q.lastPayload]).toEqual([want.time, want.seq, `e${want.seq}`]);
      }
    }
    pushed.sort((a, b) => a.time - b.time || a.seq - b.seq);
    for (const want of pushed) {
      expect(q.pop()).toBe(true);
      expect([q.lastTime, q.lastTarget]).toEqual([want.time, want.seq]);
    }
    expect(q.pop()).toBe(false);
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });
});
