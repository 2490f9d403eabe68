import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrowserIdentity,
  type HandleResult,
  type Notification,
  type Runtime,
  seededRng,
  type Timer,
} from '../swim/index';
import {
  BROWSER_LOOP,
  type HostCore,
  HostLoop,
  type HostLoopInit,
  HostReentryError,
  surelyDownAfterMs,
} from './index';

type Id = BrowserIdentity;

/** A timer whose token names it, so a test reads which one ran. */
const timer = (token: number): Timer<Id> => ({ type: 'periodic-gossip', token });

/** A stand-in core: records the timers it gets, and runs `onTimer` / `onData` hooks. */
class FakeCore implements HostCore<Id> {
  identity = BrowserIdentity.fromHex('0123456789abcdef0123456789abcdef', 1);
  connectionState = 'connected';
  config: HostCore<Id>['config'] = { suspectToDownAfterMs: 10_000 };
  readonly ran: number[] = [];
  readonly packets: number[] = [];
  onTimer: (token: number, rt: Runtime<Id>) => void = () => {};
  /** Tokens of the timers that would do nothing but re-arm now (`timerIsIdle`). */
  readonly idle = new Set<number>();
  onData: (rt: Runtime<Id>) => HandleResult = () => ({ ok: true });

  handleTimer(t: Timer<Id>, rt: Runtime<Id>): void {
    if (t.type !== 'periodic-gossip') return;
    this.ran.push(t.token);
    this.onTimer(t.token, rt);
  }

  handleData(bytes: Uint8Array, rt: Runtime<Id>): HandleResult {
    this.packets.push(bytes[0]!);
    return this.onData(rt);
  }

  timerIsIdle(t: Timer<Id>): boolean {
    return t.type === 'periodic-gossip' && this.idle.has(t.token);
  }

  changeIdentity(id: Id, _rt: Runtime<Id>): void {
    this.identity = id;
  }
}

/**
 * A virtual host around the loop: `advance` moves time and delivers the booked wake-up when it falls
 * due; `stall` moves time without running anything (a hung page); `sleepWall` moves only the wall clock.
 */
function setup(pauseThresholdMs = 2500, extra: Partial<HostLoopInit<Id>> = {}) {
  const core = new FakeCore();
  let now = 1000;
  let wall = 1_700_000_000_000;
  let wakeAt = Number.POSITIVE_INFINITY;
  const notifications: Array<Notification<Id>> = [];
  const pauses: number[] = [];
  let settled = 0;
  const loop = new HostLoop<Id>({
    core,
    pauseThresholdMs,
    ...extra,
    port: {
      send: () => false,
      notify: (n) => notifications.push(n),
      scheduleWake: (at) => {
        wakeAt = at;
      },
      cancelWake: () => {
        wakeAt = Number.POSITIVE_INFINITY;
      },
      settled: () => {
        settled++;
      },
      paused: (gap) => pauses.push(gap),
    },
  });
  const host = {
    core,
    loop,
    notifications,
    pauses,
    get now() {
      return now;
    },
    get settled() {
      return settled;
    },
    get booked() {
      return wakeAt;
    },
    schedule(token: number, afterMs: number) {
      loop.call(now, wall, (rt) => rt.submitAfter(timer(token), afterMs));
    },
    /** Calls the core now (an app's call: announce, broadcast). */
    call(fn: () => void) {
      loop.call(now, wall, fn);
    },
    /** Like `advance`, but each wake-up comes `lateBy()` ms after it was booked (a page's timers). */
    advanceLate(ms: number, lateBy: () => number) {
      const end = now + ms;
      while (wakeAt <= end) {
        const at = Math.max(now, wakeAt) + lateBy();
        wall += at - now;
        now = at;
        wakeAt = Number.POSITIVE_INFINITY;
        loop.wake(now, wall);
      }
      if (end > now) {
        wall += end - now;
        now = end;
      }
    },
    /** Moves time forward by `ms`, delivering each wake-up that falls due on the way. */
    advance(ms: number) {
      const end = now + ms;
      while (wakeAt <= end) {
        const at = Math.max(now, wakeAt);
        wall += at - now;
        now = at;
        wakeAt = Number.POSITIVE_INFINITY;
        loop.wake(now, wall);
      }
      wall += end - now;
      now = end;
    },
    stall(ms: number) {
      now += ms;
      wall += ms;
    },
    sleepWall(ms: number) {
      wall += ms;
    },
    packet(tag: number) {
      return loop.handlePacket(Uint8Array.of(tag), now, wall);
    },
    checkPause() {
      return loop.checkPause(now, wall);
    },
  };
  return host;
}

describe('HostLoop timers', () => {
  it('runs timers in due order, ties in submission order, over one booked wake-up', () => {
    const h = setup();
    h.schedule(3, 300);
    h.schedule(1, 100);
    h.schedule(21, 200);
    h.schedule(22, 200);
    expect(h.booked).toBe(h.now + 100);
    h.advance(250);
    expect(h.core.ran).toEqual([1, 21, 22]);
    h.advance(100);
    expect(h.core.ran).toEqual([1, 21, 22, 3]);
    expect(h.loop.stats().timersPending).toBe(0);
  });

  it('runs everything already due when its wake-up comes back late, in order', () => {
    const h = setup();
    h.schedule(1, 100);
    h.schedule(2, 600);
    h.schedule(3, 2000);
    h.stall(900); // a throttled hidden tab: the wake-up comes ~800 ms late
    h.advance(0);
    expect(h.core.ran).toEqual([1, 2]);
    expect(h.pauses).toEqual([]);
  });

  it('runs timers submitted by a running timer when they are already due', () => {
    const h = setup();
    h.core.onTimer = (token, rt) => {
      if (token === 1) rt.submitAfter(timer(9), 0);
    };
    h.schedule(1, 10);
    h.schedule(2, 10);
    h.advance(10);
    expect(h.core.ran).toEqual([1, 2, 9]);
  });

  it('tells the port after every core call, so it can hand out what the call produced', () => {
    const h = setup();
    h.schedule(1, 10);
    h.schedule(2, 10);
    const before = h.settled;
    h.advance(10);
    expect(h.settled - before).toBe(2);
  });

  it('refuses to call the core from inside a core call', () => {
    const h = setup();
    h.core.onTimer = () => h.call(() => {});
    h.schedule(1, 10);
    expect(() => h.advance(10)).toThrow(HostReentryError);
  });

  it('always runs timers in (due, submission) order (property; replay with the printed seed)', () => {
    const seed = 20_261_130;
    console.log(`host-loop property seed=${seed}`);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 60 }), (delays) => {
        const h = setup(1e9);
        delays.forEach((d, i) => {
          h.schedule(i, d);
        });
        h.advance(6000);
        const expected = delays
          .map((d, i) => ({ d, i }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .map(({ i }) => i);
        expect(h.core.ran).toEqual(expected);
      }),
      { seed },
    );
  });

  it('matches a sorted reference under random interleaving of wake-ups and packets (seeded)', () => {
    const seed = 77;
    console.log(`host-loop interleaving seed=${seed}`);
    const rng = seededRng(seed);
    const h = setup(1e9);
    const ref: Array<[number, number]> = [];
    for (let i = 0; i < 500; i++) {
      const d = Math.floor(rng.next() * 300);
      ref.push([h.now + d, i]);
      h.schedule(i, d);
      if (rng.next() < 0.3) h.stall(Math.floor(rng.next() * 50));
      if (rng.next() < 0.3) h.packet(0);
      h.advance(Math.floor(rng.next() * 20));
    }
    h.advance(1000);
    ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(h.core.ran).toEqual(ref.map((r) => r[1]));
  });

  it('stop drops every timer and the wake-up, and ignores later calls', () => {
    const h = setup();
    h.schedule(1, 10);
    h.loop.stop();
    h.schedule(2, 10);
    h.advance(100);
    expect(h.core.ran).toEqual([]);
    expect(h.booked).toBe(Number.POSITIVE_INFINITY);
    expect(h.packet(0)).toBeUndefined();
  });
});

describe('HostLoop coalescing (coalesceMs)', () => {
  const coalesce = { coalesceMs: 4 };

  /** Runs the loop and records, per timer, the virtual time it ran at. */
  function timed(extra: Partial<HostLoopInit<Id>> = coalesce) {
    const h = setup(1e9, extra);
    const at = new Map<number, number>();
    h.core.onTimer = (token) => {
      at.set(token, h.now);
    };
    return { h, at };
  }

  it('runs timers due within coalesceMs of the first in one wake-up, at the last due time', () => {
    const { h, at } = timed();
    const t0 = h.now;
    h.schedule(1, 300);
    h.schedule(2, 300.4); // a probe's verdict, a fraction of a millisecond after the next probe
    h.schedule(3, 303);
    expect(h.booked).toBe(t0 + 303);
    h.advance(400);
    expect(h.core.ran).toEqual([1, 2, 3]);
    expect([...at.values()]).toEqual([t0 + 303, t0 + 303, t0 + 303]);
    expect(h.loop.stats().wakeUps).toBe(1);
  });

  it('runs a lone timer on time, and one past the window on a wake-up of its own', () => {
    const { h, at } = timed();
    const t0 = h.now;
    h.schedule(1, 100);
    h.schedule(2, 104.5); // 4.5 ms after the first: past a 4 ms window
    h.advance(200);
    expect(at.get(1)).toBe(t0 + 100);
    expect(at.get(2)).toBe(t0 + 104.5);
    expect(h.loop.stats().wakeUps).toBe(2);
  });

  it('never runs a timer before its due time, nor more than coalesceMs after it (seeded)', () => {
    const seed = 4_242;
    console.log(`host-loop coalescing seed=${seed}`);
    const rng = seededRng(seed);
    const { h, at } = timed();
    const due = new Map<number, number>();
    const ref: Array<[number, number]> = [];
    for (let i = 0; i < 400; i++) {
      const d = Math.floor(rng.next() * 3000) / 10;
      due.set(i, h.now + d);
      ref.push([h.now + d, i]);
      h.schedule(i, d);
      if (rng.next() < 0.2) h.packet(0);
      h.advance(Math.floor(rng.next() * 30) / 10);
    }
    h.advance(1000);
    ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(h.core.ran).toEqual(ref.map((r) => r[1]));
    for (const [token, ran] of at) {
      const d = due.get(token)!;
      expect(ran).toBeGreaterThanOrEqual(d);
      expect(ran).toBeLessThanOrEqual(d + 4);
    }
    expect(h.loop.stats().wakeUps).toBeLessThan(400);
  });

  it('moves its wake-up out to a timer submitted later inside the window, and takes in one due just before it', () => {
    const { h, at } = timed();
    const t0 = h.now;
    h.schedule(1, 100);
    expect(h.booked).toBe(t0 + 100);
    h.schedule(2, 102); // within 4 ms of timer 1: the wake-up moves out to it
    expect(h.booked).toBe(t0 + 102);
    h.schedule(3, 99); // due before the booking and within 4 ms of it: it rides along
    expect(h.booked).toBe(t0 + 102);
    h.schedule(4, 103.5); // within 4 ms of the booking but not of timer 3, the window's first
    expect(h.booked).toBe(t0 + 102);
    h.advance(200);
    expect(h.core.ran).toEqual([3, 1, 2, 4]);
    expect(at.get(3)).toBe(t0 + 102);
    expect(at.get(4)).toBe(t0 + 103.5);
    expect(h.loop.stats().wakeUps).toBe(2);
  });

  it('does not count a timer held back on purpose as late', () => {
    const { h } = timed({ ...coalesce, lateGraceMs: 30, lateThresholdMs: 1 });
    const noted: number[] = [];
    (h.core as HostCore<Id>).noteLateness = (ms) => noted.push(ms);
    h.schedule(1, 100);
    h.schedule(2, 103);
    h.advance(200);
    expect(h.core.ran).toEqual([1, 2]);
    expect(noted).toEqual([]);
    expect(h.loop.stats().lateGraces).toBe(0);
  });

  it('is off by default: a wake-up per distinct due time', () => {
    const { h } = timed({});
    h.schedule(1, 300);
    h.schedule(2, 300.4);
    h.advance(400);
    expect(h.loop.stats().wakeUps).toBe(2);
  });
});

describe('HostLoop idle timers (deferIdleTimers)', () => {
  const defer = { deferIdleTimers: true };

  it('gives an idle timer no wake-up of its own: it runs in due order with the next one', () => {
    const h = setup(1e9, defer);
    h.core.idle.add(1);
    h.schedule(1, 100); // periodic gossip with nothing to send
    h.schedule(2, 300); // the next probe
    expect(h.booked).toBe(h.now + 300);
    h.advance(400);
    expect(h.core.ran).toEqual([1, 2]);
    expect(h.loop.stats().wakeUps).toBe(1);
  });

  it('runs a due idle timer before a packet, as any due timer', () => {
    const h = setup(1e9, defer);
    h.core.idle.add(1);
    h.schedule(1, 100);
    h.schedule(2, 300);
    h.advance(150);
    h.packet(7);
    expect(h.core.ran).toEqual([1]);
    expect(h.core.packets).toEqual([7]);
  });

  it('books an idle timer as soon as a core call gives it work, at once when it is overdue', () => {
    const h = setup(1e9, defer);
    h.core.idle.add(1);
    h.schedule(1, 100);
    h.schedule(2, 300);
    h.advance(50);
    h.call(() => h.core.idle.delete(1)); // an update to gossip came
    expect(h.booked).toBe(h.now + 50);
    h.core.idle.add(1);
    h.call(() => {});
    expect(h.booked).toBe(h.now + 250);
    h.advance(100);
    h.call(() => h.core.idle.delete(1));
    expect(h.booked).toBe(h.now);
    h.advance(0);
    expect(h.core.ran).toEqual([1]);
  });

  it('moves a wake-up out when the timer it was booked for goes idle (an Ack came before the indirect stage)', () => {
    const h = setup(1e9, defer);
    h.schedule(1, 150); // the indirect stage of a probe
    h.schedule(2, 300); // the next probe
    expect(h.booked).toBe(h.now + 150);
    h.core.onData = () => {
      h.core.idle.add(1);
      return { ok: true };
    };
    h.advance(2);
    h.packet(9); // the Ack
    expect(h.booked).toBe(h.now + 298);
    h.advance(400);
    expect(h.core.ran).toEqual([1, 2]);
    expect(h.loop.stats().wakeUps).toBe(1);
  });

  it('keeps timer order under random idleness, packets and calls (seeded)', () => {
    const seed = 9_001;
    console.log(`host-loop idle timers seed=${seed}`);
    const rng = seededRng(seed);
    const h = setup(1e9, { ...defer, coalesceMs: 4 });
    const ref: Array<[number, number]> = [];
    for (let i = 0; i < 400; i++) {
      const d = Math.floor(rng.next() * 3000) / 10;
      ref.push([h.now + d, i]);
      if (rng.next() < 0.4) h.core.idle.add(i);
      h.schedule(i, d);
      if (rng.next() < 0.2) h.packet(0);
      if (rng.next() < 0.1) h.call(() => h.core.idle.clear());
      h.advance(Math.floor(rng.next() * 30) / 10);
    }
    h.core.idle.clear();
    h.call(() => {});
    h.advance(1000);
    ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(h.core.ran).toEqual(ref.map((r) => r[1]));
  });

  it('always holds a wake-up for the earliest timer that is not idle, through late wake-ups, graces and pauses (seeded)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rng = seededRng(seed);
      const h = setup(2500, { ...BROWSER_LOOP, pauseRejoinBackoffMs: 0 });
      let next = 0;
      const submit = (rt: Runtime<Id>, afterMs: number) => {
        const token = next++;
        if (rng.next() < 0.4) h.core.idle.add(token);
        rt.submitAfter(timer(token), afterMs);
      };
      h.core.onTimer = (_t, rt) => {
        if (rng.next() < 0.9) submit(rt, 50 + Math.floor(rng.next() * 300));
        if (rng.next() < 0.1) h.core.idle.clear();
      };
      h.core.onData = (rt) => {
        if (rng.next() < 0.2) h.core.idle.clear();
        if (rng.next() < 0.2) for (let t = 0; t < next; t++) if (rng.next() < 0.3) h.core.idle.add(t);
        if (rng.next() < 0.1) submit(rt, Math.floor(rng.next() * 200));
        return { ok: true };
      };
      h.call(() => {
        for (let i = 0; i < 5; i++) submit(h.loop, 100 * i);
      });
      for (let step = 0; step < 2000; step++) {
        // A page's wake-ups come a little late, now and then much later; sometimes it stalls.
        h.advanceLate(Math.floor(rng.next() * 200) / 10, () => (rng.next() < 0.1 ? rng.next() * 120 : 0));
        if (rng.next() < 0.005) h.stall(2600 + Math.floor(rng.next() * 3000));
        if (rng.next() < 0.3) h.packet(1);
        if (rng.next() < 0.05) h.call(() => h.core.idle.clear());
        const due = h.loop.timers.earliestDueWhere((t) => !h.core.timerIsIdle(t));
        if (due === Number.POSITIVE_INFINITY) continue;
        // At most the coalescing window late, or the late grace's wait.
        const bound = Math.max(h.now, due) + BROWSER_LOOP.coalesceMs + BROWSER_LOOP.lateGraceMs;
        if (h.booked > bound)
          throw new Error(`seed ${seed} step ${step}: wake-up at ${h.booked}, timer due ${due}`);
      }
    }
  });

  it('is off by default: an idle timer still gets its wake-up', () => {
    const h = setup();
    h.core.idle.add(1);
    h.schedule(1, 100);
    expect(h.booked).toBe(h.now + 100);
  });
});

describe('HostLoop poll on packet', () => {
  it('runs the timers already due before the packet, ahead of the lagging wake-up', () => {
    const h = setup();
    h.schedule(1, 100);
    h.schedule(2, 200);
    h.schedule(3, 900);
    h.stall(250); // the wake-up is late (throttled), but a packet arrives now
    h.packet(7);
    expect(h.core.ran).toEqual([1, 2]);
    expect(h.core.packets).toEqual([7]);
    h.packet(8);
    expect(h.core.ran).toEqual([1, 2]);
    h.advance(650);
    expect(h.core.ran).toEqual([1, 2, 3]);
    expect(h.pauses).toEqual([]);
  });

  it('counts refused packets by kind', () => {
    const h = setup();
    h.core.onData = () => ({ ok: false, error: { kind: 'decode', message: 'x' } });
    h.packet(1);
    h.packet(2);
    expect(h.loop.stats().remoteErrors).toEqual({ decode: 2 });
  });

  it('counts sends that found no link', () => {
    const h = setup();
    h.core.onData = (rt) => {
      rt.sendTo(h.core.identity, new Uint8Array(1));
      return { ok: true };
    };
    h.packet(1);
    expect(h.loop.stats().unsentNoLink).toBe(1);
  });
});

describe('HostLoop pauses', () => {
  it('treats a long stall as a pause: shifts every timer by the gap and reports it', () => {
    const h = setup(2500);
    h.schedule(1, 500); // a probe's timeout
    h.schedule(2, 1000); // the next probe
    h.stall(10_000);
    h.advance(0);
    expect(h.pauses).toHaveLength(1);
    expect(h.pauses[0]).toBeGreaterThan(9000);
    // The probe's timeout runs a full 500 ms after the pause, not at once.
    expect(h.core.ran).toEqual([]);
    h.advance(499);
    expect(h.core.ran).toEqual([]);
    h.advance(1);
    expect(h.core.ran).toEqual([1]);
    h.advance(500);
    expect(h.core.ran).toEqual([1, 2]);
    expect(h.loop.stats().pauses).toBe(1);
  });

  it('runs the shifted timers after the packets that queued up during the pause', () => {
    const h = setup(2500);
    h.schedule(1, 0);
    h.stall(5000);
    h.packet(7); // the poll sees the pause and shifts instead of running
    expect(h.core.packets).toEqual([7]);
    expect(h.core.ran).toEqual([]);
    h.advance(0);
    expect(h.core.ran).toEqual([1]);
  });

  it('a poll sees a pause too, and shifts instead of running', () => {
    const h = setup(2500);
    h.schedule(1, 500);
    h.stall(10_000);
    h.packet(7);
    expect(h.pauses).toHaveLength(1);
    expect(h.core.ran).toEqual([]);
    h.advance(500);
    expect(h.core.ran).toEqual([1]);
  });

  it('sees a sleep where only the wall clock moved', () => {
    const h = setup(2500);
    h.schedule(1, 1000);
    h.sleepWall(60_000);
    h.advance(1000);
    expect(h.pauses).toHaveLength(1);
    expect(h.pauses[0]).toBeGreaterThan(50_000);
  });

  it('checkPause handles a pause before the wake-up comes back', () => {
    const h = setup(2500);
    h.schedule(1, 1000);
    expect(h.checkPause()).toBe(0);
    h.stall(5000);
    expect(h.checkPause()).toBeGreaterThan(3000);
    expect(h.pauses).toHaveLength(1);
  });

  it('does not rejoin after a pause shorter than the suspicion timeout', () => {
    const h = setup(2500);
    h.schedule(1, 100);
    h.stall(5000);
    h.advance(0);
    expect(h.pauses).toHaveLength(1);
    expect(h.core.identity.generation).toBe(1);
    expect(h.notifications).toEqual([]);
  });

  it('rejoins under the renewed identity after a pause as long as the suspicion timeout', () => {
    const h = setup(2500);
    h.schedule(1, 100);
    h.stall(20_000);
    h.advance(0);
    expect(h.core.identity.generation).toBe(2);
    expect(h.notifications).toEqual([{ type: 'rejoin', id: h.core.identity }]);
  });

  it('after rejoining by itself, holds back a rejoin after a pause within the backoff, then rejoins again once it is over', () => {
    const h = setup(2500);
    h.schedule(1, 100);
    h.stall(20_000);
    h.advance(0);
    expect(h.core.identity.generation).toBe(2);
    // A second long stall 25 s later (a starved tab): no rename of its own, the core decides.
    h.schedule(2, 100);
    h.advance(5000);
    h.schedule(3, 100);
    h.stall(20_000);
    h.advance(0);
    expect(h.core.identity.generation).toBe(2);
    expect(h.loop.stats().pauseRejoinsHeld).toBe(1);
    // The window doubled (60 s from that pause); after it, a long pause rejoins again.
    h.schedule(4, 100);
    h.advance(61_000);
    h.schedule(5, 100);
    h.stall(20_000);
    h.advance(0);
    expect(h.core.identity.generation).toBe(3);
  });

  it('rejoins after every long pause with pauseRejoinBackoffMs 0', () => {
    const h = setup(2500);
    h.loop.pauseRejoinBackoffMs = 0;
    for (let k = 0; k < 3; k++) {
      h.schedule(k + 1, 100);
      h.stall(20_000);
      h.advance(0);
    }
    expect(h.core.identity.generation).toBe(4);
  });

  it('does not rejoin when the core is not connected', () => {
    const h = setup(2500);
    h.core.connectionState = 'disconnected';
    h.schedule(1, 100);
    h.stall(20_000);
    h.advance(0);
    expect(h.pauses).toHaveLength(1);
    expect(h.core.identity.generation).toBe(1);
  });
});

describe('HostLoop late grace (the browser runtime)', () => {
  const grace = { lateGraceMs: 30, lateThresholdMs: 50 };

  it('lets the packets queued behind a late batch go first, then runs the batch', () => {
    const h = setup(2500, grace);
    h.schedule(1, 100); // a probe's verdict
    h.stall(1200); // a long task: the wake-up comes 1.1 s late
    h.advance(0);
    expect(h.core.ran).toEqual([]);
    h.packet(7); // the Ack that arrived during the long task
    expect(h.core.ran).toEqual([]);
    h.advance(30);
    expect(h.core.packets).toEqual([7]);
    expect(h.core.ran).toEqual([1]);
    expect(h.loop.stats().lateGraces).toBe(1);
    expect(h.pauses).toEqual([]);
  });

  it('keeps the batch for the end of the grace when a packet during the grace re-books the wake-up', () => {
    // As the page runs it: after each core call the wake-up is re-fitted to the earliest timer.
    const h = setup(2500, { ...grace, deferIdleTimers: true, coalesceMs: 4 });
    h.schedule(1, 100); // a check round's verdict
    h.stall(1200);
    h.advance(0); // late: the grace begins
    h.packet(7);
    h.advance(1); // the re-booked wake-up comes before the next queued packet
    expect(h.core.ran).toEqual([]);
    h.packet(8); // the suspect's answer, queued behind the long task
    h.advance(29);
    expect(h.core.packets).toEqual([7, 8]);
    expect(h.core.ran).toEqual([1]);
  });

  it('a poll that finds a late batch handles its packet first', () => {
    const h = setup(2500, grace);
    const order: string[] = [];
    h.core.onTimer = (t) => order.push(`timer ${t}`);
    h.core.onData = () => {
      order.push('packet');
      return { ok: true };
    };
    h.schedule(1, 100);
    h.stall(900);
    h.packet(7);
    h.advance(30);
    expect(order).toEqual(['packet', 'timer 1']);
  });

  it('ends the grace at the first packet after it when the wake-up is throttled', () => {
    const h = setup(2500, grace);
    h.schedule(1, 100);
    h.stall(600);
    h.advance(0); // grace begins; its wake-up will come a second late (hidden tab)
    h.stall(40);
    h.packet(7);
    expect(h.core.ran).toEqual([1]);
  });

  it('tells local health how late the batch was, not how late the grace ended', () => {
    const h = setup(2500, grace);
    const noted: number[] = [];
    (h.core as HostCore<Id>).noteLateness = (ms) => noted.push(ms);
    h.schedule(1, 100);
    h.stall(1100);
    h.advance(0);
    h.advance(30);
    expect(noted).toHaveLength(1);
    expect(noted[0]).toBeGreaterThanOrEqual(1000);
  });

  it('runs a batch at once when it is only a little late', () => {
    const h = setup(2500, grace);
    h.schedule(1, 100);
    h.stall(140); // 40 ms late
    h.advance(0);
    expect(h.core.ran).toEqual([1]);
    expect(h.loop.stats().lateGraces).toBe(0);
  });
});

describe('HostLoop rejoin after a pause (the browser runtime)', () => {
  const config = { suspectToDownAfterMs: 800, probePeriodMs: 300 };

  it('waits to hear of its Down after a pause that only might have made it Down', () => {
    const h = setup(2500, { rejoinAfterPauseMs: surelyDownAfterMs });
    Object.assign(h.core, { config });
    h.schedule(1, 100);
    h.stall(3000); // longer than the suspicion timeout, shorter than its whole course twice
    h.advance(0);
    expect(h.pauses).toHaveLength(1);
    expect(h.core.identity.generation).toBe(1);
    expect(h.notifications).toEqual([]);
  });

  it('rejoins at once after a pause that surely made it Down', () => {
    const h = setup(2500, { rejoinAfterPauseMs: BROWSER_LOOP.rejoinAfterPauseMs });
    Object.assign(h.core, { config });
    expect(surelyDownAfterMs(config)).toBe(3400);
    h.schedule(1, 100);
    h.stall(60_000);
    h.advance(0);
    expect(h.core.identity.generation).toBe(2);
    expect(h.notifications).toEqual([{ type: 'rejoin', id: h.core.identity }]);
  });
});
