/**
 * Where the runtime reads time and sets its one timer. Injected so tests can drive a virtual clock;
 * the default reads `performance.now()` (monotonic) and `Date.now()` (wall, which keeps running
 * while a machine sleeps even where the monotonic clock stops).
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The host's clock. Reads the globals at call time, so fake timers installed later are honoured. */
export const systemClock: Clock = {
  now: () => globalThis.performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
