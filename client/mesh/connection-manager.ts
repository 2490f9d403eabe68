/**
 * The connection manager: which links we hold, who initiates, and what happens when an attempt fails.
 *
 * - Exactly one side of a pair initiates: the smaller addr. The larger addr, wanting a link, sends a
 *   `connect` request and waits for the offer, so both sides asking still makes one link.
 * - An attempt sends its offer (or request) through the mesh first, resending it every
 *   `signalRetryMs`, then once through the server; the server is used at once when no link is open,
 *   and for an offer that answers a request that came through the server (the requester had no mesh
 *   path to us, so relayed copies of the offer could not reach it).
 *   The responder answers every copy of an offer on the path that copy came by.
 * - An attempt that has not opened after `connectTimeoutMs` is abandoned; peers the runtime asked for
 *   are retried with exponential backoff and jitter, others are forgotten.
 * - A working link is never closed for a new one, except when the initiator itself starts a newer
 *   session (then its side of the old link is gone). A link that closes after opening is forgotten: the
 *   runtime calls `connect` again if it still wants it.
 */
import { BoundedSet } from './bounded-set';
import type { Link, LinkDriver } from './link';
import type { PeerAddr } from './mesh';
import type { ResolvedMeshInit } from './mesh-init';
import { formatSessionId, parseSessionId, type SessionId, type SignalMessage } from './signal-message';

export type SignalPath = 'mesh' | 'server';

/** What the manager needs from the mesh around it. */
export interface ConnectionHost {
  /** Sends a signal through the mesh; returns the neighbours it left through (none: no path). */
  sendViaMesh(to: PeerAddr, sessionId: string, data: SignalMessage): PeerAddr[];
  /** Sends a signal through the server; resolves false when it could not. Undefined: no server. */
  sendViaServer(to: PeerAddr, sessionId: string, data: SignalMessage): Promise<boolean> | undefined;
  linkOpened(addr: PeerAddr, path: SignalPath): void;
  linkClosed(addr: PeerAddr): void;
  frameReceived(addr: PeerAddr, bytes: Uint8Array): void;
}

/** Frames kept from a link that delivered data before it reported itself open. */
const MAX_EARLY_FRAMES = 32;

type Phase = 'waiting' | 'signaling' | 'open';

/** One attempt at a link: what we send for it, and how far it got. */
interface Session {
  readonly id: string;
  /** `offer`: we initiate; `request`: we asked the peer to initiate; `answer`: we respond. */
  readonly kind: 'offer' | 'request' | 'answer';
  message: SignalMessage | undefined;
  meshSends: number;
  /** Neighbours our copies went through, and those of them that said they could not forward them. */
  readonly relays: Set<PeerAddr>;
  readonly unreachable: Set<PeerAddr>;
  serverSent: boolean;
  /** The path of the answer (initiator) or of the latest copy of the offer (responder). */
  path: SignalPath | undefined;
}

interface Peer {
  readonly addr: PeerAddr;
  /** Asked for by the runtime (retried on failure), rather than taken on because the peer asked. */
  wanted: boolean;
  phase: Phase;
  link: Link | undefined;
  session: Session | undefined;
  /** The responder's instance, from its answer: a request from another instance means it reloaded. */
  remoteInstance: string | undefined;
  /** The newest offer session we answered, so stale or duplicate offers are recognised. */
  lastOffer: SessionId | undefined;
  failures: number;
  /** Frames that arrived before the driver reported the link open (its data can beat its 'connect'). */
  early: Uint8Array[];
  timer: unknown;
  resendTimer: unknown;
}

/** Counters the manager keeps, read into the mesh's stats. */
export interface ConnectionStats {
  /** Connections refused by the budget (ours asked by the runtime, or offers and requests from peers). */
  refused: number;
  /** Attempts that failed (timeout, busy peer, channel failure) and were retried or given up. */
  failedAttempts: number;
}

export class ConnectionManager {
  readonly stats: ConnectionStats = { refused: 0, failedAttempts: 0 };
  readonly #init: ResolvedMeshInit;
  readonly #driver: LinkDriver;
  readonly #host: ConnectionHost;
  readonly #peers = new Map<PeerAddr, Peer>();
  /** Offers we answered (`from/sessionId`), so a late copy of an old offer starts nothing. */
  readonly #answered = new BoundedSet<string>(1024);
  readonly #instance: string;
  #counter = 0;
  #closed = false;

  constructor(init: ResolvedMeshInit, driver: LinkDriver, host: ConnectionHost) {
    this.#init = init;
    this.#driver = driver;
    this.#host = host;
    let instance = '';
    for (let i = 0; i < 8; i++) instance += Math.floor(init.rng.next() * 16).toString(16);
    this.#instance = instance;
  }

  /** Asks for a link; see `Mesh.connect`. */
  connect(addr: PeerAddr): boolean {
    if (this.#closed || addr === this.#init.self) return false;
    const existing = this.#peers.get(addr);
    if (existing !== undefined) {
      existing.wanted = true;
      return true;
    }
    if (!this.#admit(addr)) return false;
    const peer = this.#addPeer(addr, true);
    this.#startAttempt(peer);
    return true;
  }

  /** Drops the link and forgets the peer; see `Mesh.disconnect`. */
  disconnect(addr: PeerAddr): void {
    const peer = this.#peers.get(addr);
    if (peer === undefined) return;
    const wasOpen = peer.phase === 'open';
    this.#forget(peer);
    if (wasOpen) this.#host.linkClosed(addr);
  }

  /** Closes every link and refuses everything from now on. */
  close(): void {
    this.#closed = true;
    for (const addr of [...this.#peers.keys()]) this.disconnect(addr);
  }

  isOpen(addr: PeerAddr): boolean {
    return this.#peers.get(addr)?.phase === 'open';
  }

  openPeers(): PeerAddr[] {
    const open: PeerAddr[] = [];
    for (const peer of this.#peers.values()) if (peer.phase === 'open') open.push(peer.addr);
    return open;
  }

  /** Sends a frame on the open link to `addr`; false when there is none or it refused. */
  sendFrame(addr: PeerAddr, bytes: Uint8Array): boolean {
    const peer = this.#peers.get(addr);
    if (peer === undefined || peer.phase !== 'open' || peer.link === undefined) return false;
    return peer.link.send(bytes);
  }

  /** Peers per phase: `signaling` is negotiating, `waiting` is backing off before a retry. */
  counts(): Record<Phase, number> {
    const counts: Record<Phase, number> = { waiting: 0, signaling: 0, open: 0 };
    for (const peer of this.#peers.values()) counts[peer.phase] += 1;
    return counts;
  }

  /** Handles a signal from `from` that came by `path`. Bad or stale signals change nothing. */
  handleSignal(from: PeerAddr, sessionId: string, data: SignalMessage, path: SignalPath): void {
    if (this.#closed || from === this.#init.self) return;
    const session = parseSessionId(sessionId);
    if (session === undefined) return;
    const weInitiate = this.#init.self < from;
    switch (data.type) {
      case 'offer':
        if (!weInitiate) this.#onOffer(from, sessionId, session, data.signal, path);
        return;
      case 'answer':
        if (weInitiate) this.#onAnswer(from, sessionId, data, path);
        return;
      case 'connect':
        if (weInitiate) this.#onConnectRequest(from, sessionId, session, path);
        return;
      case 'unreachable':
        if (path === 'mesh') this.#onUnreachable(from, sessionId);
        return;
      case 'busy': {
        const peer = this.#peers.get(from);
        if (peer?.session?.id === sessionId && peer.phase === 'signaling') this.#fail(peer, 'peer is busy');
        return;
      }
    }
  }

  #admit(addr: PeerAddr): boolean {
    const held = new Set(this.#peers.keys());
    if (held.size >= this.#init.maxConnections || !this.#init.policy.admit(addr, held)) {
      this.stats.refused += 1;
      this.#init.logger.debug('mesh: connection refused by the budget', { peer: addr, held: held.size });
      return false;
    }
    return true;
  }

  #addPeer(addr: PeerAddr, wanted: boolean): Peer {
    const peer: Peer = {
      addr,
      wanted,
      phase: 'waiting',
      link: undefined,
      session: undefined,
      remoteInstance: undefined,
      lastOffer: undefined,
      failures: 0,
      early: [],
      timer: undefined,
      resendTimer: undefined,
    };
    this.#peers.set(addr, peer);
    return peer;
  }

  #nextSessionId(): string {
    this.#counter += 1;
    return formatSessionId({ instance: this.#instance, counter: this.#counter });
  }

  /** `viaServer`: the peer asked us through the server, so it has no mesh path to us; skip the mesh. */
  #startAttempt(peer: Peer, viaServer = false): void {
    this.#clearTimers(peer);
    this.#dropLink(peer);
    peer.phase = 'signaling';
    peer.timer = this.#init.clock.setTimeout(
      () => this.#fail(peer, 'timed out'),
      this.#init.connectTimeoutMs,
    );
    if (this.#init.self < peer.addr) {
      const session = this.#newSession('offer');
      if (viaServer) session.meshSends = this.#init.meshSignalTries;
      peer.session = session;
      peer.link = this.#createLink(peer, true);
    } else {
      const session = this.#newSession('request');
      session.message = { type: 'connect' };
      peer.session = session;
      this.#sendNext(peer, session);
    }
  }

  #newSession(kind: Session['kind'], id = this.#nextSessionId()): Session {
    return {
      id,
      kind,
      message: undefined,
      meshSends: 0,
      relays: new Set(),
      unreachable: new Set(),
      serverSent: false,
      path: undefined,
    };
  }

  /** Sends the session's offer or request once more, by the mesh while tries remain, else the server. */
  #sendNext(peer: Peer, session: Session): void {
    if (peer.session !== session || session.message === undefined || session.path !== undefined) return;
    const init = this.#init;
    const message = session.message;
    const relays =
      session.meshSends < init.meshSignalTries ? this.#host.sendViaMesh(peer.addr, session.id, message) : [];
    if (relays.length > 0) {
      session.meshSends += 1;
      for (const relay of relays) session.relays.add(relay);
    } else if (!session.serverSent) {
      session.serverSent = true;
      const sent = this.#host.sendViaServer(peer.addr, session.id, message);
      if (sent === undefined) {
        if (session.meshSends === 0) this.#fail(peer, 'no open link and no server to signal through');
        return;
      }
      sent.then(
        (ok) => {
          if (!ok && peer.session === session && session.meshSends === 0) {
            this.#fail(peer, 'the server could not relay the signal');
          }
        },
        () => {},
      );
      init.logger.debug('mesh: signal sent through the server', { peer: peer.addr, kind: session.kind });
    } else {
      return; // Nothing left to send: the connect timeout decides.
    }
    peer.resendTimer = init.clock.setTimeout(() => this.#sendNext(peer, session), init.signalRetryMs);
  }

  #reply(peer: Peer, sessionId: string, message: SignalMessage, path: SignalPath): void {
    if (path === 'mesh' && this.#host.sendViaMesh(peer.addr, sessionId, message).length > 0) return;
    void this.#host.sendViaServer(peer.addr, sessionId, message)?.catch(() => false);
  }

  #onOffer(from: PeerAddr, sessionId: string, session: SessionId, signal: object, path: SignalPath): void {
    let peer = this.#peers.get(from);
    const current = peer?.session;
    if (peer !== undefined && current?.kind === 'answer' && current.id === sessionId) {
      // A resent offer: our answer was lost (or is not ready yet); answer on the path this copy took.
      current.path = path;
      if (current.message !== undefined) this.#reply(peer, sessionId, current.message, path);
      return;
    }
    const last = peer?.lastOffer;
    const key = `${from}/${sessionId}`;
    const stale = last !== undefined && last.instance === session.instance && session.counter <= last.counter;
    if (stale || this.#answered.has(key)) return;
    if (peer === undefined) {
      if (!this.#admit(from)) {
        this.#replyBusy(from, sessionId, path);
        return;
      }
      peer = this.#addPeer(from, false);
    }
    this.#answered.add(key);
    // A newer session from the initiator: its side of any older link is gone, so ours goes too.
    const wasOpen = peer.phase === 'open';
    this.#clearTimers(peer);
    this.#dropLink(peer);
    if (wasOpen) this.#host.linkClosed(from);
    peer.lastOffer = session;
    peer.phase = 'signaling';
    const answer = this.#newSession('answer', sessionId);
    answer.path = path;
    peer.session = answer;
    peer.timer = this.#init.clock.setTimeout(
      () => this.#fail(peer, 'timed out'),
      this.#init.connectTimeoutMs,
    );
    peer.link = this.#createLink(peer, false);
    peer.link.signal(signal);
  }

  #onAnswer(
    from: PeerAddr,
    sessionId: string,
    answer: { signal: object; instance?: string },
    path: SignalPath,
  ): void {
    const peer = this.#peers.get(from);
    const session = peer?.session;
    if (peer === undefined || session === undefined || session.id !== sessionId) return;
    if (session.kind !== 'offer' || session.path !== undefined || peer.link === undefined) return;
    session.path = path;
    peer.remoteInstance = answer.instance;
    this.#init.clock.clearTimeout(peer.resendTimer);
    peer.link.signal(answer.signal);
  }

  #onConnectRequest(from: PeerAddr, sessionId: string, session: SessionId, path: SignalPath): void {
    const peer = this.#peers.get(from);
    if (peer === undefined) {
      if (!this.#admit(from)) {
        this.#replyBusy(from, sessionId, path);
        return;
      }
      this.#startAttempt(this.#addPeer(from, false), path === 'server');
      return;
    }
    if (
      peer.phase === 'open' &&
      peer.remoteInstance !== undefined &&
      peer.remoteInstance !== session.instance
    ) {
      // The peer reloaded with the same addr: our link went to its previous page and is dead.
      this.#init.logger.info('mesh: peer restarted, re-linking', { peer: from });
      peer.remoteInstance = undefined;
      this.#startAttempt(peer);
      this.#host.linkClosed(from);
      return;
    }
    // Negotiating or open: the request crossed our offer, or arrived late. Backing off: the peer is
    // evidently reachable now, so try at once.
    if (peer.phase === 'waiting') this.#startAttempt(peer, path === 'server');
    else if (peer.phase === 'signaling' && path === 'server') this.#skipMesh(peer);
  }

  /**
   * The peer asked through the server while our offer still goes through the mesh: it asked that way
   * because no member has a link to it, so mesh copies die on the way. Send the offer to the server now.
   */
  #skipMesh(peer: Peer): void {
    const session = peer.session;
    if (session?.kind !== 'offer' || session.path !== undefined || session.serverSent) return;
    session.meshSends = Math.max(session.meshSends, this.#init.meshSignalTries);
    if (session.message === undefined) return; // The link's signal handler sends it when ready.
    this.#init.clock.clearTimeout(peer.resendTimer);
    this.#sendNext(peer, session);
  }

  /** A relay could not pass our offer or request on: once every relay we used says so, use the server. */
  #onUnreachable(relay: PeerAddr, sessionId: string): void {
    for (const peer of this.#peers.values()) {
      const session = peer.session;
      if (session?.id !== sessionId || session.kind === 'answer' || !session.relays.has(relay)) continue;
      session.unreachable.add(relay);
      if (session.unreachable.size < session.relays.size || session.path !== undefined) return;
      this.#init.clock.clearTimeout(peer.resendTimer);
      session.meshSends = Math.max(session.meshSends, this.#init.meshSignalTries);
      this.#sendNext(peer, session);
      return;
    }
  }

  #replyBusy(to: PeerAddr, sessionId: string, path: SignalPath): void {
    const busy: SignalMessage = { type: 'busy' };
    if (path === 'mesh' && this.#host.sendViaMesh(to, sessionId, busy).length > 0) return;
    void this.#host.sendViaServer(to, sessionId, busy)?.catch(() => false);
  }

  #createLink(peer: Peer, initiator: boolean): Link {
    let link: Link | undefined;
    const current = () => link !== undefined && peer.link === link && this.#peers.get(peer.addr) === peer;
    link = this.#driver.createLink({
      self: this.#init.self,
      peer: peer.addr,
      initiator,
      handlers: {
        signal: (data) => {
          const session = peer.session;
          if (!current() || session === undefined || session.message !== undefined) return;
          if (session.kind === 'offer') {
            session.message = { type: 'offer', signal: data };
            this.#sendNext(peer, session);
          } else if (session.kind === 'answer') {
            session.message = { type: 'answer', signal: data, instance: this.#instance };
            this.#reply(peer, session.id, session.message, session.path ?? 'server');
          }
        },
        open: () => {
          if (!current() || peer.phase === 'open') return;
          this.#clearTimers(peer);
          peer.phase = 'open';
          peer.failures = 0;
          this.#init.logger.info('mesh: link open', { peer: peer.addr, via: peer.session?.path });
          this.#host.linkOpened(peer.addr, peer.session?.path ?? 'server');
          const early = peer.early;
          peer.early = [];
          for (const bytes of early) if (current()) this.#host.frameReceived(peer.addr, bytes);
        },
        data: (bytes) => {
          if (!current()) return;
          if (peer.phase === 'open') this.#host.frameReceived(peer.addr, bytes);
          else if (peer.early.length < MAX_EARLY_FRAMES) peer.early.push(bytes);
        },
        close: (reason) => {
          if (!current()) return;
          if (peer.phase === 'open') {
            this.#init.logger.info('mesh: link closed', { peer: peer.addr, reason });
            this.#forget(peer);
            this.#host.linkClosed(peer.addr);
          } else {
            this.#fail(peer, `channel failed: ${reason}`);
          }
        },
      },
    });
    return link;
  }

  /** Abandons the current attempt: retries later when the runtime wants the peer, else forgets it. */
  #fail(peer: Peer, reason: string): void {
    if (this.#peers.get(peer.addr) !== peer || peer.phase === 'open') return;
    this.stats.failedAttempts += 1;
    this.#clearTimers(peer);
    this.#dropLink(peer);
    peer.session = undefined;
    if (!peer.wanted) {
      this.#init.logger.debug('mesh: attempt failed, peer forgotten', { peer: peer.addr, reason });
      this.#peers.delete(peer.addr);
      return;
    }
    peer.failures += 1;
    peer.phase = 'waiting';
    const { backoffBaseMs, backoffMaxMs, rng } = this.#init;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(peer.failures - 1, 30));
    const delay = Math.round(ceiling / 2 + (rng.next() * ceiling) / 2);
    this.#init.logger.debug('mesh: attempt failed, retrying', { peer: peer.addr, reason, delay });
    peer.timer = this.#init.clock.setTimeout(() => this.#startAttempt(peer), delay);
  }

  #forget(peer: Peer): void {
    this.#clearTimers(peer);
    this.#dropLink(peer);
    peer.session = undefined;
    if (this.#peers.get(peer.addr) === peer) this.#peers.delete(peer.addr);
  }

  #dropLink(peer: Peer): void {
    const link = peer.link;
    peer.link = undefined;
    peer.early = [];
    link?.destroy();
  }

  #clearTimers(peer: Peer): void {
    this.#init.clock.clearTimeout(peer.timer);
    this.#init.clock.clearTimeout(peer.resendTimer);
    peer.timer = undefined;
    peer.resendTimer = undefined;
  }
}
