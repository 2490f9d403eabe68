import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff';

const fixed = (x: number) => ({ next: () => x });

describe('retry delay', () => {
  it('doubles with each failure up to the cap, jittered between half and all of the ceiling', () => {
    const backoff = { baseMs: 100, maxMs: 1_000 };
    const lowest = [1, 2, 3, 4, 5, 6].map((n) => retryDelay({ ...backoff, rng: fixed(0) }, n));
    const highest = [1, 2, 3, 4, 5, 6].map((n) => retryDelay({ ...backoff, rng: fixed(0.999_999) }, n));
    expect(lowest).toEqual([50, 100, 200, 400, 500, 500]);
    expect(highest).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('stays finite after very many failures', () => {
    expect(retryDelay({ baseMs: 1_000, maxMs: 30_000, rng: fixed(0.5) }, 10_000)).toBe(22_500);
  });
});
