import type { Identity } from './identity';
import type { Incarnation } from './member';
import type { Header, ProbeNumber } from './payload';

/**
 * Timer tokens are u8 and wrap. The core changes its token whenever it drops its schedule (going
 * idle, Undead, a new identity); a timer carrying another token is then ignored on delivery, so a
 * host never has to cancel anything.
 */
export type TimerToken = number;

/**
 * Timers are data: the core asks for one with `submitAfter(timer, afterMs)` and the host must hand
 * the same value back through `handleTimer` once `afterMs` has passed. Hosts treat them as opaque:
 * keep them in one queue ordered by due time (ties in submission order) and deliver every one, late
 * if need be (a hidden tab's timers fire up to 1 s late; the core tolerates that), never early and
 * never dropped. A stale one (old token, old incarnation, a member since refuted or renamed) is
 * ignored by the core, so delivering it is always safe.
 */
export type Timer<T extends Identity> =
  /** Starts the next probe cycle (and judges the previous one). One runs per period while connected. */
  | { readonly type: 'probe-random-member'; readonly token: TimerToken }
  /** The probe of `probedId` had no Ack within `probeRttMs`: ask others to ping it. */
  | { readonly type: 'send-indirect-probe'; readonly probedId: T; readonly token: TimerToken }
  /**
   * Shoal: the probe `probeNumber` of `probedId` is judged (`probe-failed`, then the check before
   * suspecting) a short indirect wait after its PingReqs went out, before the period ends. Ignored if
   * the cycle is over. If it is never delivered, the next `probe-random-member` judges, as foca.
   */
  | {
      readonly type: 'judge-probe';
      readonly probedId: T;
      readonly probeNumber: ProbeNumber;
      readonly token: TimerToken;
    }
  /**
   * Lifeguard: we relayed `origin`'s PingReq `probeNumber` to `target`; if `target` has not answered
   * by now, `origin` gets a Nack.
   */
  | {
      readonly type: 'send-nack';
      readonly origin: T;
      readonly target: T;
      readonly probeNumber: ProbeNumber;
      readonly token: TimerToken;
    }
  /**
   * foca's suspicion timeout: `memberId` has been Suspect at `incarnation` for its whole timeout.
   * Ignored if it refuted (a higher incarnation), was renamed or is already Down. Shoal then checks
   * it (`check-before-down`) instead of declaring it Down at once.
   */
  | {
      readonly type: 'change-suspect-to-down';
      readonly memberId: T;
      readonly incarnation: Incarnation;
      readonly token: TimerToken;
    }
  /**
   * Shoal: the check a failed probe gets before anyone hears a suspicion ended (one period). If
   * `memberId` answered, nothing happens; if it stayed silent and is still Alive at `incarnation`,
   * it becomes Suspect.
   */
  | {
      readonly type: 'check-before-suspect';
      readonly memberId: T;
      readonly incarnation: Incarnation;
      readonly token: TimerToken;
    }
  /**
   * Shoal: round `round` (1 … `CHECK_ROUNDS`) of the check a timed-out suspect gets before it is
   * declared Down ended (one period each). Silent through the last round: Down. Answered: watched
   * for another suspicion timeout. Ignored if the suspect refuted, or for a round not current.
   */
  | {
      readonly type: 'check-before-down';
      readonly memberId: T;
      readonly incarnation: Incarnation;
      readonly token: TimerToken;
      readonly round: number;
    }
  /**
   * Lifeguard only (LHA-suspicion, lha-suspicion.ts): the suspicion of `memberId` at `incarnation` has
   * run as long as its timeout with `level` confirmations; if it has that many by now, it timed out
   * (as `change-suspect-to-down`). Ignored for a ladder (`epoch`) since replaced, or as that timer is.
   */
  | {
      readonly type: 'suspicion-level';
      readonly memberId: T;
      readonly incarnation: Incarnation;
      readonly token: TimerToken;
      readonly level: number;
      readonly epoch: number;
    }
  /** Announce to a few active members (heals partitions); re-arms itself. Only with `periodicAnnounce`. */
  | { readonly type: 'periodic-announce'; readonly token: TimerToken }
  /** Announce to a few Down members; re-arms itself. Only with `periodicAnnounceToDownMembers`. */
  | { readonly type: 'periodic-announce-down'; readonly token: TimerToken }
  /** Gossip the backlog to a few members; re-arms itself. Only with `periodicGossip`. */
  | { readonly type: 'periodic-gossip'; readonly token: TimerToken }
  /**
   * Shoal, anti-entropy: compare our view's digest with a random member (`sync`); re-arms itself.
   * Only with `SwimInit.antiEntropy`.
   */
  | { readonly type: 'anti-entropy'; readonly token: TimerToken }
  /**
   * Forget `id` if it is still Down (`removeDownAfterMs` after it went Down). Carries no token:
   * it stays valid across idle periods and identity changes; a member that came back is kept.
   */
  | { readonly type: 'remove-down'; readonly id: T };

/**
 * What the core tells its host, in the order things happened. Same set as foca 1.0's. A host must
 * deliver every notification, in order: the membership a host keeps from `member-up`, `member-down`
 * and `rename` is only right if none is lost or reordered.
 */
export type Notification<T extends Identity> =
  /** `id` became active (Alive or Suspect) from unknown or Down. */
  | { readonly type: 'member-up'; readonly id: T }
  /** `id` went Down (declared by us or learned from others), or was replaced by a Down identity. */
  | { readonly type: 'member-down'; readonly id: T }
  /**
   * A member's identity `old` was replaced by `new`, same addr (e.g. a reloaded tab). Always comes
   * before the `member-up` of `new` when the rename also made it active: apply the rename first.
   * A rename of an active member to an active one is not followed by `member-up`.
   */
  | { readonly type: 'rename'; readonly old: T; readonly new: T }
  /** We became part of a cluster: the first member became active while we were idle. Probing starts. */
  | { readonly type: 'active' }
  /** We know no active member any more: probing stops until one is heard from. */
  | { readonly type: 'idle' }
  /**
   * We were declared Down (or left) and cannot rejoin on our own: packets are dropped until the host
   * calls `changeIdentity` or `reuseDownIdentity`.
   */
  | { readonly type: 'defunct' }
  /** We were declared Down and rejoined on our own with the renewed identity `id` (incarnation 0). */
  | { readonly type: 'rejoin'; readonly id: T }
  /** A packet was accepted (before anything in it was applied). Only with `dataNotifications`. */
  | { readonly type: 'data-received'; readonly header: Header<T> }
  /** A packet was handed to `sendTo`. Only with `dataNotifications`. */
  | { readonly type: 'data-sent'; readonly header: Header<T> }
  /** Our probe `probeNumber` of `id` got no Ack, direct or indirect, by its verdict (before the period ends). */
  | { readonly type: 'probe-failed'; readonly probeNumber: ProbeNumber; readonly id: T };

/**
 * Everything the core does to the outside world goes through these three calls, made synchronously
 * from inside an input (`handleData`, `handleTimer`, …). A host may act at once or queue the calls,
 * but must not call back into the core from inside them.
 */
export interface Runtime<T extends Identity> {
  /** Must deliver every notification, in the order given (see `Notification`). */
  notify(notification: Notification<T>): void;
  /**
   * Sends one packet to `to`, best effort (loss is fine: the protocol repairs it). The core may
   * reuse `bytes` after this returns: a host that sends later must copy them.
   */
  sendTo(to: T, bytes: Uint8Array): void;
  /**
   * Must hand `timer` back through `handleTimer` once `afterMs` has passed, in due order with the
   * other timers (see `Timer`). Never cancel one: stale timers are ignored by the core.
   */
  submitAfter(timer: Timer<T>, afterMs: number): void;
}
