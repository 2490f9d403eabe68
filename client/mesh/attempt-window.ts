/**
 * How many of our own link attempts (offers, and requests that a peer offer to us) may be under way at
 * once: a window that halves when an attempt times out or its connection fails, and grows by one for
 * each link that opens (TCP's congestion response, applied to link set-up). Each attempt is an
 * `RTCPeerConnection` on one side or the other, an ICE gathering and a DTLS handshake on both CPUs.
 * On a starved machine (a cold start of many members on two cores) attempts past what the CPUs can
 * finish within the connect timeout all time out and are retried with new connection objects, which
 * Chrome frees only on garbage collection (~500 a page): measured 2026-12-02, 100 members in 10
 * Chromium pages made up to 1,283 a page in 3 minutes, with 0 links open on the worst page. With the
 * window a starved member finishes a few links at a time instead of failing many. On a quiet machine
 * no attempt times out and the window never binds: it starts at `max` (the link budget).
 *
 * A peer whose attempts keep failing (unreachable, gone) halves the window only on its first failure
 * in a row, so one dead peer cannot hold the window at 1. Pure state: no clock.
 */
export class AttemptWindow {
  #size: number;

  /** Throws `RangeError` unless `max` is an integer ≥ 1. */
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer ≥ 1, got ${max}`);
    this.#size = max;
  }

  /** Attempts that may be under way at once now (1..max). */
  get limit(): number {
    return Math.max(1, Math.floor(this.#size));
  }

  /** Times the window shrank (counted in the mesh's stats as `attemptWindowShrunk`). */
  shrunk = 0;

  /**
   * How much longer than the connect timeout an attempt may take now: 2 once the window is down to a
   * quarter of `max` or less (attempts kept timing out: a starved machine, where a handshake that is
   * given up is started again from nothing), else 1.
   */
  get timeoutScale(): number {
    return this.limit * 4 <= this.max ? 2 : 1;
  }

  /** A link opened (ours or a peer's): one more attempt may run at once, up to `max`. */
  opened(): void {
    this.#size = Math.min(this.max, this.#size + 1);
  }

  /**
   * An attempt of ours timed out or its connection failed, after `failuresBefore` failures in a row to the same
   * peer: halves the window on the first of a streak, else changes nothing.
   */
  failed(failuresBefore: number): void {
    if (failuresBefore > 0) return;
    const before = this.limit;
    this.#size = Math.max(1, this.#size / 2);
    if (this.limit < before) this.shrunk += 1;
  }
}
