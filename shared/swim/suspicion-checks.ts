import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { Incarnation, Member } from './member';
import { heldAs } from './members';
import type { ProbeNumber } from './payload';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { canCheck, chooseIndirect, directRetries } from './topology';

/*
 * Shoal's checks (foca has none): before a failed probe is published as a suspicion, and before a
 * timed-out suspect is declared Down, the member is pinged again, directly and through a few
 * others, one probe period per round. Each kind of round ends with its own timer:
 *
 * | timer                    | armed when                          | delivered, no answer came    | an answer came              |
 * |--------------------------|-------------------------------------|------------------------------|-----------------------------|
 * | `check-before-suspect`   | our probe of an Alive member failed | Suspect, and tell it at once | nothing: nobody hears of it |
 * | `change-suspect-to-down` | we learn of a suspicion (foca's)    | round 1 of the check         | (n/a)                       |
 * | `check-before-down`      | round < `checkRounds` began         | the next round               | watched for another timeout |
 * | `check-before-down`      | the last round began (or a Down accusation made this one the last) | Down, and TurnUndead | watched for another timeout |
 *
 * `checkRounds` is `Config.checkRounds` (default `CHECK_ROUNDS`); with `Config.gossipDownAtOnce`
 * the Down our check concluded is gossiped at once. With `Config.accusedRoundEndsOnNacks`, a round a
 * Down accusation made the last ends early, at its relays' nacks (`endAccusedRoundIfSilent`); with
 * `Config.heardSuspicionAsOwn`, a suspicion we only heard of is timed out as the prober times its own.
 *
 * Every timer is ignored once the member refuted, was renamed or went Down, and when its round is
 * not the current one.
 */

/** How many direct checks a suspect gets, one probe period each, before we declare it Down. */
export const CHECK_ROUNDS = 2;

/** A check asks this many times `numIndirectProbes` relays to ping the member. */
export const CHECK_RELAY_FACTOR = 3;

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
  /** Addrs of the relays asked in the current round. */
  relays: readonly string[];
  /** LHA (Lifeguard): accuser tags of the relays that nacked any round (they found it silent too). */
  readonly nackers: number[];
  /** A Down accusation came while this check ran: its current round is its last (accusations.ts). */
  final: boolean;
  /** Addrs of the relays that nacked the current round. */
  roundNackers: string[];
}

/**
 * The members we are checking ourselves: a failed probe's member before we suspect it (round 0),
 * and suspects whose suspicion timed out at our end, before we declare them Down (rounds 1 on;
 * foca declares Down at once). When every member times suspicions out
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
      c.relays = [];
      c.roundNackers = [];
    } else {
      this.checks.set(addr, {
        incarnation,
        round,
        probeNumber: this.nextNumber,
        answered: false,
        relays: [],
        nackers: [],
        final: false,
        roundNackers: [],
      });
    }
    return this.nextNumber;
  }

  /**
   * Makes the current round of `addr`'s check (round 1 on) its last: if it ends unanswered, the member
   * is declared Down then rather than after more rounds. Returns whether such a check runs.
   */
  makeFinal(addr: string, incarnation: Incarnation): boolean {
    const c = this.checks.get(addr);
    if (c === undefined || c.incarnation !== incarnation || c.round === 0) return false;
    c.final = true;
    return true;
  }

  /** Records the relays asked in the current round of `addr`'s check. */
  setRelays(addr: string, relays: readonly string[]): void {
    const c = this.checks.get(addr);
    if (c !== undefined) c.relays = relays;
  }

  /**
   * Records a Nack from `from` for the round with `probeNumber`, if `from` was one of its relays.
   * Returns the checked member's addr, its check and whether `from` is a new accuser, or undefined
   * when the nack counts for nothing (not for a current round, or a copy).
   */
  nacked(
    from: string,
    tag: number,
    probeNumber: ProbeNumber,
  ): [string, Readonly<Check>, boolean] | undefined {
    for (const [addr, c] of this.checks) {
      if (c.probeNumber !== probeNumber || !c.relays.includes(from)) continue;
      if (c.roundNackers.includes(from)) return undefined;
      c.roundNackers.push(from);
      if (c.nackers.includes(tag)) return [addr, c, false];
      c.nackers.push(tag);
      return [addr, c, true];
    }
    return undefined;
  }

  /**
   * Records an Ack from `addr`, or a ForwardedAck for it, if it answers the current round. Only a
   * round trip counts: a member that can talk to us but not hear us is not reachable.
   */
  answered(addr: string, probeNumber: ProbeNumber): void {
    const c = this.checks.get(addr);
    if (c !== undefined && c.probeNumber === probeNumber) c.answered = true;
  }

  /**
   * Records a late answer to the probe whose failure started the check before suspecting `addr`
   * (round 0): the verdict comes before the period ends, and an answer after it is proof of life.
   */
  answeredBeforeSuspect(addr: string): void {
    const c = this.checks.get(addr);
    if (c !== undefined && c.round === 0) c.answered = true;
  }

  end(addr: string): void {
    this.checks.delete(addr);
  }

  clear(): void {
    this.checks.clear();
  }
}

/** Our probe of `id` (Alive at `incarnation`) failed: check it once more before suspecting it. */
export function checkBeforeSuspect<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  runtime: Runtime<T>,
): void {
  runCheckRound(m, id, incarnation, 0, runtime);
}

/** A `check-before-suspect` timer: silent through a second probe too, now we suspect it. */
export function endCheckBeforeSuspect<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  runtime: Runtime<T>,
): void {
  const addr = id.addr;
  const running = m.checks.get(addr, incarnation);
  if (running === undefined || running.round !== 0) return;
  m.checks.end(addr);
  // If it answered, the failed probe was bad luck and nobody ever hears of it.
  if (running.answered) return;
  const s = m.suspect(id, incarnation, heldAs(id, incarnation, 'alive'), runtime, running.nackers);
  if (s === undefined || !s.applySuccessful) {
    // Someone else's suspicion reached us meanwhile: ours (and our relays' nacks) confirm it.
    m.confirmSuspicion(id, incarnation, [m.accuserTag, ...running.nackers], runtime);
    return;
  }
  // And tell the suspect at once (its Ack would carry the refutation): the sooner it refutes, the
  // shorter the suspicion's life and the fewer members that time it out.
  const suspicion: Member<T> = { id, incarnation, state: 'suspect' };
  m.send(id, { type: 'ping', probeNumber: m.probe.probeNumber }, runtime, suspicion);
  // Its hearers time it out on their own clocks (`heardSuspicionAsOwn`): the sooner they hear, the
  // sooner after ours their Downs come.
  if (m.heardSuspicionAsOwn) m.gossip(runtime);
}

/**
 * A `change-suspect-to-down` timer: the suspicion of `id` at `incarnation` timed out. Shoal checks
 * the suspect (round 1) instead of declaring it Down at once, unless a check already runs.
 */
export function suspicionTimedOut<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  runtime: Runtime<T>,
): void {
  if (!stillSuspect(m, id, incarnation)) return;
  if (m.checks.get(id.addr, incarnation) !== undefined) return;
  if (!canCheck(m, id)) {
    // Overlay mode and no link to it: through relays, loss looks like silence. Its ring neighbours
    // judge it; their Down (or its refutation) reaches us. Wait another timeout.
    m.armSuspicionTimeout(id, incarnation, m.heardSuspicionWaitMs, runtime);
    return;
  }
  runCheckRound(m, id, incarnation, 1, runtime);
}

/**
 * A `check-before-down` timer: round `round` of our check of the suspect ended. It is declared
 * Down only after `CHECK_ROUNDS` rounds without a sign of life.
 */
export function endCheckBeforeDown<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  round: number,
  runtime: Runtime<T>,
): void {
  if (!stillSuspect(m, id, incarnation)) return;
  const addr = id.addr;
  const running = m.checks.get(addr, incarnation);
  if (running === undefined || running.round !== round) return;
  if (running.answered) {
    // Alive, though its refutation hasn't reached us: watch it for another timeout.
    m.checks.end(addr);
    m.armSuspicionTimeout(id, incarnation, m.suspicionWaitMs, runtime);
    return;
  }
  if (round < m.checkRounds && !running.final) {
    runCheckRound(m, id, incarnation, round + 1, runtime);
    return;
  }
  m.checks.end(addr);
  if (!m.declareDown(id, incarnation, runtime)) return;
  // Shoal: only a member this check declared Down gets a TurnUndead. Foca also sends it to a
  // member that refuted in time, turning lost packets into forced rejoins.
  if (m.config.notifyDownMembers) m.send(id, { type: 'turn-undead' }, runtime);
  // Every other member checks the Down once more when it hears it (downIsAccusation): not waiting
  // for the next periodic gossip puts that round up to a gossip interval sooner.
  if (m.config.gossipDownAtOnce === true) m.gossip(runtime);
}

/** Whether we still hold `id` Suspect at `incarnation`. If not (refuted, renamed, Down), its check ends. */
function stillSuspect<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
): boolean {
  const rec = m.table.get(id.addr);
  if (rec !== undefined && heldAs(id, incarnation, 'suspect')(rec)) return true;
  if (m.checks.get(id.addr, incarnation) !== undefined) m.checks.end(id.addr);
  return false;
}

/**
 * Pings the member directly and through a few others, and arms the timer that ends the round.
 * From round 1 on the Ping carries the suspicion, so the suspect can refute; round 0 comes before
 * any suspicion.
 */
export function runCheckRound<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  round: number,
  runtime: Runtime<T>,
): void {
  const probeNumber = m.checks.beginRound(id.addr, incarnation, round);
  const extra: Member<T> | undefined = round > 0 ? { id, incarnation, state: 'suspect' } : undefined;
  m.send(id, { type: 'ping', probeNumber }, runtime, extra);
  // Three times a probe's relays: a check is the last word before a suspicion (which costs every member
  // maxTransmissions sends of it and of its refutation) or a Down. At 25 % loss a relayed round trip
  // fails 68 % of the time, so 3 relays leave a live member silent in 14 % of checks, 9 in 1.4 %.
  const wanted = m.config.numIndirectProbes * CHECK_RELAY_FACTOR;
  chooseIndirect(m, id, m.choice, wanted);
  const relays = m.choice.splice(0);
  for (let i = directRetries(m, relays.length, wanted); i > 0; i--) {
    m.send(id, { type: 'ping', probeNumber }, runtime, extra);
  }
  if (m.lifeguard)
    m.checks.setRelays(
      id.addr,
      relays.map((r) => r.addr),
    );
  for (const via of relays) m.send(via, { type: 'ping-req', target: id, probeNumber }, runtime);
  const token = m.token;
  runtime.submitAfter(
    round === 0
      ? { type: 'check-before-suspect', memberId: id, incarnation, token }
      : { type: 'check-before-down', memberId: id, incarnation, token, round },
    m.config.probePeriodMs,
  );
}

/**
 * A Nack from `from` (Lifeguard): if it answers a round of one of our checks, `from` pinged the member
 * itself and heard nothing, an independent accuser for LHA. Before the suspicion is published
 * (round 0) it is kept for it; after, it confirms the suspicion we hold.
 */
export function checkNacked<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  from: T,
  probeNumber: ProbeNumber,
  runtime: Runtime<T>,
): void {
  const hit = m.checks.nacked(from.addr, m.accuserTagOf(from), probeNumber);
  if (hit === undefined) return;
  const [addr, check, news] = hit;
  const rec = m.table.get(addr);
  if (check.round === 0 || rec === undefined) return;
  if (news) m.confirmSuspicion(rec.id, check.incarnation, [m.accuserTagOf(from)], runtime);
  endAccusedRoundIfSilent(m, rec.id, check.incarnation, runtime);
}

/**
 * With `Config.accusedRoundEndsOnNacks`: the round of our check of `id` that a Down accusation made
 * final ends now, with a Down, if nothing answered it and at least half its relays nacked (each
 * pinged the member itself and heard nothing). The accuser's own check already waited out the
 * suspicion, so a stall that outlasts ours is one that outlasted its; our round only has to show
 * that the member is silent to us too, and a relay's nack comes most of a relayed round trip after
 * its ping, when the relays that heard an answer have forwarded it.
 */
export function endAccusedRoundIfSilent<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  runtime: Runtime<T>,
): void {
  if (m.config.accusedRoundEndsOnNacks !== true) return;
  const c = m.checks.get(id.addr, incarnation);
  if (c === undefined || !c.final || c.answered || c.round === 0 || c.relays.length === 0) return;
  if (2 * c.roundNackers.length < c.relays.length) return;
  endCheckBeforeDown(m, id, incarnation, c.round, runtime);
}
