import type { Identity } from './identity';
import type { Incarnation } from './member';
import type { ProbeNumber } from './payload';

/**
 * One probe cycle at a time, as foca's `Probe`: a direct Ping to one member, then (if no Ack came
 * within the round-trip time) PingReqs through a few others. The probe number is a u8 that wraps, so
 * a late Ack from an older cycle is ignored.
 */
export class Probe<T extends Identity> {
  private target: T | undefined;
  private targetIncarnation: Incarnation = 0;
  private readonly indirect: T[] = [];
  private number: ProbeNumber = 0;
  private directAckOk = false;
  private indirectAcks = 0;
  private reachedIndirectStage = false;
  private readonly nacked: T[] = [];
  /** The member and probe number of the last cycle judged failed: a late answer still counts for its check. */
  private failedAddr: string | undefined;
  private failedNumber: ProbeNumber = 0;

  /** Starts probing `target` (forgetting any unfinished cycle); returns the new probe number. */
  start(target: T, incarnation: Incarnation): ProbeNumber {
    this.clear();
    this.target = target;
    this.targetIncarnation = incarnation;
    this.number = (this.number + 1) & 0xff;
    return this.number;
  }

  get probeNumber(): ProbeNumber {
    return this.number;
  }

  /** The member being probed, if any. */
  get probed(): T | undefined {
    return this.target;
  }

  /** Ends the cycle without a verdict. Keeps the probe number, so stale acks stay stale. */
  clear(): void {
    this.target = undefined;
    this.indirect.length = 0;
    this.directAckOk = false;
    this.indirectAcks = 0;
    this.reachedIndirectStage = false;
    this.nacked.length = 0;
  }

  /** Whether the PingReqs of this cycle went out (an Ack now came later than the RTT). */
  get indirectStageReached(): boolean {
    return this.reachedIndirectStage;
  }

  markIndirectStageReached(): void {
    this.reachedIndirectStage = true;
  }

  /** A cycle is complete if none started, or its indirect stage was reached (the host delivered that timer). */
  validate(): boolean {
    return this.target === undefined || this.reachedIndirectStage;
  }

  isProbing(id: T): boolean {
    return this.target?.equals(id) === true;
  }

  succeeded(): boolean {
    return this.directAckOk || this.indirectAcks > 0;
  }

  /**
   * If the cycle failed, ends it and returns who failed with the incarnation it had when probed;
   * otherwise undefined (and the cycle is left as it is).
   */
  takeFailed(): { id: T; incarnation: Incarnation } | undefined {
    if (this.target === undefined || this.succeeded()) return undefined;
    const failed = { id: this.target, incarnation: this.targetIncarnation };
    this.failedAddr = this.target.addr;
    this.failedNumber = this.number;
    this.target = undefined;
    return failed;
  }

  /** Records a direct Ack; true if it is the one expected (right member, right probe number). */
  receiveAck(from: T, probeNumber: ProbeNumber): boolean {
    if (probeNumber !== this.number || this.target === undefined || !this.target.equals(from)) return false;
    this.directAckOk = true;
    return true;
  }

  expectIndirectAck(from: T): void {
    this.indirect.push(from);
  }

  /** How many relays were asked to probe in this cycle. */
  get relaysAsked(): number {
    return this.indirect.length + this.indirectAcks;
  }

  /** Relays that nacked in this cycle. */
  get nacksReceived(): number {
    return this.nacked.length;
  }

  /**
   * Records a Nack (Lifeguard): `from`, asked to probe in this cycle, says the target did not answer
   * it. Counts once per relay; the relay can still forward a late Ack. True if it counted.
   */
  receiveNack(from: T, probeNumber: ProbeNumber): boolean {
    if (probeNumber !== this.number || this.target === undefined) return false;
    if (!this.indirect.some((r) => r.equals(from)) || this.nacked.some((r) => r.equals(from))) return false;
    this.nacked.push(from);
    return true;
  }

  /**
   * Whether an Ack (from the probed member, or forwarded for it) answers the cycle judged failed
   * last: the verdict comes before the period ends, and a late answer is still proof of life.
   */
  answersFailed(addr: string, probeNumber: ProbeNumber): boolean {
    return this.failedAddr === addr && this.failedNumber === probeNumber;
  }

  /** Records a ForwardedAck; true if `from` was asked to probe in this cycle (each counts once). */
  receiveIndirectAck(from: T, probeNumber: ProbeNumber): boolean {
    if (probeNumber !== this.number) return false;
    const list = this.indirect;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.equals(from)) {
        list[i] = list[list.length - 1]!;
        list.pop();
        this.indirectAcks++;
        return true;
      }
    }
    return false;
  }
}
