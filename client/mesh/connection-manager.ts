/**
 * The connection manager: what the mesh asks of its links, and how each signal from a peer moves
 * them. The jobs it hands out: which links we take on (`ConnectionBudget`, `connection-policy.ts`),
 * each peer's state and its link (`link-lifecycle.ts`), how an attempt's signals travel and are
 * resent (`signal-session.ts`), and how long a failed attempt waits (`backoff.ts`).
 *
 * - Exactly one side of a pair initiates: the smaller addr. The larger addr, wanting a link, sends a
 *   `connect` request and waits for the offer, so both sides asking still makes one link.
 * - An offer that answers a request that came through the server goes through the server at once (the
 *   requester had no mesh path to us, so relayed copies of the offer could not reach it).
 *   The responder answers every copy of an offer on the path that copy came by.
 * - An attempt that has not opened after `connectTimeoutMs` is abandoned; peers the runtime asked for
 *   are retried with exponential backoff and jitter, others are forgotten.
 * - A working link is never closed for a new one, except when the initiator itself starts a newer
 *   session (then its side of the old link is gone), or a request comes from a new page of the same
 *   addr (our link went to the old page). A link that closes after opening is forgotten: the runtime
 *   calls `connect` again if it still wants it.
 */

import type { Logger } from '../../shared/host/index';
import { BoundedSet } from './bounded-set';
import { ConnectionBudget } from './connection-policy';
import type { LinkDriver } from './link';
import { type ConnectionHost, LinkLifecycle, type PeerState } from './link-lifecycle';
import type { PeerAddr } from './mesh';
import type { ResolvedMeshInit } from './mesh-init';
import { parseSessionId, type SessionId, type SignalMessage } from './signal-message';
import { reply, type SignalPath } from './signal-session';

/** Peers whose page instance `ConnectionManager` remembers (to tell a reloaded page's request). */
const KNOWN_INSTANCES = 1024;

export type { ConnectionHost } from './link-lifecycle';
export type { SignalPath } from './signal-session';

/** Counters the manager keeps, read into the mesh's stats. */
export interface ConnectionStats {
  /** Connections refused by the budget (ours asked by the runtime, or offers and requests from peers). */
  readonly refused: number;
  /** Attempts that failed (timeout, busy peer, channel failure) and were retried or given up. */
  readonly failedAttempts: number;
  /** Links (connection objects) ever created, ours and answers to peers'. */
  readonly linksCreated: number;
  /** Spare links closed to make room for a new one at the budget (`setSpare`). */
  readonly yielded: number;
  /** Our attempts that may run at once now (`attempt-window.ts`), and those waiting for it. */
  readonly attemptWindow: number;
  readonly attemptsQueued: number;
  /** Times the attempt window shrank (an attempt of ours timed out or its connection failed). */
  readonly attemptWindowShrunk: number;
}

export class ConnectionManager {
  readonly #self: PeerAddr;
  readonly #host: ConnectionHost;
  readonly #logger: Logger;
  readonly #budget: ConnectionBudget;
  readonly #links: LinkLifecycle;
  /** Offers we answered (`from/sessionId`), so a late copy of an old offer starts nothing. */
  readonly #answered = new BoundedSet<string>(1024);
  /** Peer → its page instance and stamp as last learned (offer, answer, request), kept after its link went. */
  readonly #instances = new Map<PeerAddr, SessionId>();
  #spare: (() => readonly PeerAddr[]) | undefined;
  #yielded = 0;
  #closed = false;

  constructor(init: ResolvedMeshInit, driver: LinkDriver, host: ConnectionHost) {
    this.#self = init.self;
    this.#host = host;
    this.#logger = init.logger;
    this.#budget = new ConnectionBudget(init.maxConnections, init.policy, init.logger);
    this.#links = new LinkLifecycle(init, driver, host);
  }

  get stats(): ConnectionStats {
    return {
      refused: this.#budget.refused,
      failedAttempts: this.#links.failedAttempts,
      linksCreated: this.#links.linksCreated,
      yielded: this.#yielded,
      attemptWindow: this.#links.attemptWindow.limit,
      attemptsQueued: this.#links.attemptsQueued,
      attemptWindowShrunk: this.#links.attemptWindow.shrunk,
    };
  }

  /**
   * Links the owner can spare (e.g. the overlay's lingering ones, longest unwanted first): at the
   * budget, a new link (asked for, or a peer's offer or request) takes the slot of the first one held
   * instead of being refused. `undefined`: none, the budget refuses.
   */
  setSpare(spare: (() => readonly PeerAddr[]) | undefined): void {
    this.#spare = spare;
  }

  /** Asks for a link; see `Mesh.connect`. */
  connect(addr: PeerAddr): boolean {
    if (this.#closed || addr === this.#self) return false;
    const existing = this.#links.get(addr);
    if (existing !== undefined) {
      existing.wanted = true;
      return true;
    }
    if (!this.#admit(addr)) return false;
    this.#links.startAttempt(this.#links.add(addr, true));
    return true;
  }

  /** Drops the link and forgets the peer; see `Mesh.disconnect`. */
  disconnect(addr: PeerAddr): void {
    const peer = this.#links.get(addr);
    if (peer === undefined) return;
    const wasOpen = peer.state.phase === 'open';
    this.#links.forget(peer);
    if (wasOpen) this.#host.linkClosed(addr);
  }

  /** Closes every link and refuses everything from now on. */
  close(): void {
    this.#closed = true;
    for (const addr of this.#links.held()) this.disconnect(addr);
  }

  isOpen(addr: PeerAddr): boolean {
    return this.#links.get(addr)?.state.phase === 'open';
  }

  /** Every peer held: `open`, or `opening` while negotiating or backing off before a retry. */
  links(): Map<PeerAddr, 'opening' | 'open'> {
    const links = new Map<PeerAddr, 'opening' | 'open'>();
    for (const peer of this.#links.peers())
      links.set(peer.addr, peer.state.phase === 'open' ? 'open' : 'opening');
    return links;
  }

  openPeers(): PeerAddr[] {
    const open: PeerAddr[] = [];
    for (const peer of this.#links.peers()) if (peer.state.phase === 'open') open.push(peer.addr);
    return open;
  }

  /** Sends a frame on the open link to `addr`; false when there is none or it refused. */
  sendFrame(addr: PeerAddr, bytes: Uint8Array): boolean {
    const state = this.#links.get(addr)?.state;
    return state?.phase === 'open' && state.link.send(bytes);
  }

  /** Peers per phase: `signaling` is negotiating, `waiting` is backing off before a retry. */
  counts(): Record<PeerState['phase'], number> {
    const counts = { waiting: 0, signaling: 0, open: 0 };
    for (const peer of this.#links.peers()) counts[peer.state.phase] += 1;
    return counts;
  }

  /** Handles a signal from `from` that came by `path`. Bad or stale signals change nothing. */
  handleSignal(from: PeerAddr, sessionId: string, data: SignalMessage, path: SignalPath): void {
    if (this.#closed || from === this.#self) return;
    const id = parseSessionId(sessionId);
    if (id === undefined) return;
    const weInitiate = this.#self < from;
    this.#logger.debug(`mesh: ${data.type} received`, { peer: from, path });
    switch (data.type) {
      case 'offer':
        if (!weInitiate) this.#onOffer(from, sessionId, id, data.signal, path);
        return;
      case 'answer':
        if (weInitiate) this.#onAnswer(from, sessionId, data, path);
        return;
      case 'connect':
        if (weInitiate) this.#onConnectRequest(from, sessionId, id, path);
        return;
      case 'unreachable':
        if (path === 'mesh') this.#onUnreachable(from, sessionId);
        return;
      case 'busy': {
        const peer = this.#links.get(from);
        if (peer?.state.phase === 'signaling' && peer.state.session.id === sessionId) {
          this.#links.fail(peer, 'peer is busy');
        }
        return;
      }
    }
  }

  /** Remembers `addr`'s page instance past its link's life (bounded: the oldest are forgotten). */
  #learnInstance(addr: PeerAddr, id: SessionId): void {
    this.#instances.delete(addr);
    this.#instances.set(addr, id);
    if (this.#instances.size > KNOWN_INSTANCES) this.#instances.delete(this.#instances.keys().next().value!);
  }

  #admit(addr: PeerAddr): boolean {
    const held = this.#links.held();
    if (!this.#budget.fits(addr, held) && this.#spare !== undefined) {
      const given = this.#spare().find((p) => p !== addr && held.has(p));
      if (given !== undefined) {
        this.#logger.debug('mesh: a spare link gives its slot', { spare: given, to: addr });
        this.#yielded += 1;
        this.disconnect(given);
        return this.#budget.admit(addr, this.#links.held());
      }
    }
    return this.#budget.admit(addr, held);
  }

  #onOffer(from: PeerAddr, sessionId: string, id: SessionId, offer: object, path: SignalPath): void {
    let peer = this.#links.get(from);
    const current = peer === undefined || peer.state.phase === 'waiting' ? undefined : peer.state.session;
    if (current?.kind === 'answer' && current.id === sessionId) {
      // A resent offer: our answer was lost (or is not ready yet); answer on the path this copy took.
      current.offerResent(path);
      return;
    }
    const last = peer?.lastOffer;
    const key = `${from}/${sessionId}`;
    // Counters are page stamps, ordered across the initiator's reloads: an older one, even from
    // another instance, is a late copy or a replay of a previous page's offer.
    const stale = last !== undefined && id.counter <= last.counter;
    if (stale || this.#answered.has(key)) return;
    if (peer === undefined) {
      if (!this.#admit(from)) {
        reply(this.#host, from, sessionId, { type: 'busy' }, path);
        return;
      }
      peer = this.#links.add(from, false);
    }
    this.#answered.add(key);
    // A newer session from the initiator: its side of any older link is gone, so ours goes too.
    const wasOpen = peer.state.phase === 'open';
    peer.lastOffer = id;
    this.#learnInstance(from, id);
    const state = this.#links.startAnswer(peer, sessionId, path);
    if (wasOpen) this.#host.linkClosed(from);
    this.#links.answerWithLink(peer, state, offer);
  }

  #onAnswer(
    from: PeerAddr,
    sessionId: string,
    answer: { signal: object; instance?: string; stamp?: number },
    path: SignalPath,
  ): void {
    const state = this.#links.get(from)?.state;
    if (state?.phase !== 'signaling' || state.link === undefined) return;
    const session = state.session;
    if (session.id !== sessionId || !session.awaitingAnswer) return;
    session.answered(path, answer.instance, answer.stamp);
    if (answer.instance !== undefined) {
      this.#learnInstance(from, { instance: answer.instance, counter: answer.stamp ?? 0 });
    }
    this.#links.answered(state);
    state.link.signal(answer.signal);
  }

  #onConnectRequest(from: PeerAddr, sessionId: string, id: SessionId, path: SignalPath): void {
    const peer = this.#links.get(from);
    if (peer === undefined) {
      if (!this.#admit(from)) {
        reply(this.#host, from, sessionId, { type: 'busy' }, path);
        return;
      }
      this.#links.startAttempt(this.#links.add(from, false), path === 'server');
      return;
    }
    const state = peer.state;
    const known = this.#instances.get(from);
    if (known === undefined || id.counter > known.counter) this.#learnInstance(from, id);
    const reloaded = known !== undefined && known.instance !== id.instance && id.counter > known.counter;
    if (state.phase === 'signaling' && reloaded) {
      // The peer's page reloaded while we were linking to its old page (a link that closed is
      // re-made at once): that attempt can only time out. Start again, toward the page that asks.
      // (Stamps grow across a page's reloads: a replayed request of an older page is not newer.)
      this.#logger.info('mesh: peer restarted while we linked, re-linking', { peer: from });
      this.#links.startAttempt(peer, path === 'server');
      return;
    }
    if (state.phase === 'open') {
      const instance = state.session.remoteInstance;
      if (instance === undefined) return;
      // Older than the answer that made this link: a late copy (same page) or a replay (an older
      // page). Without a stamp (unsigned meshes) only another page's request is taken as new.
      const stamp = state.session.remoteStamp;
      if (stamp === undefined ? instance === id.instance : id.counter <= stamp) return;
      // The peer reloaded with the same addr, or its side of the link failed where ours has not
      // noticed yet (a path that failed and came back): either way our link is dead.
      this.#logger.info('mesh: peer asks again, re-linking', {
        peer: from,
        restarted: instance !== id.instance,
      });
      this.#links.startAttempt(peer);
      this.#host.linkClosed(from);
      return;
    }
    // Negotiating: the request crossed our offer, or arrived late. Backing off: the peer is evidently
    // reachable now, so try at once.
    if (state.phase === 'waiting') this.#links.startAttempt(peer, path === 'server');
    else if (path === 'server') state.session.skipMesh();
  }

  /** A relay could not pass our offer or request on: once every relay we used says so, use the server. */
  #onUnreachable(relay: PeerAddr, sessionId: string): void {
    for (const peer of this.#links.peers()) {
      if (peer.state.phase === 'waiting' || peer.state.session.id !== sessionId) continue;
      if (peer.state.session.relayUnreachable(relay)) return;
    }
  }
}
