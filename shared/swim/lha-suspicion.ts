import type { Invalidates } from './broadcast';
import { feedKey } from './feed-page';
import type { Identity } from './identity';
import type { Incarnation, Member } from './member';
import { heldAs } from './members';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { signed } from './statements';
import { suspicionTimedOut } from './suspicion-checks';

/*
 * Lifeguard's LHA-suspicion (memberlist's `suspicion`): with Lifeguard on, a suspicion's timeout
 * starts long and shrinks as independent confirmations come in, so one slow accuser alone can't
 * condemn anyone, while a real crash, which everyone who looks confirms, still times out at the
 * short end:
 *
 *   timeout(C) = max(min, max − (max − min) · log(C + 1) / log(K + 1))
 *
 * C counts the accusers after the first, K = min(`LHA_CONFIRMATIONS`, members − 2) and
 * max = `LHA_MAX_TIMEOUT_MULT` × min. An accuser is a member that found the suspect silent: whoever
 * published or re-confirmed the suspicion after its own probe or check failed, and the relays that
 * nacked a check (each pinged the suspect itself and heard nothing). Accusers travel with the
 * Suspect update as 16-bit tags (PROTOCOL.md, protocol 1.2); a set that grows is gossiped again.
 *
 * The core has no clock, so the timeout is a ladder of timers armed when the suspicion starts, one
 * per confirmation level c = K..0 at timeout(c): the timer of level c times the suspicion out if by
 * then C ≥ c. A confirmation that arrives after the timer of its level fired times it out at once.
 */

/** memberlist's `SuspicionMaxTimeoutMult`: an unconfirmed suspicion waits this many times the minimum. */
export const LHA_MAX_TIMEOUT_MULT = 6;

/** memberlist's `SuspicionMult` − 2: confirmations that bring the timeout down to the minimum. */
export const LHA_CONFIRMATIONS = 2;

/** A member's tag as an accuser: its feed key (16 bits of FNV-1a of its addr, PROTOCOL.md). */
export function accuserTag(addr: string): number {
  return feedKey(addr);
}

/** Confirmations expected for a suspicion when we hold `numActive` active members (the suspect included). */
export function expectedConfirmations(numActive: number): number {
  // memberlist clips K to n − 2 with n counting us and the suspect: here numActive − 1.
  return Math.max(0, Math.min(LHA_CONFIRMATIONS, numActive - 1));
}

/** The timeout after `c` of `k` confirmations, between `minMs` and `LHA_MAX_TIMEOUT_MULT` × `minMs`. */
export function lhaTimeoutMs(minMs: number, c: number, k: number): number {
  if (k < 1 || c >= k) return minMs;
  const maxMs = minMs * LHA_MAX_TIMEOUT_MULT;
  const frac = Math.log(c + 1) / Math.log(k + 1);
  return Math.max(minMs, maxMs - (maxMs - minMs) * frac);
}

/** One suspicion we time out with LHA. */
export interface LhaSuspicion {
  readonly incarnation: Incarnation;
  /** Distinct accuser tags, the first accuser first; at most `k` + 1 are kept (more change nothing). */
  readonly accusers: number[];
  readonly k: number;
  /** Ladders numbered from this one on count; a suspicion watched anew ignores its older ones. */
  firstEpoch: number;
  /** The newest ladder's number. */
  epoch: number;
  /** Lowest level whose timer has fired in a ladder that counts (its deadline passed); k + 1 before. */
  reached: number;
  /** The suspicion timed out (checks run): the rest of its ladder does nothing. */
  expired: boolean;
}

/** The LHA suspicions we run, by addr; entries go when their last timer fires or timers turn stale. */
export class LhaSuspicions {
  private readonly byAddr = new Map<string, LhaSuspicion>();
  private nextEpoch = 0;

  get size(): number {
    return this.byAddr.size;
  }

  get(addr: string, incarnation: Incarnation): LhaSuspicion | undefined {
    const s = this.byAddr.get(addr);
    return s !== undefined && s.incarnation === incarnation ? s : undefined;
  }

  /**
   * Starts a new ladder for `addr`, keeping the accusers known for this incarnation and adding
   * `accusers`, and returns the suspicion; the caller arms the ladder's timers with its `epoch`. With
   * `alongside` the running ladders still count (whichever times out first wins), else they are void.
   */
  start(
    addr: string,
    incarnation: Incarnation,
    k: number,
    accusers: readonly number[],
    alongside: boolean,
  ): LhaSuspicion {
    const old = this.get(addr, incarnation);
    this.nextEpoch++;
    let s: LhaSuspicion;
    if (old !== undefined && alongside) {
      s = old;
      s.epoch = this.nextEpoch;
    } else {
      s = {
        incarnation,
        accusers: old === undefined ? [] : old.accusers,
        k,
        firstEpoch: this.nextEpoch,
        epoch: this.nextEpoch,
        reached: k + 1,
        expired: false,
      };
      this.byAddr.set(addr, s);
    }
    addAccusers(s, accusers);
    return s;
  }

  delete(addr: string): void {
    this.byAddr.delete(addr);
  }

  clear(): void {
    this.byAddr.clear();
  }
}

/** Adds the tags not known yet (up to k + 1 in all); returns whether the set grew. */
export function addAccusers(s: LhaSuspicion, tags: readonly number[]): boolean {
  let grew = false;
  for (const t of tags) {
    if (s.accusers.length > s.k) break;
    if (!s.accusers.includes(t)) {
      s.accusers.push(t);
      grew = true;
    }
  }
  return grew;
}

/** Confirmations of `s`: accusers after the first. */
export function confirmations(s: LhaSuspicion): number {
  return Math.max(0, s.accusers.length - 1);
}

/**
 * Starts (or restarts, keeping its accusers) the LHA suspicion of `id` at `incarnation`, adding
 * `accusers`, and arms a ladder: the timer of level c fires at `lhaTimeoutMs(minMs, c, k)`. With
 * `alongside` a running ladder keeps counting (see `LhaSuspicions.start`).
 * Returns the suspicion; the caller disseminates its accusers.
 */
export function startLhaSuspicion<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  minMs: number,
  accusers: readonly number[],
  alongside: boolean,
  runtime: Runtime<T>,
): LhaSuspicion {
  const k = expectedConfirmations(m.table.numActive);
  const s = m.lha.start(id.addr, incarnation, k, accusers, alongside);
  for (let level = s.k; level >= 0; level--) {
    runtime.submitAfter(
      { type: 'suspicion-level', memberId: id, incarnation, token: m.token, level, epoch: s.epoch },
      lhaTimeoutMs(minMs, level, s.k),
    );
  }
  return s;
}

/** A `suspicion-level` timer: the deadline of `level` confirmations passed. */
export function suspicionLevelReached<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  level: number,
  epoch: number,
  runtime: Runtime<T>,
): void {
  const s = m.lha.get(id.addr, incarnation);
  if (s === undefined || epoch < s.firstEpoch) return;
  if (!holdsSuspect(m, id, incarnation)) {
    m.lha.delete(id.addr);
    return;
  }
  s.reached = Math.min(s.reached, level);
  timeOutIfDue(m, id, s, runtime);
}

/**
 * Adds `tags` to the accusers of our suspicion of `id` at `incarnation`, if we run one: a set that
 * grew is gossiped again (others' timeouts shrink too), and a suspicion whose deadline for its new
 * count of confirmations has passed times out now. Returns whether the set grew.
 */
export function confirmSuspicion<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
  tags: readonly number[],
  runtime: Runtime<T>,
  given?: Member<T>,
): boolean {
  const s = m.lha.get(id.addr, incarnation);
  if (s === undefined || !holdsSuspect(m, id, incarnation) || !addAccusers(s, tags)) return false;
  // With statements each accuser's signed Suspect travels alone (the accusation that brought the
  // news, or ours when our own probe confirmed it): unsigned tags would be dropped everywhere.
  const plain: Member<T> = { id, incarnation, state: 'suspect', accusers: s.accusers.slice() };
  const update = m.statements === undefined ? plain : (given ?? signed(m, plain, true));
  m.out.updates.add(update, m.measure(update), m.config.maxTransmissions);
  timeOutIfDue(m, id, s, runtime);
  return true;
}

function timeOutIfDue<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  s: LhaSuspicion,
  runtime: Runtime<T>,
): void {
  if (s.expired || confirmations(s) < s.reached) return;
  s.expired = true;
  suspicionTimedOut(m, id, s.incarnation, runtime);
}

function holdsSuspect<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  id: T,
  incarnation: Incarnation,
): boolean {
  const rec = m.table.get(id.addr);
  return rec !== undefined && heldAs(id, incarnation, 'suspect')(rec);
}
