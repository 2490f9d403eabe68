import type { RateLimit } from './limits';

/**
 * Milliseconds from some fixed origin; injected so tests can step time by hand (and so this file, in
 * shared/, reads no clock). The server limits sockets with it, the mesh its links' relayed signals.
 */
export type Clock = () => number;

/**
 * A token bucket: `take()` spends one token if one is banked. Tokens refill continuously at
 * `ratePerSecond` up to `burst`, so a socket may burst and then keeps to the rate.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {
    this.tokens = limit.burst;
    this.updatedAt = clock();
  }

  /** Spends one token and returns true, or returns false and changes nothing when the bucket is empty. */
  take(): boolean {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.ratePerSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
