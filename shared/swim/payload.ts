import type { Identity } from './identity';
import type { Incarnation } from './member';

/** Probe numbers are u8 on the wire and wrap like foca's. */
export type ProbeNumber = number;

/**
 * Every kind of message. Foca's set, plus Shoal's paged Feed (`feed-request` / `feed.next`), so a
 * joiner can pull the whole membership page by page instead of one Feed of ~150 members,
 * Lifeguard's `nack`, and anti-entropy's `sync` / `sync-page`.
 */
export type Message<T extends Identity> =
  /** A probe: answered with an Ack carrying the same probe number. */
  | { readonly type: 'ping'; readonly probeNumber: ProbeNumber }
  /** The answer to a Ping; counts only for the probe number we sent. */
  | { readonly type: 'ack'; readonly probeNumber: ProbeNumber }
  /** "Ping `target` for me": the receiver sends `target` an IndirectPing. */
  | { readonly type: 'ping-req'; readonly target: T; readonly probeNumber: ProbeNumber }
  /** A Ping on behalf of `origin`: answered to the sender (the relay) with an IndirectAck. */
  | { readonly type: 'indirect-ping'; readonly origin: T; readonly probeNumber: ProbeNumber }
  /** The probed member's answer, to the relay, which forwards it to `target` (the prober). */
  | { readonly type: 'indirect-ack'; readonly target: T; readonly probeNumber: ProbeNumber }
  /** Relayed proof that `origin` (the probed member) answered: counts as its Ack. */
  | { readonly type: 'forwarded-ack'; readonly origin: T; readonly probeNumber: ProbeNumber }
  /** Carries updates and custom broadcasts only; asks for nothing. */
  | { readonly type: 'gossip' }
  /**
   * "Let me join": answered with a Feed. May name an older identity of ours as `dst`. Shoal (protocol
   * 1.6, a periodic announce with anti-entropy and signed statements): `digest` says what the sender
   * holds, so the Feed leaves out what it would only repeat (see `AnnounceDigest`).
   */
  | { readonly type: 'announce'; readonly digest?: AnnounceDigest }
  /** Active members; `next` is 0 on the last page, else the cursor the receiver asks for with `feed-request`. */
  | { readonly type: 'feed'; readonly next: number }
  /** Asks for the Feed page from `cursor` on. */
  | { readonly type: 'feed-request'; readonly cursor: number }
  /** Carries custom broadcasts (no updates). */
  | { readonly type: 'broadcast' }
  /** "You are Down to me": the receiver rejoins with a renewed identity, or goes Undead. */
  | { readonly type: 'turn-undead' }
  /**
   * Lifeguard: the answer of a relay to our PingReq `probeNumber` whose target did not answer it in
   * time. Shows the prober that the network around it works (see local-health.ts).
   */
  | { readonly type: 'nack'; readonly probeNumber: ProbeNumber }
  /**
   * Shoal, anti-entropy (anti-entropy.ts): the sender's view digest. `total` covers its active members
   * and itself; `buckets` holds one byte per bucket of the feed-key space cut into 2^`bits`, hashed
   * with `salt` (u16, new each time). Answered with `sync-page`s of the buckets that differ, or with
   * nothing when the views agree.
   */
  | {
      readonly type: 'sync';
      readonly total: number;
      readonly salt: number;
      readonly bits: number;
      readonly buckets: Uint8Array;
    }
  /**
   * Shoal, anti-entropy: every member the sender holds (Down ones too) whose feed key is in
   * [`from`, `to`], in key order. `last`: the receiver must not answer it with a page of its own.
   */
  | { readonly type: 'sync-page'; readonly from: number; readonly to: number; readonly last: boolean };

/**
 * What a periodic announce says the sender holds (protocol 1.6): a receiver whose own `members` digest
 * equals it answers with a Feed that lists no members, and one whose `items` digest equals it leaves
 * the retained custom broadcasts out (both are the same set, up to a 32-bit hash).
 */
export interface AnnounceDigest {
  /** `ViewDigest.total`: the addrs of the sender's active members and its own. */
  readonly members: number;
  /** `itemsDigest` of the sender's retained custom broadcasts. */
  readonly items: number;
}

/** The `type` of a `Message`. */
export type MessageType = Message<Identity>['type'];

/** What every packet starts with. */
export interface Header<T extends Identity> {
  /** The sender; an accepted packet makes it Alive at `srcIncarnation` for the receiver. */
  readonly src: T;
  /** The sender's incarnation: how it refutes a suspicion, in every packet it sends. */
  readonly srcIncarnation: Incarnation;
  /** Whom the sender means to reach: a packet for another identity (an older life) is `not-for-us`. */
  readonly dst: T;
  readonly message: Message<T>;
}
