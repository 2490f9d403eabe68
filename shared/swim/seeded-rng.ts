import type { Rng } from './rng';

const TWO_POW_32 = 0x1_0000_0000;

/** splitmix32: spreads one 32-bit seed into well-mixed state words. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/**
 * A small, fast, deterministic `Rng` (sfc32 seeded through splitmix32). The same seed always gives the
 * same sequence. Not for secrets. `seed` is taken modulo 2^32 (non-integers are truncated).
 */
export function seededRng(seed: number): Rng {
  const mix = splitmix32(Math.trunc(seed) >>> 0);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  // sfc32 warms up poorly on correlated state: discard a few outputs.
  const step = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) step();
  return { next: () => step() / TWO_POW_32 };
}

/** A uniform integer in 0..n-1. Throws `RangeError` unless `n` is a positive safe integer. */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new RangeError(`randomInt needs a positive integer, got ${n}`);
  // min() guards against an injected Rng that returns 1.0.
  return Math.min(n - 1, Math.floor(rng.next() * n));
}

/** Shuffles `array` in place (Fisher-Yates) and returns it. */
export function shuffle<E>(rng: Rng, array: E[]): E[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = array[i]!;
    array[i] = array[j]!;
    array[j] = tmp;
  }
  return array;
}
