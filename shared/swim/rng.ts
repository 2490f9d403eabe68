/** Injected randomness: the core never calls Math.random. The same seed gives the same run. */
export interface Rng {
  /** A uniformly distributed float in [0, 1). */
  next(): number;
}
