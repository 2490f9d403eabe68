import type { Identity } from './identity';
import type { Incarnation } from './member';

/** Probe numbers are u8 on the wire and wrap like foca's. */
export type ProbeNumber = number;

/**
 * Every kind of message. Foca's set, plus Shoal's paged Feed (`feed-request` / `feed.next`), so a
 * joiner can pull the whole membership page by page instead of one Feed of ~150 members.
 */
export type Message<T extends Identity> =
  | { readonly type: 'ping'; readonly probeNumber: ProbeNumber }
  | { readonly type: 'ack'; readonly probeNumber: ProbeNumber }
  | { readonly type: 'ping-req'; readonly target: T; readonly probeNumber: ProbeNumber }
  | { readonly type: 'indirect-ping'; readonly origin: T; readonly probeNumber: ProbeNumber }
  | { readonly type: 'indirect-ack'; readonly target: T; readonly probeNumber: ProbeNumber }
  | { readonly type: 'forwarded-ack'; readonly origin: T; readonly probeNumber: ProbeNumber }
  | { readonly type: 'gossip' }
  | { readonly type: 'announce' }
  /** `next` is 0 on the last page, else the cursor the receiver asks for with `feed-request`. */
  | { readonly type: 'feed'; readonly next: number }
  | { readonly type: 'feed-request'; readonly cursor: number }
  | { readonly type: 'broadcast' }
  | { readonly type: 'turn-undead' };

export type MessageType = Message<Identity>['type'];

/** What every packet starts with. */
export interface Header<T extends Identity> {
  readonly src: T;
  readonly srcIncarnation: Incarnation;
  readonly dst: T;
  readonly message: Message<T>;
}
