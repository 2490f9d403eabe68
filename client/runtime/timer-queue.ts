import { type Clock, systemClock } from './clock';

interface Entry<E> {
  due: number;
  readonly seq: number;
  readonly item: E;
}

export interface TimerQueueInit<E> {
  /** Called for each item once it is due, in (due time, submission order). */
  readonly fire: (item: E) => void;
  readonly clock?: Clock;
  /**
   * A fire this late (or a jump of the wall clock this far past the monotonic one) means the page
   * was hung, frozen or asleep rather than throttled. Hidden tabs run timers up to ~1 s late, so keep
   * this well above that. Default 2,500 ms.
   */
  readonly pauseThresholdMs?: number;
  /** Told about a pause of `gapMs`, after the queue has shifted every timer by that gap. */
  readonly onPause?: (gapMs: number) => void;
}

/**
 * One ordered timer queue over a single `setTimeout`: a min-heap by (due, seq). The SWIM core needs
 * its timers back in due order, which independent `setTimeout`s don't promise once a tab is
 * throttled. A late fire runs everything already due, in order.
 *
 * After a pause (a timer came back more than `pauseThresholdMs` late) every pending timer is pushed
 * back by the time since the last sign of life (a schedule, a fire, `noteActivity`): the core's clock stood still with the page, so a probe sent just
 * before the pause still gets its full round trip after it, instead of being failed by the pause.
 */
export class TimerQueue<E> {
  private readonly heap: Entry<E>[] = [];
  private seq = 0;
  private handle: unknown;
  /** When the armed setTimeout should fire (monotonic), and the wall time it was armed at. */
  private armedDue = Number.POSITIVE_INFINITY;
  private armedAt = 0;
  private armedWallAt = 0;
  /** The last moment we know script ran (a schedule, a fire, or `noteActivity`). */
  private lastActivity = 0;
  private stopped = false;
  private firing = false;
  private readonly clock: Clock;
  private readonly fire: (item: E) => void;
  private readonly pauseThresholdMs: number;
  private readonly onPause: ((gapMs: number) => void) | undefined;

  constructor(init: TimerQueueInit<E>) {
    this.clock = init.clock ?? systemClock;
    this.fire = init.fire;
    this.pauseThresholdMs = init.pauseThresholdMs ?? 2500;
    this.onPause = init.onPause;
  }

  /** Pending items. */
  get size(): number {
    return this.heap.length;
  }

  /** Queues `item` to fire after `afterMs` (negative or NaN counts as 0). Ignored once stopped. */
  schedule(item: E, afterMs: number): void {
    if (this.stopped) return;
    const delay = Number.isFinite(afterMs) && afterMs > 0 ? afterMs : 0;
    const now = this.clock.now();
    this.lastActivity = now;
    this.push({ due: now + delay, seq: this.seq++, item });
    if (!this.firing) this.arm();
  }

  /** Records that the page is running (e.g. a packet was handled), so a later pause is measured from here. */
  noteActivity(): void {
    this.lastActivity = this.clock.now();
  }

  /**
   * Checks now whether the page was paused (e.g. on `resume` or `visibilitychange`), instead of waiting
   * for the next timer to come back late. Returns the gap handled, or 0.
   */
  checkPause(): number {
    if (this.stopped || this.firing) return 0;
    const gap = this.measureGap();
    if (gap <= this.pauseThresholdMs) return 0;
    this.handlePause(gap);
    return gap;
  }

  /** Drops every pending item and the armed timer; later `schedule` calls are ignored. */
  stop(): void {
    this.stopped = true;
    this.heap.length = 0;
    this.disarm();
  }

  private measureGap(): number {
    if (this.armedDue === Number.POSITIVE_INFINITY) return 0;
    const now = this.clock.now();
    const late = now - this.armedDue;
    // Where the monotonic clock stops during sleep, only the wall clock shows the gap.
    const wallElapsed = this.clock.wallNow() - this.armedWallAt;
    const monoElapsed = now - this.armedAt;
    const sleep = wallElapsed - monoElapsed;
    return Math.max(late, sleep > this.pauseThresholdMs ? sleep : 0);
  }

  private handlePause(gap: number): void {
    this.shiftForPause();
    this.disarm();
    this.arm();
    this.onPause?.(gap);
  }

  /** Pushes every timer back by the time script did not run, i.e. since the last sign of life. */
  private shiftForPause(): void {
    const now = this.clock.now();
    const idle = Math.max(0, now - this.lastActivity);
    for (const e of this.heap) e.due += idle;
    this.lastActivity = now;
  }

  /**
   * Fires whatever is due now, without waiting for the armed timer. Hidden tabs run timers up to a
   * second late but handle network messages at once, so polling on each packet keeps a hidden tab's
   * probes and suspicions close to their schedule. Does the pause check a late timer would do.
   */
  poll(): void {
    if (this.stopped || this.firing || this.handle === undefined) return;
    const top = this.heap[0];
    if (top === undefined || top.due > this.clock.now()) return;
    // Keep armedDue: the pause check measures how late the armed timer is.
    this.clock.clearTimeout(this.handle);
    this.onTimeout();
  }

  private onTimeout = (): void => {
    this.handle = undefined;
    if (this.stopped) return;
    const gap = this.measureGap();
    this.armedDue = Number.POSITIVE_INFINITY;
    if (gap > this.pauseThresholdMs) {
      this.shiftForPause();
      // Fire the shifted timers on a fresh task, so messages that queued up during the pause are
      // handled first (an Ack that arrived while we were hung must not lose to its probe's timeout).
      this.arm(0);
      this.onPause?.(gap);
      return;
    }
    this.firing = true;
    try {
      while (!this.stopped) {
        const next = this.heap[0];
        if (next === undefined || next.due > this.clock.now()) break;
        this.pop();
        this.lastActivity = this.clock.now();
        this.fire(next.item);
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  };

  private arm(forceDelay?: number): void {
    if (this.stopped) return;
    const top = this.heap[0];
    if (top === undefined) {
      this.disarm();
      return;
    }
    const due = forceDelay === undefined ? top.due : this.clock.now() + forceDelay;
    if (this.handle !== undefined && this.armedDue <= due) return;
    this.disarm();
    const now = this.clock.now();
    this.armedDue = due;
    this.armedAt = now;
    this.armedWallAt = this.clock.wallNow();
    this.handle = this.clock.setTimeout(this.onTimeout, Math.max(0, due - now));
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedDue = Number.POSITIVE_INFINITY;
  }

  private less(a: Entry<E>, b: Entry<E>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(entry: Entry<E>): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && this.less(h[l]!, h[min]!)) min = l;
      if (r < h.length && this.less(h[r]!, h[min]!)) min = r;
      if (min === i) break;
      [h[i], h[min]] = [h[min]!, h[i]!];
      i = min;
    }
  }
}
