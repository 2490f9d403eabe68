/**
 * SWIM packets in their link form on our links (PROTOCOL.md, "Link header", protocol 1.4): a link
 * is bound to its peer's addr, so a packet from us to the peer travels without the two addrs in its
 * header (`swim-link` frames), and one from the peer gets them back before the core reads it.
 *
 * A peer of protocol 1.3 or older drops a `swim-link` frame unread (an unknown frame kind), so we
 * send one only to a peer that told us it reads them: with a `hello` frame, or by sending us a
 * `swim-link` frame itself. Until then its packets go in full form, after a `hello` on the first one
 * and on every `HELLO_EVERY`-th (a hello can be lost like any frame; an old peer drops it, which
 * costs it one tiny frame in `HELLO_EVERY`). What we know of a peer lasts as long as its link: a
 * reloaded page may run another version.
 */
import { compactForLink, expandFromLink, type LinkAddrs, linkAddrs } from '../../shared/swim/index';
import { encodeFrame } from './frame';
import type { PeerAddr } from './mesh';

/** A full-form packet to a peer not known to read the link form carries a hello this often (the first too). */
export const HELLO_EVERY = 16;
/** Bit 0 of a hello's first payload byte: the sender reads `swim-link` frames. Other bits are reserved. */
const READS_LINK_FORM = 0b1;
const HELLO = encodeFrame('hello', new Uint8Array([READS_LINK_FORM]));

interface PeerState {
  readonly addrs: LinkAddrs;
  /** The peer told us it reads `swim-link` frames. */
  readsLinkForm: boolean;
  /** Full-form packets sent since we last said hello, while it has not. */
  fullSinceHello: number;
}

/** The frames that carry one SWIM packet: a hello first when one is due, then the packet's frame. */
export interface SwimFrames {
  readonly hello?: Uint8Array;
  readonly frame: Uint8Array;
}

/** What we know about each linked peer's framing, and the encoding and decoding that follow from it. */
export class SwimLinkForm {
  readonly #self: PeerAddr;
  readonly #peers = new Map<PeerAddr, PeerState>();
  /** Packets sent in their link form. */
  linkFormOut = 0;

  constructor(self: PeerAddr) {
    this.#self = self;
  }

  /**
   * The frames that carry `packet` to `to`: one `swim-link` frame when `to` reads them and the
   * packet's header names us and `to`; else a `swim` frame, after a hello when one is due.
   * Counts the hello as said.
   */
  encode(to: PeerAddr, packet: Uint8Array): SwimFrames {
    const peer = this.#peer(to);
    if (peer.readsLinkForm) {
      const compact = compactForLink(packet, peer.addrs);
      if (compact !== undefined) {
        this.linkFormOut += 1;
        return { frame: encodeFrame('swim-link', compact) };
      }
      return { frame: encodeFrame('swim', packet) };
    }
    const hello = peer.fullSinceHello % HELLO_EVERY === 0;
    peer.fullSinceHello += 1;
    const frame = encodeFrame('swim', packet);
    return hello ? { hello: HELLO, frame } : { frame };
  }

  /**
   * The full packet behind a `swim-link` frame's payload from `from` (its src is `from`, its dst
   * us), or `undefined` when the payload is not a link form (drop it). A valid one also tells us
   * `from` reads the link form.
   */
  expand(from: PeerAddr, payload: Uint8Array): Uint8Array | undefined {
    const peer = this.#peer(from);
    const packet = expandFromLink(payload, peer.addrs);
    if (packet !== undefined) peer.readsLinkForm = true;
    return packet;
  }

  /** A hello from `from`: from now on, our packets to it go in their link form if it says it reads them. */
  hello(from: PeerAddr, payload: Uint8Array): void {
    if (((payload[0] ?? 0) & READS_LINK_FORM) !== 0) this.#peer(from).readsLinkForm = true;
  }

  /** Whether we send `addr` its packets in their link form. */
  readsLinkForm(addr: PeerAddr): boolean {
    return this.#peers.get(addr)?.readsLinkForm === true;
  }

  /** The link to `addr` closed: whatever opens next may run another version. */
  forget(addr: PeerAddr): void {
    this.#peers.delete(addr);
  }

  #peer(addr: PeerAddr): PeerState {
    let peer = this.#peers.get(addr);
    if (peer === undefined) {
      peer = { addrs: linkAddrs(this.#self, addr), readsLinkForm: false, fullSinceHello: 0 };
      this.#peers.set(addr, peer);
    }
    return peer;
  }
}
