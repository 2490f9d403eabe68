/**
 * Where a host reads time and sets its timers. The one clock abstraction of the tree: shared/ code
 * never reads a clock itself (it takes `now` as an argument), so only the layers that own a real or
 * virtual clock implement this; the client's `systemClock` reads the page's.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (keeps running while a machine sleeps). */
  wallNow(): number;
  /** Runs `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a callback set with `setTimeout`; a stale or unknown handle is ignored. */
  clearTimeout(handle: unknown): void;
}
