/**
 * Mesh-relayed signaling: sends our signals towards a member through open links, and forwards other
 * members' signals. A relay sends straight to the target when it holds a link to it; else along the
 * route its view gives (`nextHops`: the links one hop closer on a shortest path over the overlay, in a
 * large room); else to a few random open links (bounded fanout). Each hop spends one of the signal's
 * ttl, and copies already seen are dropped.
 *
 * What another member can make us relay is bounded (issue 11): a frame's ttl is at most
 * `MAX_RELAY_TTL` (checked when decoding), a relay forwards a frame on at most `relayForwardFanout`
 * links (1 by default: one frame, one line of copies), each link's relayed frames are rate-limited
 * (`relayRateLimit`), and an `unreachable` note counts only from the neighbour that sent it.
 */

import type { RateLimit } from '../../shared/signaling/limits';
import { TokenBucket } from '../../shared/signaling/token-bucket';
import { type Rng, shuffle } from '../../shared/swim/index';
import { BoundedSet } from './bounded-set';
import type { PeerAddr } from './mesh';
import type { RelayedSignal } from './signal-frame';
import type { SignalMessage } from './signal-message';

/** What the router needs from the mesh around it. */
export interface SignalRouterHost {
  readonly self: PeerAddr;
  readonly rng: Rng;
  readonly relayTtl: number;
  readonly relayFanout: number;
  readonly relayForwardFanout: number;
  readonly relayRateLimit: RateLimit;
  /** Monotonic milliseconds, for the per-link rate limit. */
  now(): number;
  isOpen(addr: PeerAddr): boolean;
  openPeers(): PeerAddr[];
  /**
   * The links one hop closer to `to` on a route over the overlay (any order; unlinked ones are
   * skipped; none: no path, so the origin falls back to the server). Undefined without an overlay
   * (a full mesh): the signal floods to a few random links instead.
   */
  nextHops(to: PeerAddr): readonly PeerAddr[] | undefined;
  /** Sends a relayed signal on the open link to `neighbour`; false when it could not. */
  sendSignalFrame(neighbour: PeerAddr, signal: RelayedSignal): boolean;
  /** A signal addressed to us arrived through the mesh. */
  deliver(from: PeerAddr, sessionId: string, data: SignalMessage): void;
}

/** Counters the router keeps, read into the mesh's stats. */
export interface SignalRouterStats {
  /** Signals we forwarded for others (one per copy sent). */
  relayed: number;
  /** Signal copies dropped because we had seen them already, or they ran out of hops. */
  relayDropped: number;
  /** Signals (ours or relayed) sent straight to their target, on our link to it. */
  sentDirect: number;
  /** Signals (ours or relayed) sent along a route over the overlay (`nextHops`). */
  sentRouted: number;
  /** Signals (ours or relayed) flooded to random links: no link to the target and no route. */
  sentFlooded: number;
  /** Relayed-signal frames dropped unread: their link was over `relayRateLimit`. */
  rateDropped: number;
}

const SEEN_CAPACITY = 4096;

export class SignalRouter {
  readonly stats: SignalRouterStats = {
    relayed: 0,
    relayDropped: 0,
    sentDirect: 0,
    sentRouted: 0,
    sentFlooded: 0,
    rateDropped: 0,
  };
  readonly #host: SignalRouterHost;
  readonly #seen = new BoundedSet<string>(SEEN_CAPACITY);
  /** One token bucket per link that sent us signal frames; dropped with the link. */
  readonly #buckets = new Map<PeerAddr, TokenBucket>();
  #seq = 0;

  constructor(host: SignalRouterHost) {
    this.#host = host;
  }

  /**
   * Sends `data` towards `to` through the mesh. Returns the neighbours the signal left through (none:
   * no open link could take it, so the caller falls back to the server).
   */
  originate(to: PeerAddr, sessionId: string, data: SignalMessage): PeerAddr[] {
    const host = this.#host;
    this.#seq += 1;
    const signal: RelayedSignal = {
      sessionId,
      seq: this.#seq,
      from: host.self,
      to,
      ttl: host.relayTtl,
      data,
    };
    this.#seen.add(seenKey(signal));
    return this.#route(signal, undefined);
  }

  /**
   * Whether one more signal frame from `neighbour` is within its link's rate (spends a token); counts
   * the frame as dropped when it is not. Call before decoding, so a flood costs no parsing.
   */
  admit(neighbour: PeerAddr): boolean {
    let bucket = this.#buckets.get(neighbour);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#host.relayRateLimit, () => this.#host.now());
      this.#buckets.set(neighbour, bucket);
    }
    if (bucket.take()) return true;
    this.stats.rateDropped += 1;
    return false;
  }

  /** Forgets a closed link's rate-limit state. */
  linkClosed(neighbour: PeerAddr): void {
    this.#buckets.delete(neighbour);
  }

  /** Handles a relayed signal that arrived on the link to `neighbour`. */
  handle(neighbour: PeerAddr, signal: RelayedSignal): void {
    const host = this.#host;
    // `unreachable` is a first hop's note to its neighbour, never relayed: from anyone else it is forged.
    const forgedNote =
      signal.data.type === 'unreachable' && (signal.from !== neighbour || signal.to !== host.self);
    if (forgedNote || signal.from === host.self || !this.#seen.add(seenKey(signal))) {
      this.stats.relayDropped += 1;
      return;
    }
    if (signal.to === host.self) {
      host.deliver(signal.from, signal.sessionId, signal.data);
      return;
    }
    const sent = signal.ttl > 0 ? this.#route({ ...signal, ttl: signal.ttl - 1 }, neighbour) : [];
    this.stats.relayed += sent.length;
    if (sent.length > 0) return;
    this.stats.relayDropped += 1;
    // The first hop tells the origin at once, so it falls back to the server without waiting.
    if (neighbour === signal.from && signal.data.type !== 'unreachable') {
      this.#seq += 1;
      host.sendSignalFrame(neighbour, {
        sessionId: signal.sessionId,
        seq: this.#seq,
        from: host.self,
        to: neighbour,
        ttl: 0,
        data: { type: 'unreachable' },
      });
    }
  }

  /** Sends `signal` on its way; returns the neighbours it left through and counts how. */
  #route(signal: RelayedSignal, cameFrom: PeerAddr | undefined): PeerAddr[] {
    const host = this.#host;
    if (host.isOpen(signal.to)) {
      const sent = host.sendSignalFrame(signal.to, signal) ? [signal.to] : [];
      if (sent.length > 0) this.stats.sentDirect += 1;
      return sent;
    }
    const usable = (addr: PeerAddr) => addr !== cameFrom && addr !== signal.from && addr !== host.self;
    const route = host.nextHops(signal.to);
    if (route !== undefined) {
      // Over the overlay: one hop closer each time (the ttl covers its diameter).
      // The origin sends on a few first hops for redundancy; each relay on one, so copies don't
      // multiply by the fanout at every hop (measured: 12,000 routed copies for 30 members).
      const routed = this.#sendToSome(
        route.filter((addr) => usable(addr) && host.isOpen(addr)),
        signal,
        cameFrom === undefined ? host.relayFanout : 1,
      );
      if (routed.length > 0) {
        this.stats.sentRouted += 1;
        return routed;
      }
      // A relay never floods: in a room of hundreds a flood costs every member CPU for each link
      // anyone sets up. Our own signal with no open hop on a path (a joiner holds only its bootstrap
      // links) goes to a few open links, which route it on.
      if (cameFrom !== undefined) return [];
    }
    const flooded = this.#sendToSome(
      host.openPeers().filter(usable),
      signal,
      cameFrom === undefined ? host.relayFanout : host.relayForwardFanout,
    );
    if (flooded.length > 0) this.stats.sentFlooded += 1;
    return flooded;
  }

  /** Sends to up to `most` (default `relayFanout`) of `candidates`, chosen at random; returns those that took it. */
  #sendToSome(
    candidates: readonly PeerAddr[],
    signal: RelayedSignal,
    most = this.#host.relayFanout,
  ): PeerAddr[] {
    const host = this.#host;
    return shuffle(host.rng, [...candidates])
      .slice(0, most)
      .filter((addr) => host.sendSignalFrame(addr, signal));
  }
}

function seenKey(signal: RelayedSignal): string {
  return `${signal.from}/${signal.sessionId}/${signal.seq}`;
}
