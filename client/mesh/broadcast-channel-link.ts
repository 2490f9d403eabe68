/**
 * A link driver over BroadcastChannel, for tabs of one browser profile (same origin): no WebRTC, no
 * RTCPeerConnection from the budget. Each link is a channel of its own, named by a random link id that
 * the offer carries; a BroadcastChannel never hears its own posts, so each end hears only the other.
 *
 *   initiator: open channel L, signal { type: 'offer', link: L }
 *   responder: open channel L, signal { type: 'answer', link: L }
 *   initiator: post 'ready', open;   responder: on 'ready', open
 *
 * Posts from one channel arrive in order, so 'ready' is heard before any frame. `destroy()` posts
 * 'close', which closes the other end. A tab that dies posts nothing: its link stays open and silent at
 * the peer (probes decide, as for a WebRTC link whose peer crashed).
 */
import type { CreateLinkOptions, Link, LinkDriver, LinkHandlers } from './link';

/** The part of `BroadcastChannel` used here (the browser's and Node's both fit). */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** Opens a channel by name: `(name) => new BroadcastChannel(name)` in a browser or in Node. */
export type OpenBroadcastChannel = (name: string) => BroadcastChannelLike;

export interface BroadcastChannelDriverInit {
  readonly openChannel: OpenBroadcastChannel;
  /** Prefix of every link channel's name (the room's channel name), so rooms never share one. */
  readonly prefix: string;
}

const LINK_ID_RE = /^[0-9a-f]{32}$/;

/** A random 128-bit link id, in hex. */
export function randomHexId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** A `LinkDriver` whose links are BroadcastChannels between tabs of one browser. */
export function createBroadcastChannelDriver(init: BroadcastChannelDriverInit): LinkDriver {
  return { createLink: (options) => new BroadcastChannelLink(init, options) };
}

type LinkPost =
  | { readonly t: 'ready' }
  | { readonly t: 'data'; readonly bytes: Uint8Array }
  | { readonly t: 'close' };

class BroadcastChannelLink implements Link {
  readonly #init: BroadcastChannelDriverInit;
  readonly #handlers: LinkHandlers;
  readonly #initiator: boolean;
  #linkId: string | undefined;
  #channel: BroadcastChannelLike | undefined;
  #open = false;
  #done = false;

  constructor(init: BroadcastChannelDriverInit, options: CreateLinkOptions) {
    this.#init = init;
    this.#handlers = options.handlers;
    this.#initiator = options.initiator;
    if (options.initiator) {
      const linkId = randomHexId();
      this.#listen(linkId);
      this.#defer(() => this.#handlers.signal({ type: 'offer', link: linkId }));
    }
  }

  signal(data: object): void {
    if (this.#done) return;
    const { type, link } = data as { type?: unknown; link?: unknown };
    const valid = typeof link === 'string' && LINK_ID_RE.test(link);
    if (!this.#initiator && type === 'offer' && valid && this.#linkId === undefined) {
      this.#listen(link);
      this.#defer(() => this.#handlers.signal({ type: 'answer', link }));
    } else if (this.#initiator && type === 'answer' && link === this.#linkId && !this.#open) {
      this.#post({ t: 'ready' });
      this.#opened();
    } else if (!valid || (type !== 'offer' && type !== 'answer')) {
      this.#defer(() => this.#finish('bad signal'));
    }
    // Anything else is a resent offer or answer for this same link: already handled.
  }

  send(bytes: Uint8Array): boolean {
    if (this.#done || !this.#open) return false;
    return this.#post({ t: 'data', bytes });
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#post({ t: 'close' });
    this.#channel?.close();
    this.#channel = undefined;
  }

  #listen(linkId: string): void {
    this.#linkId = linkId;
    const channel = this.#init.openChannel(`${this.#init.prefix}/link/${linkId}`);
    channel.onmessage = (event) => this.#receive(event.data);
    this.#channel = channel;
  }

  #receive(post: unknown): void {
    if (this.#done || typeof post !== 'object' || post === null) return;
    const { t, bytes } = post as { t?: unknown; bytes?: unknown };
    if (t === 'ready' && !this.#initiator) this.#opened();
    else if (t === 'data' && this.#open && bytes instanceof Uint8Array) this.#handlers.data(bytes);
    else if (t === 'close') this.#finish('closed by peer');
  }

  #post(post: LinkPost): boolean {
    try {
      this.#channel?.postMessage(post);
      return this.#channel !== undefined;
    } catch {
      // A closed channel throws: the link is gone already.
      return false;
    }
  }

  #opened(): void {
    if (this.#open) return;
    this.#open = true;
    this.#defer(() => this.#handlers.open());
  }

  #finish(reason: string): void {
    if (this.#done) return;
    this.destroy();
    this.#handlers.close(reason);
  }

  /** Runs a handler after the current call returns, unless the link was destroyed meanwhile. */
  #defer(fn: () => void): void {
    queueMicrotask(() => {
      if (!this.#done) fn();
    });
  }
}
