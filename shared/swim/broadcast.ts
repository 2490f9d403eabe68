import type { Identity } from './identity';

/** A key that can tell whether it makes another one obsolete (a newer version of the same thing). */
export interface Invalidates {
  /** True if this key replaces `other` in the backlog (the other item is dropped). Must not throw. */
  invalidates(other: this): boolean;
  /**
   * Optional: keys of different scopes never invalidate each other (a member's addr, say). With a
   * scope the backlog finds what a new item replaces with one lookup; without one it asks every held
   * key, as foca does.
   */
  readonly scope?: string;
}

/**
 * Receives the application's custom broadcasts, as foca's `BroadcastHandler`.
 * `receiveItem` is called once per item received (and once by `addBroadcast`, with no sender):
 * return a key to keep disseminating the item, `undefined` when it is stale or already known.
 * Throwing means the item is malformed: the core reports a `custom-broadcast` error and keeps going.
 */
export interface BroadcastHandler<T extends Identity, K extends Invalidates = Invalidates> {
  receiveItem(item: Uint8Array, sender: T | undefined): K | undefined;
  /** Whether to attach custom broadcasts to a message for `member`. Defaults to true. */
  shouldAddBroadcastData?(member: T): boolean;
  /**
   * Shoal (protocol 1.6): an order-free u32 digest of the items the handler holds (the newest per key),
   * equal at two members exactly when they hold the same ones, up to the hash. A periodic announce
   * carries it, and a Feed answering a member whose digest equals ours repairs no items. Defaults to
   * `itemsDigest` of the core's retained store, which misses items a handler took by another path.
   */
  itemsDigest?(): number;
}
