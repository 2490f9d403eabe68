import type { Clock } from '../../shared/host/clock';

export type { Clock } from '../../shared/host/clock';

/**
 * The page's clock: `performance.now()` (monotonic) and `Date.now()` (wall, which keeps running while
 * a machine sleeps even where the monotonic clock stops). Reads the globals at call time, so fake
 * timers installed later are honoured.
 */
export const systemClock: Clock = {
  now: () => globalThis.performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
