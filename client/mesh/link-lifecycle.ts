/**
 * The life of each peer's link, as a small state machine per peer:
 *
 *   waiting ──startAttempt──▶ signaling ──link 'open'──▶ open
 *      ▲                          │                        │
 *      └──── fail (wanted) ◀──────┘                        └── close / disconnect ──▶ forgotten
 *                fail (not wanted) ──▶ forgotten
 *
 * A peer is `waiting` while it backs off before the next attempt, `signaling` while an attempt (a
 * session and, once the driver made one, a link) is under way, and `open` with a working link. Every
 * change of state but signaling → open (which keeps the link and session) goes through `#enter`, which
 * puts the new state in place and then releases what the old one held (its timer, its session, its
 * link), so a handler that fires during the release sees the new state and does nothing.
 */

import { AttemptWindow } from './attempt-window';
import { retryDelay } from './backoff';
import type { Link, LinkDriver } from './link';
import type { PeerAddr } from './mesh';
import type { ResolvedMeshInit } from './mesh-init';
import { formatSessionId, type SessionId } from './signal-message';
import { type SessionContext, type SignalPath, type SignalPaths, SignalSession } from './signal-session';

/** What the links report to the mesh around them, besides the signaling paths. */
export interface ConnectionHost extends SignalPaths {
  linkOpened(addr: PeerAddr, path: SignalPath): void;
  linkClosed(addr: PeerAddr): void;
  frameReceived(addr: PeerAddr, bytes: Uint8Array): void;
}

/** Frames kept from a link that delivered data before it reported itself open. */
const MAX_EARLY_FRAMES = 32;

export type PeerState =
  /** Backing off before the next attempt (`retry` is its timer; none before the first attempt). */
  | { readonly phase: 'waiting'; readonly retry: unknown }
  /**
   * An attempt under way: its session, its link (none for a request: the peer creates the link by
   * offering), the connect-timeout timer, and frames that beat the driver's 'open'.
   */
  | {
      readonly phase: 'signaling';
      readonly session: SignalSession;
      link: Link | undefined;
      /** Armed on entry, re-armed once when the peer answers (`answered`). */
      timeout: unknown;
      readonly early: Uint8Array[];
    }
  /** A working link, and the session that made it (its path and the responder's instance). */
  | { readonly phase: 'open'; readonly session: SignalSession; readonly link: Link };

type Signaling = Extract<PeerState, { phase: 'signaling' }>;

export interface Peer {
  readonly addr: PeerAddr;
  /** Asked for by the runtime (retried on failure), rather than taken on because the peer asked. */
  wanted: boolean;
  /** Failed attempts in a row, for the backoff. */
  failures: number;
  /** The newest offer session we answered, so stale or duplicate offers are recognised. */
  lastOffer: SessionId | undefined;
  state: PeerState;
}

/** The peers we hold (in any state) and the transitions between their states. */
export class LinkLifecycle {
  /** Attempts that failed (timeout, busy peer, channel failure) and were retried or given up. */
  failedAttempts = 0;
  /** Links (connection objects) ever created: Chrome frees one only on GC, so this must stay low. */
  linksCreated = 0;
  /** This mesh's page instance: named in our session ids and answers (see `SessionId`). */
  readonly instance: string;
  /** How many of our attempts may run at once (`attempt-window.ts`); past it, attempts wait their turn. */
  readonly attemptWindow: AttemptWindow;
  /** Peers whose attempt waits for the window, in order, with whether the peer asked via the server. */
  readonly #queued = new Map<Peer, boolean>();
  #pumpArmed = false;
  readonly #init: ResolvedMeshInit;
  readonly #driver: LinkDriver;
  readonly #host: ConnectionHost;
  readonly #sessions: SessionContext;
  readonly #peers = new Map<PeerAddr, Peer>();
  #counter = 0;

  constructor(init: ResolvedMeshInit, driver: LinkDriver, host: ConnectionHost) {
    this.#init = init;
    this.#driver = driver;
    this.#host = host;
    this.#sessions = { paths: host, ...init };
    let instance = '';
    for (let i = 0; i < 8; i++) instance += Math.floor(init.rng.next() * 16).toString(16);
    this.instance = instance;
    this.attemptWindow = new AttemptWindow(init.maxConnections);
  }

  /** Attempts waiting for the window now. */
  get attemptsQueued(): number {
    return this.#queued.size;
  }

  get(addr: PeerAddr): Peer | undefined {
    return this.#peers.get(addr);
  }

  peers(): IterableIterator<Peer> {
    return this.#peers.values();
  }

  /** The addrs held, in any state: what the budget counts. */
  held(): Set<PeerAddr> {
    return new Set(this.#peers.keys());
  }

  /** Holds a new peer, `waiting` with no retry armed: start an attempt or answer its offer next. */
  add(addr: PeerAddr, wanted: boolean): Peer {
    const peer: Peer = {
      addr,
      wanted,
      failures: 0,
      lastOffer: undefined,
      state: { phase: 'waiting', retry: undefined },
    };
    this.#peers.set(addr, peer);
    return peer;
  }

  /**
   * Starts a new attempt, dropping whatever the peer had: we offer (smaller addr) or ask the peer to
   * offer. `viaServer`: the peer asked us through the server, so it has no mesh path to us.
   */
  startAttempt(peer: Peer, viaServer = false): void {
    const weOffer = this.#init.self < peer.addr;
    this.#init.logger.debug('mesh: attempt', {
      peer: peer.addr,
      kind: weOffer ? 'offer' : 'request',
      viaServer,
    });
    if (this.#attemptsUnderWay() >= this.attemptWindow.limit) {
      // Our attempts already fill the window: this one starts when one of them ends (`#pump`).
      this.#enter(peer, { phase: 'waiting', retry: undefined });
      this.#queued.set(peer, viaServer || (this.#queued.get(peer) ?? false));
      return;
    }
    if (weOffer) {
      const session = this.#newSession(peer, 'offer');
      if (viaServer) session.skipMesh();
      this.#signal(peer, session).link = this.#createLink(peer, true);
    } else {
      this.#signal(peer, this.#newSession(peer, 'request')).session.send({ type: 'connect' });
    }
  }

  /**
   * Answers the offer `sessionId` that came by `path`, dropping whatever the peer had. Returns the new
   * state, whose link the caller feeds the offer to (unless a handler dropped the peer meanwhile).
   */
  startAnswer(peer: Peer, sessionId: string, path: SignalPath): Signaling {
    const answer = this.#newSession(peer, 'answer', sessionId);
    answer.path = path;
    return this.#signal(peer, answer);
  }

  /** Creates the responder's link for a state from `startAnswer`, and feeds it the offer. */
  answerWithLink(peer: Peer, state: Signaling, offer: object): void {
    if (peer.state !== state) return;
    state.link = this.#createLink(peer, false);
    state.link.signal(offer);
  }

  /**
   * The peer answered our offer: it is alive and the rest is ICE and DTLS on our two CPUs, which on a
   * loaded machine (many tabs forming at once) take longer than the whole signaling did. The connect
   * timeout starts again from here, once: timing out and retrying would only make a new connection
   * object (Chrome frees one only on GC, ~500 a page) and start the same work over.
   */
  answered(state: Signaling): void {
    const { clock, connectTimeoutMs } = this.#init;
    const peer = this.#peers.get(state.session.peer);
    if (peer === undefined || peer.state !== state) return;
    clock.clearTimeout(state.timeout);
    state.timeout = clock.setTimeout(
      () => this.fail(peer, 'timed out after the answer'),
      connectTimeoutMs * this.attemptWindow.timeoutScale,
    );
  }

  /** Abandons the current attempt: retries later when the runtime wants the peer, else forgets it. */
  fail(peer: Peer, reason: string): void {
    if (this.#peers.get(peer.addr) !== peer || peer.state.phase !== 'signaling') return;
    this.failedAttempts += 1;
    const kind = peer.state.session.kind;
    if (kind !== 'answer' && (reason.startsWith('timed out') || reason.startsWith('channel'))) {
      this.attemptWindow.failed(peer.failures);
    }
    if (!peer.wanted) {
      this.#init.logger.debug('mesh: attempt failed, peer forgotten', { peer: peer.addr, kind, reason });
      this.forget(peer);
      return;
    }
    peer.failures += 1;
    const { backoffBaseMs, backoffMaxMs, rng, clock } = this.#init;
    const delay = retryDelay({ baseMs: backoffBaseMs, maxMs: backoffMaxMs, rng }, peer.failures);
    this.#init.logger.debug('mesh: attempt failed, retrying', { peer: peer.addr, kind, reason, delay });
    this.#enter(peer, { phase: 'waiting', retry: clock.setTimeout(() => this.startAttempt(peer), delay) });
  }

  /** Drops the peer and whatever it held (timer, session, link). */
  forget(peer: Peer): void {
    if (this.#peers.get(peer.addr) === peer) this.#peers.delete(peer.addr);
    this.#queued.delete(peer);
    this.#enter(peer, { phase: 'waiting', retry: undefined });
  }

  /** Puts `peer` in `next`, then releases what its previous state held. */
  #enter(peer: Peer, next: PeerState): void {
    const previous = peer.state;
    peer.state = next;
    // Only a peer waiting with no retry armed waits for the window; any other state leaves the queue.
    if (next.phase !== 'waiting' || next.retry !== undefined) this.#queued.delete(peer);
    switch (previous.phase) {
      case 'waiting':
        this.#init.clock.clearTimeout(previous.retry);
        return;
      case 'signaling':
        this.#init.clock.clearTimeout(previous.timeout);
        previous.session.stop();
        previous.link?.destroy();
        if (previous.session.kind !== 'answer') this.#armPump();
        return;
      case 'open':
        previous.session.stop();
        previous.link.destroy();
        return;
    }
  }

  /** Our attempts under way (offers and requests negotiating): what the window bounds. */
  #attemptsUnderWay(): number {
    let n = 0;
    for (const peer of this.#peers.values()) {
      if (peer.state.phase === 'signaling' && peer.state.session.kind !== 'answer') n += 1;
    }
    return n;
  }

  /** Starts waiting attempts soon (not inside the transition that freed a place). */
  #armPump(): void {
    if (this.#queued.size === 0 || this.#pumpArmed) return;
    this.#pumpArmed = true;
    this.#init.clock.setTimeout(() => this.#pump(), 0);
  }

  /** Starts waiting attempts, oldest first, while the window has room; drops peers no longer held. */
  #pump(): void {
    this.#pumpArmed = false;
    for (const [peer, viaServer] of this.#queued) {
      if (this.#peers.get(peer.addr) !== peer || peer.state.phase !== 'waiting') {
        this.#queued.delete(peer);
        continue;
      }
      if (this.#attemptsUnderWay() >= this.attemptWindow.limit) return;
      this.startAttempt(peer, viaServer);
    }
  }

  #newSession(peer: Peer, kind: SignalSession['kind'], id?: string): SignalSession {
    if (id === undefined) id = formatSessionId({ instance: this.instance, counter: this.#stamp() });
    return new SignalSession(this.#sessions, peer.addr, kind, id, (reason) => this.fail(peer, reason));
  }

  /** The next page stamp (see `SessionId`): past the last one, and at least the wall clock's ms. */
  #stamp(): number {
    this.#counter = Math.max(this.#counter + 1, Math.floor(this.#init.clock.wallNow()));
    return this.#counter;
  }

  /** Enters `signaling` with `session` and arms the connect timeout. */
  #signal(peer: Peer, session: SignalSession): Signaling {
    const { clock, connectTimeoutMs } = this.#init;
    const timeout = clock.setTimeout(
      () => this.fail(peer, 'timed out'),
      connectTimeoutMs * this.attemptWindow.timeoutScale,
    );
    const state: Signaling = { phase: 'signaling', session, link: undefined, timeout, early: [] };
    this.#enter(peer, state);
    return state;
  }

  /** A link for `peer`'s current attempt; its events count only while it is still the peer's link. */
  #createLink(peer: Peer, initiator: boolean): Link {
    let link: Link | undefined;
    this.linksCreated += 1;
    const current = () =>
      link !== undefined &&
      this.#peers.get(peer.addr) === peer &&
      peer.state.phase !== 'waiting' &&
      peer.state.link === link;
    link = this.#driver.createLink({
      self: this.#init.self,
      peer: peer.addr,
      initiator,
      handlers: {
        signal: (data) => {
          if (!current() || peer.state.phase === 'waiting') return;
          const session = peer.state.session;
          if (session.message !== undefined) return;
          this.#init.logger.debug(`mesh: ${session.kind} ready`, { peer: peer.addr });
          if (session.kind === 'offer') session.send({ type: 'offer', signal: data });
          else if (session.kind === 'answer') {
            // The stamp orders our later requests after this answer; only a signed one can be
            // trusted to, so an unsigned mesh (tests of hand-made addrs) sends none.
            const stamp = this.#init.identity === undefined ? {} : { stamp: this.#stamp() };
            session.answer({ type: 'answer', signal: data, instance: this.instance, ...stamp });
          }
        },
        open: () => {
          const state = peer.state;
          if (!current() || state.phase !== 'signaling' || link === undefined) return;
          this.#init.clock.clearTimeout(state.timeout);
          state.session.stopResending();
          peer.state = { phase: 'open', session: state.session, link };
          peer.failures = 0;
          this.attemptWindow.opened();
          this.#armPump();
          this.#init.logger.info('mesh: link open', { peer: peer.addr, via: state.session.path });
          this.#host.linkOpened(peer.addr, state.session.path ?? 'server');
          for (const bytes of state.early) if (current()) this.#host.frameReceived(peer.addr, bytes);
        },
        data: (bytes) => {
          if (!current()) return;
          const state = peer.state;
          if (state.phase === 'open') this.#host.frameReceived(peer.addr, bytes);
          else if (state.phase === 'signaling' && state.early.length < MAX_EARLY_FRAMES) {
            state.early.push(bytes);
          }
        },
        close: (reason) => {
          if (!current()) return;
          if (peer.state.phase === 'open') {
            this.#init.logger.info('mesh: link closed', { peer: peer.addr, reason });
            this.forget(peer);
            this.#host.linkClosed(peer.addr);
          } else {
            this.fail(peer, `channel failed: ${reason}`);
          }
        },
      },
    });
    return link;
  }
}
