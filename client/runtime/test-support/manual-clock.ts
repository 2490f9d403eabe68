import type { Clock } from '../clock';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A virtual clock for tests: time moves only through `advance`, which runs due callbacks in time
 * order. `stall` moves time without running anything, as a hung or frozen page sees it.
 */
export class ManualClock implements Clock {
  private t = 1000;
  private wall = 1_700_000_000_000;
  private nextId = 1;
  private pending: Pending[] = [];

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wall;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Callbacks waiting to run. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, running every callback that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.pending[0];
      if (next === undefined || next.at > end) break;
      this.pending.shift();
      this.wall += Math.max(0, next.at - this.t);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.wall += end - this.t;
    this.t = end;
  }

  /** Moves time forward without running callbacks (the page was not running script). */
  stall(ms: number): void {
    this.t += ms;
    this.wall += ms;
  }

  /** Moves only the wall clock (a machine that slept where the monotonic clock stops). */
  sleepWall(ms: number): void {
    this.wall += ms;
  }
}
