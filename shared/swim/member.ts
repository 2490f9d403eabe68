import type { Identity } from './identity';

/**
 * A member's state, as in SWIM with suspicion: Alive, Suspect (a probe failed; it has until its
 * suspicion times out to refute), Down (final for this identity). Alive and Suspect are "active".
 */
export type MemberState = 'alive' | 'suspect' | 'down';

/** Incarnations are u16 on the wire; they never wrap (overflow makes the member rejoin or go Undead). */
export type Incarnation = number;

/** One piece of membership information: who, in which incarnation, in which state. */
export interface Member<T extends Identity> {
  readonly id: T;
  /** Raised only by the member itself, to refute a suspicion; a higher one wins (see members.ts `OVERRIDES`). */
  readonly incarnation: Incarnation;
  readonly state: MemberState;
  /**
   * Lifeguard only (LHA-suspicion): with a Suspect, the 16-bit tags (`accuserTag`) of members known to
   * have found it silent, the first accuser first. Absent on every other update and without Lifeguard,
   * so foca's wire form is unchanged.
   */
  readonly accusers?: readonly number[];
  /**
   * With `SwimInit.statements` (statements.ts): the signer's proof (`PROOF_BYTES`) over this update,
   * by the member itself (its Alive or its leave) or, with `accuser`, by its accuser. Absent otherwise.
   */
  readonly proof?: Uint8Array | undefined;
  /** With `proof`, on a Suspect or Down: the member that accuses, and signed the accusation. */
  readonly accuser?: T;
}
