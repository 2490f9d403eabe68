import type { Incarnation } from './member';
import type { ProbeNumber } from './payload';

/** How many direct checks a suspect gets, one probe period each, before we declare it Down. */
export const CHECK_ROUNDS = 2;

/**
 * How much longer a member that only heard of a suspicion waits than the member whose probe failed.
 * The prober's Down normally reaches it first, so its own timer is a backstop for a lost Down, not
 * a second detector: a crash costs one check, not one per member.
 */
export const HEARD_SUSPICION_FACTOR = 2;

interface Check {
  readonly incarnation: Incarnation;
  round: number;
  probeNumber: ProbeNumber;
  answered: boolean;
}

/**
 * Suspects whose suspicion timed out at our end and that we are checking ourselves before
 * declaring them Down (Shoal; foca declares Down at once). When every member times suspicions out
 * on its own, one member that missed every copy of a refutation would otherwise condemn a live
 * member, and Down is final. A check pings the suspect, with the suspicion attached so it can
 * refute, and asks a few others to ping it; an Ack to that ping, or a ForwardedAck for it, is
 * proof of life. Entries live only while a check runs; all go when timers go stale.
 */
export class SuspicionChecks {
  private readonly checks = new Map<string, Check>();
  private nextNumber: ProbeNumber = 0;

  get size(): number {
    return this.checks.size;
  }

  /** The running check of `addr` for this incarnation, if any. */
  get(addr: string, incarnation: Incarnation): Readonly<Check> | undefined {
    const c = this.checks.get(addr);
    return c !== undefined && c.incarnation === incarnation ? c : undefined;
  }

  /** Starts (or moves to) round `round` for `addr`; returns the probe number its pings carry. */
  beginRound(addr: string, incarnation: Incarnation, round: number): ProbeNumber {
    this.nextNumber = (this.nextNumber + 1) & 0xff;
    const c = this.checks.get(addr);
    if (c !== undefined && c.incarnation === incarnation) {
      c.round = round;
      c.probeNumber = this.nextNumber;
    } else {
      this.checks.set(addr, { incarnation, round, probeNumber: this.nextNumber, answered: false });
    }
    return this.nextNumber;
  }

  /**
   * Records an Ack from `addr`, or a ForwardedAck for it, if it answers the current round. Only a
   * round trip counts: a member that can talk to us but not hear us is not reachable.
   */
  answered(addr: string, probeNumber: ProbeNumber): void {
    const c = this.checks.get(addr);
    if (c !== undefined && c.probeNumber === probeNumber) c.answered = true;
  }

  end(addr: string): void {
    this.checks.delete(addr);
  }

  clear(): void {
    this.checks.clear();
  }
}
