import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './test-support/manual-clock';
import { TimerQueue } from './timer-queue';

function setup(pauseThresholdMs = 2500) {
  const clock = new ManualClock();
  const fired: string[] = [];
  const pauses: number[] = [];
  const queue = new TimerQueue<string>({
    clock,
    pauseThresholdMs,
    fire: (item) => fired.push(item),
    onPause: (gap) => pauses.push(gap),
  });
  return { clock, fired, pauses, queue };
}

describe('TimerQueue', () => {
  it('fires items in due order, ties in submission order, over one setTimeout', () => {
    const { clock, fired, queue } = setup();
    queue.schedule('c', 300);
    queue.schedule('a', 100);
    queue.schedule('b1', 200);
    queue.schedule('b2', 200);
    expect(clock.waiting).toBe(1);
    clock.advance(250);
    expect(fired).toEqual(['a', 'b1', 'b2']);
    clock.advance(100);
    expect(fired).toEqual(['a', 'b1', 'b2', 'c']);
    expect(queue.size).toBe(0);
  });

  it('fires everything already due when its timer comes back late, in order', () => {
    const { clock, fired, pauses, queue } = setup();
    queue.schedule('x', 100);
    queue.schedule('y', 600);
    queue.schedule('z', 2000);
    clock.stall(900); // a throttled hidden tab: the timer runs ~800 ms late
    clock.advance(0);
    expect(fired).toEqual(['x', 'y']);
    expect(pauses).toEqual([]);
  });

  it('runs items scheduled by a firing item when they are already due', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const queue: TimerQueue<string> = new TimerQueue<string>({
      clock,
      fire: (item) => {
        fired.push(item);
        if (item === 'first') queue.schedule('chained', 0);
      },
    });
    queue.schedule('first', 10);
    queue.schedule('later', 10);
    clock.advance(10);
    expect(fired).toEqual(['first', 'later', 'chained']);
  });

  it('treats a long stall as a pause: shifts every timer by the gap and reports it', () => {
    const { clock, fired, pauses, queue } = setup(2500);
    queue.schedule('probe-timeout', 500);
    queue.schedule('next-probe', 1000);
    clock.stall(10_000);
    clock.advance(0);
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toBeGreaterThan(9000);
    // The probe's timeout runs a full 500 ms after the pause, not at once.
    expect(fired).toEqual([]);
    clock.advance(499);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['probe-timeout']);
    clock.advance(500);
    expect(fired).toEqual(['probe-timeout', 'next-probe']);
  });

  it('sees a sleep where only the wall clock moved', () => {
    const { clock, pauses, queue } = setup(2500);
    queue.schedule('t', 1000);
    clock.sleepWall(60_000);
    clock.advance(1000);
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toBeGreaterThan(50_000);
  });

  it('checkPause handles a pause before the timer comes back', () => {
    const { clock, pauses, queue } = setup(2500);
    queue.schedule('t', 1000);
    expect(queue.checkPause()).toBe(0);
    clock.stall(5000);
    expect(queue.checkPause()).toBeGreaterThan(3000);
    expect(pauses).toHaveLength(1);
  });

  it('poll fires what is due before the lagging timer does, in order', () => {
    const { clock, fired, pauses, queue } = setup();
    queue.schedule('a', 100);
    queue.schedule('b', 200);
    queue.schedule('c', 900);
    clock.stall(250); // the timer is late (throttled), but a packet arrives now
    queue.poll();
    expect(fired).toEqual(['a', 'b']);
    queue.poll();
    expect(fired).toEqual(['a', 'b']);
    clock.advance(650);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(pauses).toEqual([]);
  });

  it('poll sees a pause too, and shifts instead of firing', () => {
    const { clock, fired, pauses, queue } = setup(2500);
    queue.schedule('probe-timeout', 500);
    clock.stall(10_000);
    queue.poll();
    expect(pauses).toHaveLength(1);
    expect(fired).toEqual([]);
    clock.advance(500);
    expect(fired).toEqual(['probe-timeout']);
  });

  it('stop drops everything and ignores later schedules', () => {
    const { clock, fired, queue } = setup();
    queue.schedule('a', 10);
    queue.stop();
    queue.schedule('b', 10);
    clock.advance(100);
    expect(fired).toEqual([]);
    expect(clock.waiting).toBe(0);
  });

  it('always fires in (due, submission) order (property; replay with the printed seed)', () => {
    const seed = Date.now() % 1_000_000;
    console.log(`timer-queue property seed=${seed}`);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 60 }), (delays) => {
        const { clock, fired, queue } = setup(1e9);
        delays.forEach((d, i) => {
          queue.schedule(String(i), d);
        });
        clock.advance(6000);
        const expected = delays
          .map((d, i) => ({ d, i }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .map(({ i }) => String(i));
        expect(fired).toEqual(expected);
      }),
      { seed },
    );
  });
});
