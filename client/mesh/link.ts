/**
 * A link driver: what the mesh needs from one point-to-point channel, so WebRTC (simple-peer) and the
 * in-memory network plug into the same connection manager, signaling and framing.
 */
import type { PeerAddr } from './mesh';

/** Callbacks a link makes to its owner. None fires after `destroy()`; `close` fires at most once. */
export interface LinkHandlers {
  /** The driver's offer (initiator) or answer (responder), complete: non-trickle, once per link. */
  signal(data: object): void;
  /** The channel is open: `send` works from now on. */
  open(): void;
  /** One frame arrived. */
  data(bytes: Uint8Array): void;
  /** The channel closed or failed (before or after opening). */
  close(reason: string): void;
}

/** One channel to one peer. */
export interface Link {
  /** Feeds the remote side's offer or answer. Bad data makes the link fail through `close`. */
  signal(data: object): void;
  /** Sends one frame; false when the channel is not open or refused the frame. */
  send(bytes: Uint8Array): boolean;
  /** Closes the channel and frees it. No handler fires afterwards. Idempotent. */
  destroy(): void;
}

export interface CreateLinkOptions {
  readonly self: PeerAddr;
  readonly peer: PeerAddr;
  /** The initiator creates the offer; the other side waits for it. */
  readonly initiator: boolean;
  readonly handlers: LinkHandlers;
}

/** Creates links; one per connection attempt (a failed attempt's link is destroyed, never reused). */
export interface LinkDriver {
  createLink(options: CreateLinkOptions): Link;
}
