/** How long a peer waits before another attempt at a link, after attempts that failed. */
import type { Rng } from '../../shared/swim/index';

export interface Backoff {
  /** The first retry's ceiling; it doubles with every further failure. */
  readonly baseMs: number;
  /** Cap on the ceiling. */
  readonly maxMs: number;
  readonly rng: Rng;
}

/**
 * The delay before the retry that follows `failures` consecutive failed attempts (1 for the first):
 * exponential up to the cap, then jittered to between half and all of it, so peers that failed
 * together do not retry together. Draws one number from `rng`.
 */
export function retryDelay(backoff: Backoff, failures: number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (backoff.rng.next() * ceiling) / 2);
}
