/**
 * The one ordered timer queue of a host: timers come back in due order (ties in the order they were
 * submitted), however late the host gets to run them. A binary min-heap keyed by (due, seq), kept in
 * parallel arrays so a simulator with thousands of members allocates nothing per timer.
 *
 * The core asks for timers with `submitAfter`; a host must not hand them to independent `setTimeout`s,
 * whose callbacks a throttled or frozen page can run out of order. `HostLoop` owns one of these.
 */
export class TimerQueue<X> {
  private dues: number[] = [];
  private seqs: number[] = [];
  private items: X[] = [];
  private seq = 0;
  /** Scratch stack of `lastDueUpTo` (no allocation per call: the simulator books millions of wake-ups). */
  private readonly scan: number[] = [];

  /** Number of timers waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Due time of the earliest timer, or `Infinity` when empty. Doesn't change the queue. */
  peekDue(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.dues[0]!;
  }

  /**
   * The latest due time among the timers due at or before `limit`, or `-Infinity` when none is. Visits
   * only those timers (a heap's subtree under a later due holds nothing earlier). Doesn't change the queue.
   */
  lastDueUpTo(limit: number): number {
    let last = Number.NEGATIVE_INFINITY;
    const dues = this.dues;
    const stack = this.scan;
    stack.length = 0;
    if (dues.length > 0) stack.push(0);
    for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
      const d = dues[i]!;
      if (d > limit) continue;
      if (d > last) last = d;
      const child = 2 * i + 1;
      if (child < dues.length) stack.push(child);
      if (child + 1 < dues.length) stack.push(child + 1);
    }
    return last;
  }

  /**
   * The earliest due time among the timers `keep` accepts, or `Infinity` when it accepts none. Visits
   * the timers due before that one only (a heap's subtree under a later due holds nothing earlier).
   * Doesn't change the queue.
   */
  earliestDueWhere(keep: (item: X) => boolean): number {
    let best = Number.POSITIVE_INFINITY;
    const dues = this.dues;
    const stack = this.scan;
    stack.length = 0;
    if (dues.length > 0) stack.push(0);
    for (let i = stack.pop(); i !== undefined; i = stack.pop()) {
      const d = dues[i]!;
      if (d >= best) continue;
      if (keep(this.items[i]!)) {
        best = d;
        continue;
      }
      const child = 2 * i + 1;
      if (child < dues.length) stack.push(child);
      if (child + 1 < dues.length) stack.push(child + 1);
    }
    return best;
  }

  /** Adds a timer due at `due`. */
  push(due: number, item: X): void {
    const seq = this.seq++;
    let pos = this.items.length;
    this.dues.push(due);
    this.seqs.push(seq);
    this.items.push(item);
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pd = this.dues[parent]!;
      if (pd < due || (pd === due && this.seqs[parent]! < seq)) break;
      this.move(parent, pos);
      pos = parent;
    }
    this.dues[pos] = due;
    this.seqs[pos] = seq;
    this.items[pos] = item;
  }

  /** Removes and returns the earliest timer if it is due at or before `now`; otherwise `undefined`. */
  popDue(now: number): X | undefined {
    if (this.items.length === 0 || this.dues[0]! > now) return undefined;
    return this.pop();
  }

  /** Removes and returns the earliest timer, or `undefined` when empty. */
  pop(): X | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0]!;
    const due = this.dues.pop()!;
    const seq = this.seqs.pop()!;
    const item = this.items.pop()!;
    const size = n - 1;
    if (size > 0) {
      let pos = 0;
      for (;;) {
        let child = 2 * pos + 1;
        if (child >= size) break;
        const right = child + 1;
        if (right < size && this.before(right, child)) child = right;
        const cd = this.dues[child]!;
        if (cd > due || (cd === due && this.seqs[child]! > seq)) break;
        this.move(child, pos);
        pos = child;
      }
      this.dues[pos] = due;
      this.seqs[pos] = seq;
      this.items[pos] = item;
    }
    return top;
  }

  /** Pushes every timer back by `deltaMs` (order is kept). */
  shift(deltaMs: number): void {
    if (deltaMs === 0) return;
    for (let i = 0; i < this.dues.length; i++) this.dues[i] = this.dues[i]! + deltaMs;
  }

  /** Drops every timer (a crashed member's host is gone). */
  clear(): void {
    this.dues.length = 0;
    this.seqs.length = 0;
    this.items.length = 0;
  }

  private before(a: number, b: number): boolean {
    const da = this.dues[a]!;
    const db = this.dues[b]!;
    return da < db || (da === db && this.seqs[a]! < this.seqs[b]!);
  }

  private move(from: number, to: number): void {
    this.dues[to] = this.dues[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.items[to] = this.items[from]!;
  }
}
