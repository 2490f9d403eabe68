import type { Identity } from './identity';
import type { ProbeNumber } from './payload';

/*
 * Lifeguard (Dadgar et al., 2018; memberlist's `awareness`), the parts that live at one member:
 *
 * - Local health: a score 0..`MAX_AWARENESS` of how much we doubt ourselves. It rises when our own
 *   probe fails without the relays' nacks that would show the network around us works, when we
 *   must refute a suspicion about ourselves, and when our timers fire late (a starved or throttled
 *   event loop); it falls by one with each probe that succeeds. Our probe timeouts and our probe
 *   period are multiplied by (score + 1): a member that can't keep time slows down before it accuses
 *   anyone.
 * - Nacks: a member asked to ping someone on our behalf (a PingReq) tells us, `NACK_AFTER` of the
 *   probe's indirect wait later, that the target did not answer it. A prober that got its nacks
 *   knows the relays hear it, so a silent target is the target's fault, not ours.
 */

/** memberlist's `AwarenessMaxMultiplier` is 8: the score goes up to 8, probes up to 9× slower. */
export const MAX_AWARENESS = 8;

/**
 * A timer this late (as a share of `probeRttMs`) counts against our health: it would have made our
 * probes time out on their own, whatever the target did.
 */
export const LATE_TIMER_SHARE = 0.5;

/** When a relay nacks, as a share of the indirect wait: the nack must reach the prober before its verdict. */
export const NACK_AFTER = 0.6;

/** On-time direct Acks in a row that take one step off the RTT back-off. */
export const RTT_DECAY_ACKS = 64;

/**
 * Our local health score and what scales with it, plus the RTT back-off: a direct Ack that comes
 * after the PingReqs went out (the link is slower than `probeRttMs`, e.g. 100–400 ms links under
 * lan's 300 ms) adds a step to the direct wait, up to what fits in the period, and
 * `RTT_DECAY_ACKS` on-time Acks take one off, so a slow link doesn't turn every probe indirect.
 */
export class LocalHealth {
  private current = 0;
  private backoff = 1;
  private onTime = 0;
  /** A late timer was noted since the last probe verdict; counted once per cycle. */
  private lateSinceVerdict = false;

  /** 0 (healthy) .. `MAX_AWARENESS`. */
  get score(): number {
    return this.current;
  }

  /** Adds `delta` (may be negative), kept within 0..`MAX_AWARENESS`. */
  apply(delta: number): void {
    this.current = Math.min(MAX_AWARENESS, Math.max(0, this.current + delta));
  }

  /** `ms` scaled by our doubt: × (score + 1). */
  scale(ms: number): number {
    return ms * (this.current + 1);
  }

  /** Remembers that a timer came `lateMs` late, if that is more than `thresholdMs`. */
  noteLateness(lateMs: number, thresholdMs: number): void {
    if (lateMs > thresholdMs) this.lateSinceVerdict = true;
  }

  /** Counts a late timer noted since the last verdict (+1 once), and forgets it. */
  settleLateness(): void {
    if (this.lateSinceVerdict) this.apply(1);
    this.lateSinceVerdict = false;
  }

  /** The direct wait's multiplier from late Acks: 1 .. the cap given to `noteAck`. */
  get rttBackoff(): number {
    return this.backoff;
  }

  /** A direct Ack of our probe came, after the PingReqs (`late`) or before; `cap` bounds the back-off. */
  noteAck(late: boolean, cap: number): void {
    if (late) {
      this.backoff = Math.min(cap, this.backoff + 1);
      this.onTime = 0;
    } else if (++this.onTime >= RTT_DECAY_ACKS) {
      this.backoff = Math.max(1, this.backoff - 1);
      this.onTime = 0;
    }
  }

  reset(): void {
    this.current = 0;
    this.lateSinceVerdict = false;
    this.backoff = 1;
    this.onTime = 0;
  }
}

/** A PingReq we relayed and whose target has not answered yet. */
interface Relayed<T extends Identity> {
  readonly origin: T;
}

/**
 * The PingReqs we relay, until the target answers (its IndirectAck) or the nack timer fires. Entries
 * go with the timer, so the map holds at most one period's PingReqs.
 */
export class RelayedProbes<T extends Identity> {
  private readonly pending = new Map<string, Relayed<T>>();

  private static key(targetAddr: string, originAddr: string, probeNumber: ProbeNumber): string {
    return `${targetAddr}\u0000${originAddr}\u0000${probeNumber}`;
  }

  get size(): number {
    return this.pending.size;
  }

  add(target: T, origin: T, probeNumber: ProbeNumber): void {
    this.pending.set(RelayedProbes.key(target.addr, origin.addr, probeNumber), { origin });
  }

  /** The target answered: no nack. */
  answered(target: T, origin: T, probeNumber: ProbeNumber): void {
    this.pending.delete(RelayedProbes.key(target.addr, origin.addr, probeNumber));
  }

  /** Ends the entry; true if the target never answered (a nack is due). */
  take(target: T, origin: T, probeNumber: ProbeNumber): boolean {
    return this.pending.delete(RelayedProbes.key(target.addr, origin.addr, probeNumber));
  }

  clear(): void {
    this.pending.clear();
  }
}
