/**
 * The WebRTC link driver: one simple-peer per link, one unordered, unreliable data channel (SWIM
 * retransmits by itself; a late packet is worse than a lost one), non-trickle so the offer and the
 * answer are one signal each.
 */
import type { Link, LinkDriver, LinkHandlers } from './link';
import type { SimplePeerInstance, SimplePeerRuntime } from './simple-peer-types';

export interface SimplePeerDriverInit {
  readonly runtime: SimplePeerRuntime;
  /** STUN/TURN servers; none by default, which works on a LAN and on loopback. */
  readonly iceServers?: readonly RTCIceServer[];
  /** `'relay'`: TURN candidates only. Default: the platform's (`'all'`). */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** How long simple-peer waits for ICE gathering before sending what it has. Its default is 5,000 ms. */
  readonly iceCompleteTimeoutMs?: number;
}

const CHANNEL_CONFIG: RTCDataChannelInit = { ordered: false, maxRetransmits: 0 };

export function createSimplePeerDriver(init: SimplePeerDriverInit): LinkDriver {
  const { SimplePeer, wrtc } = init.runtime;
  const iceServers = [...(init.iceServers ?? [])];
  return {
    createLink({ initiator, handlers }) {
      const peer = new SimplePeer({
        initiator,
        trickle: false,
        channelConfig: CHANNEL_CONFIG,
        config: {
          iceServers,
          ...(init.iceTransportPolicy === undefined ? {} : { iceTransportPolicy: init.iceTransportPolicy }),
        },
        ...(init.iceCompleteTimeoutMs === undefined ? {} : { iceCompleteTimeout: init.iceCompleteTimeoutMs }),
        ...(wrtc === undefined ? {} : { wrtc }),
      });
      return new SimplePeerLink(peer, handlers);
    },
  };
}

class SimplePeerLink implements Link {
  readonly #peer: SimplePeerInstance;
  readonly #handlers: LinkHandlers;
  #done = false;

  constructor(peer: SimplePeerInstance, handlers: LinkHandlers) {
    this.#peer = peer;
    this.#handlers = handlers;
    peer.on('signal', (data) => {
      if (!this.#done) handlers.signal(data);
    });
    peer.on('connect', () => {
      if (!this.#done) handlers.open();
    });
    if (typeof peer._onChannelMessage === 'function') {
      // simple-peer pushes each message into a Node stream, which books its bookkeeping with
      // process.nextTick: in the browser build, a setTimeout(0) task per message (and a Buffer copy).
      // Its channel's onmessage calls this method by name, so an own property takes the message first.
      peer._onChannelMessage = (event) => {
        if (!this.#done && peer.destroyed !== true) handlers.data(toBytes(event.data));
      };
    } else {
      peer.on('data', (chunk) => {
        if (!this.#done) handlers.data(toBytes(chunk));
      });
    }
    peer.on('error', (error) => this.#finish(error.message));
    peer.on('close', () => this.#finish('closed'));
  }

  signal(data: object): void {
    if (this.#done) return;
    try {
      this.#peer.signal(data);
    } catch (error) {
      this.#finish(`bad signal: ${String(error)}`);
    }
  }

  send(bytes: Uint8Array): boolean {
    if (this.#done || !this.#peer.connected) return false;
    try {
      this.#peer.send(bytes);
      return true;
    } catch {
      return false; // The channel closed under us; its 'close' follows.
    }
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#peer.destroy();
  }

  #finish(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#peer.destroy();
    this.#handlers.close(reason);
  }
}

const EMPTY = new Uint8Array(0);

/** A Buffer (Node) or Uint8Array (browser) as a plain Uint8Array view; anything else as empty. */
function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  return EMPTY;
}
