import type { Identity } from './identity';
import type { Incarnation } from './member';
import type { Header, ProbeNumber } from './payload';

/** Timer tokens are u8 and wrap: a timer whose token is stale is ignored. */
export type TimerToken = number;

/** Timers are data. Hosts hand them back through `handleTimer` once `afterMs` has passed, in due order. */
export type Timer<T extends Identity> =
  | { readonly type: 'probe-random-member'; readonly token: TimerToken }
  | { readonly type: 'send-indirect-probe'; readonly probedId: T; readonly token: TimerToken }
  | {
      readonly type: 'change-suspect-to-down';
      readonly memberId: T;
      readonly incarnation: Incarnation;
      readonly token: TimerToken;
      /**
       * Shoal: set when this timer ends round `check` (1, 2, …) of the direct check a member gets
       * before it is declared Down; 0 when it ends the check a failed probe gets before its
       * suspicion is disseminated; absent for the suspicion timeout itself.
       */
      readonly check?: number;
    }
  | { readonly type: 'periodic-announce'; readonly token: TimerToken }
  | { readonly type: 'periodic-announce-down'; readonly token: TimerToken }
  | { readonly type: 'periodic-gossip'; readonly token: TimerToken }
  | { readonly type: 'remove-down'; readonly id: T };

/** What the core tells its host. Same set as foca 1.0's notifications. */
export type Notification<T extends Identity> =
  | { readonly type: 'member-up'; readonly id: T }
  | { readonly type: 'member-down'; readonly id: T }
  /** A member's identity was replaced by another with the same addr (e.g. a reloaded tab). */
  | { readonly type: 'rename'; readonly old: T; readonly new: T }
  /** We became part of a cluster (first member up after being idle). */
  | { readonly type: 'active' }
  /** We know no active member any more. */
  | { readonly type: 'idle' }
  /** We were declared Down and cannot rejoin on our own: a new identity is needed. */
  | { readonly type: 'defunct' }
  /** We were declared Down and rejoined with the renewed identity `id`. */
  | { readonly type: 'rejoin'; readonly id: T }
  | { readonly type: 'data-received'; readonly header: Header<T> }
  | { readonly type: 'data-sent'; readonly header: Header<T> }
  | { readonly type: 'probe-failed'; readonly probeNumber: ProbeNumber; readonly id: T };

/** Everything the core does to the outside world goes through these three calls. */
export interface Runtime<T extends Identity> {
  notify(notification: Notification<T>): void;
  sendTo(to: T, bytes: Uint8Array): void;
  submitAfter(timer: Timer<T>, afterMs: number): void;
}
