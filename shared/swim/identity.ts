/**
 * What a member is. Like foca's `Identity`: members are stored by `addr`; two identities with the
 * same `addr` are the same member in different lives, and the core keeps at most one of them.
 */
export interface Identity {
  /** The key a member is stored by (a `Map` key). Equal addrs mean the same member. */
  readonly addr: string;
  /** Whole-identity equality: same addr and same life (e.g. generation). */
  equals(other: this): boolean;
  /**
   * A new identity with the same addr, for automatic rejoin after this one was declared Down.
   * `undefined` disables auto-rejoin. Doesn't affect any state.
   */
  renew(): this | undefined;
  /** Decides an addr conflict between two identities with the same addr: true if `this` stays. */
  winsAddrConflict(other: this): boolean;
  /** Short human form, for logs and errors. */
  toString(): string;
}
