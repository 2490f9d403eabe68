import type { Identity } from './identity';

/** A member's state, as in SWIM with suspicion. */
export type MemberState = 'alive' | 'suspect' | 'down';

/** Incarnations are u16 on the wire; they never wrap (overflow makes the member rejoin or go Undead). */
export type Incarnation = number;

/** One piece of membership information: who, in which incarnation, in which state. */
export interface Member<T extends Identity> {
  readonly id: T;
  readonly incarnation: Incarnation;
  readonly state: MemberState;
}
