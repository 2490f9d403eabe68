/**
 * Two families, as in h11: the peer sent something we can't take (remote, returned as a value), or
 * the host misused the core (local, thrown as a named error).
 */

/** Why `handleData` (or another input from the network) was refused. What happened to state: nothing, unless said. */
export type RemoteErrorKind =
  /** Bigger than `maxPacketSize`. Nothing changed. */
  | 'data-too-big'
  /** The header's src is our own addr. Nothing changed. */
  | 'data-from-ourselves'
  /** An indirect-ping/indirect-ack that names us as the target or origin. Nothing changed. */
  | 'indirect-for-ourselves'
  /** Packet shape is wrong: bad counts, trailing bytes, a message kind not allowed here. Nothing changed. */
  | 'malformed-packet'
  /** The codec could not read the bytes. Nothing changed. */
  | 'decode'
  /** The broadcast handler refused an item. Membership updates in the same packet were applied. */
  | 'custom-broadcast'
  /**
   * Packet addressed to an older identity of ours, or dropped because we are Undead. Nothing changed,
   * except that a sender addressing an older identity of ours is sent a Gossip from our current one.
   */
  | 'not-for-us';

/** A refused input from the network: `kind` says what happened to state, `message` is for logs. */
export interface RemoteError {
  readonly kind: RemoteErrorKind;
  readonly message: string;
}

/**
 * The result of an input that came from the network: never thrown. A host may count or log errors;
 * it need not do anything else, since the core's state is as the error kind says.
 */
export type HandleResult = { readonly ok: true } | { readonly ok: false; readonly error: RemoteError };

abstract class SwimError extends Error {
  abstract override readonly name: string;
}

/**
 * The operation needs the instance to be connected to a cluster (e.g. a current probe timer
 * delivered while idle, which a host that delivers timers as given never does). Nothing changed.
 */
export class NotConnectedError extends SwimError {
  static readonly NAME = 'NotConnectedError';
  override readonly name = NotConnectedError.NAME;
}

/** `changeIdentity` was given the identity we already have. Nothing changed. */
export class SameIdentityError extends SwimError {
  static readonly NAME = 'SameIdentityError';
  override readonly name = SameIdentityError.NAME;
}

/** `reuseDownIdentity` was called while we are not Undead. Nothing changed. */
export class NotUndeadError extends SwimError {
  static readonly NAME = 'NotUndeadError';
  override readonly name = NotUndeadError.NAME;
}

/**
 * A config that can't work, or a change that can't be applied at run time (e.g. enabling periodic
 * gossip). Nothing changed: the constructor builds nothing, `setConfig` keeps the old config.
 */
export class InvalidConfigError extends SwimError {
  static readonly NAME = 'InvalidConfigError';
  override readonly name = InvalidConfigError.NAME;
}

/** Encoding failed (e.g. a single item bigger than the packet). State is unchanged: we encode before mutating. */
export class EncodeError extends SwimError {
  static readonly NAME = 'EncodeError';
  override readonly name = EncodeError.NAME;
}

/** Data given to `addBroadcast` is too big for a packet or was refused by the handler. Nothing changed. */
export class BroadcastError extends SwimError {
  static readonly NAME = 'BroadcastError';
  override readonly name = BroadcastError.NAME;
}
