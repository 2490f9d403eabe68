/**
 * The mesh: frames, stats, events and simulated loss on top of a connection manager and a signal
 * router, over any link driver. `createWebRtcMesh` and the in-memory network both build one of these.
 */
import { createNanoEvents, type Emitter } from 'nanoevents';
import { isMemberAddr } from '../../shared/swim/index';
import { ConnectionManager, type SignalPath } from './connection-manager';
import { decodeFrame, encodeFrame, FRAME_KIND_BYTE } from './frame';
import type { LinkDriver } from './link';
import type { FrameKind, Mesh, MeshEvents, MeshStatsDetail, PeerAddr, SignalRoutes } from './mesh';
import { type MeshInit, type ResolvedMeshInit, resolveMeshInit } from './mesh-init';
import { SignalAuth } from './signal-auth';
import { decodeRelayedSignal, encodeRelayedSignal, type RelayedSignal } from './signal-frame';
import { parseSignalMessage, type SignalMessage } from './signal-message';
import { SignalRouter } from './signal-router';
import { SwimLinkForm } from './swim-link-form';

/**
 * Signals that may wait for an asynchronous signature check at once. A link set-up brings one or two;
 * the relay and server rate limits keep honest traffic far below this, so only a flood reaches it.
 */
export const MAX_SIGNALS_VERIFYING = 256;

export type { MeshStatsDetail } from './mesh';

/** A `Mesh` over any `LinkDriver`. Use `createWebRtcMesh` or `InMemoryNetwork.createMesh`. */
export class MeshNode implements Mesh {
  readonly self: PeerAddr;
  readonly #init: ResolvedMeshInit;
  readonly #manager: ConnectionManager;
  readonly #router: SignalRouter;
  readonly #auth: SignalAuth;
  readonly #events: Emitter<MeshEvents> = createNanoEvents<MeshEvents>();
  readonly #linkForm: SwimLinkForm;
  readonly #counters = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    signaledViaMesh: 0,
    signaledViaServer: 0,
    spoofedDropped: 0,
    lossDropped: 0,
    signalsVerifyDropped: 0,
    malformedDropped: 0,
    signalsViaServer: 0,
  };
  readonly #unsubscribeServer: () => void;
  #loss = 0;
  #closed = false;
  /** Signals waiting for their signature's verification (or behind one that is), in arrival order. */
  #signalsWaiting = 0;
  #signalQueue: Promise<unknown> = Promise.resolve();
  #routes: SignalRoutes | undefined;

  /** Throws `InvalidMeshInitError` on a bad option (nothing is created then). */
  constructor(init: MeshInit, driver: LinkDriver) {
    const resolved = resolveMeshInit(init);
    this.#init = resolved;
    this.self = resolved.self;
    this.#linkForm = new SwimLinkForm(resolved.self);
    this.#auth = new SignalAuth(resolved.self, resolved.identity);
    this.#router = new SignalRouter({
      self: resolved.self,
      rng: resolved.rng,
      relayTtl: resolved.relayTtl,
      relayFanout: resolved.relayFanout,
      relayForwardFanout: resolved.relayForwardFanout,
      relayRateLimit: resolved.relayRateLimit,
      now: () => resolved.clock.now(),
      isOpen: (addr) => this.isOpen(addr),
      openPeers: () => this.openPeers(),
      nextHops: (to) => this.#routes?.nextHops(to),
      sendSignalFrame: (to, signal) => this.#sendSignalFrame(to, signal),
      deliver: (from, sessionId, data) => this.#signalForUs(from, sessionId, data, 'mesh'),
    });
    this.#manager = new ConnectionManager(resolved, driver, {
      sendViaMesh: (to, sessionId, data) =>
        this.#router.originate(to, sessionId, this.#auth.sign(to, sessionId, data)),
      sendViaServer: (to, sessionId, data) => this.#sendViaServer(to, sessionId, data),
      linkOpened: (addr, path) => this.#linkOpened(addr, path),
      linkClosed: (addr) => {
        this.#router.linkClosed(addr);
        this.#linkForm.forget(addr);
        this.#emit('peer-close', addr);
      },
      frameReceived: (addr, bytes) => this.#receive(addr, bytes),
    });
    this.#unsubscribeServer =
      resolved.server?.onSignal((from, sessionId, data) => this.#serverSignal(from, sessionId, data)) ??
      (() => {});
  }

  /** See `Mesh.connect`. Returns false for our own addr and after `close()`. Throws `TypeError` on a malformed addr. */
  connect(addr: PeerAddr): boolean {
    checkAddr(addr);
    return this.#manager.connect(addr);
  }

  disconnect(addr: PeerAddr): void {
    checkAddr(addr);
    this.#manager.disconnect(addr);
  }

  /**
   * Sends a SWIM packet, in its link form when the peer reads it (`swim-link-form.ts`); false
   * (dropped and counted as malformed) past `maxPacketSize`.
   */
  sendSwim(to: PeerAddr, bytes: Uint8Array): boolean {
    if (!this.#mayCarry(to, 'swim', bytes, this.#init.maxPacketSize)) return false;
    if (this.#lost()) return true;
    const { hello, frame } = this.#linkForm.encode(to, bytes);
    // Link control, not a packet: kept out of the packet and byte counts.
    if (hello !== undefined) this.#manager.sendFrame(to, hello);
    return this.#putFrame(to, frame);
  }

  /** Sends an app message; false (dropped and counted as malformed) past `maxAppSize`. */
  sendApp(to: PeerAddr, bytes: Uint8Array): boolean {
    return this.#sendFrame(to, 'app', bytes, this.#init.maxAppSize);
  }

  isOpen(addr: PeerAddr): boolean {
    return this.#manager.isOpen(addr);
  }

  links(): Map<PeerAddr, 'opening' | 'open'> {
    return this.#manager.links();
  }

  setRoutes(routes: SignalRoutes | undefined): void {
    this.#routes = routes;
  }

  setSpare(spare: (() => readonly PeerAddr[]) | undefined): void {
    this.#manager.setSpare(spare);
  }

  openPeers(): PeerAddr[] {
    return this.#manager.openPeers();
  }

  /** Subscribes to an event; returns the unsubscribe function. A handler that throws is logged, not rethrown. */
  on<E extends keyof MeshEvents>(event: E, handler: MeshEvents[E]): () => void {
    const guarded = ((...args: Parameters<MeshEvents[E]>) => {
      try {
        (handler as (...a: Parameters<MeshEvents[E]>) => void)(...args);
      } catch (error) {
        this.#init.logger.warn('mesh: event handler threw', { event, error: String(error) });
      }
    }) as MeshEvents[E];
    return this.#events.on(event, guarded);
  }

  stats(): MeshStatsDetail {
    const counts = this.#manager.counts();
    return {
      ...this.#counters,
      swimLinkFormOut: this.#linkForm.linkFormOut,
      open: counts.open,
      pending: counts.signaling,
      backingOff: counts.waiting,
      refused: this.#manager.stats.refused,
      failedAttempts: this.#manager.stats.failedAttempts,
      relayed: this.#router.stats.relayed,
      relayDropped: this.#router.stats.relayDropped,
      linksCreated: this.#manager.stats.linksCreated,
      yielded: this.#manager.stats.yielded,
      attemptWindow: this.#manager.stats.attemptWindow,
      attemptsQueued: this.#manager.stats.attemptsQueued,
      attemptWindowShrunk: this.#manager.stats.attemptWindowShrunk,
      signalsDirect: this.#router.stats.sentDirect,
      signalsRouted: this.#router.stats.sentRouted,
      signalsFlooded: this.#router.stats.sentFlooded,
      signalsViaServer: this.#counters.signalsViaServer,
      relayRateDropped: this.#router.stats.rateDropped,
      signalsVerified: this.#auth.stats.verified,
      signalsVerifyCached: this.#auth.stats.verifyCached,
      signalsRejected: this.#auth.stats.rejected,
      signalsVerifyDropped: this.#counters.signalsVerifyDropped,
    };
  }

  /** See `Mesh.setLoss`. Throws `RangeError` unless `fraction` is a number in 0..1. */
  setLoss(fraction: number): void {
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
      throw new RangeError(`loss must be a number in 0..1, got ${fraction}`);
    }
    this.#loss = fraction;
  }

  /** Closes every link (peers see them close) and stops listening to the server. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribeServer();
    this.#manager.close();
  }

  #lost(): boolean {
    if (this.#loss > 0 && this.#init.rng.next() < this.#loss) {
      this.#counters.lossDropped += 1;
      return true;
    }
    return false;
  }

  #sendFrame(to: PeerAddr, kind: FrameKind, payload: Uint8Array, limit: number): boolean {
    if (!this.#mayCarry(to, kind, payload, limit)) return false;
    if (this.#lost()) return true;
    return this.#putFrame(to, encodeFrame(kind, payload));
  }

  /** Whether a payload may go to `to`: a link is open and it is within `limit` (else counted as malformed). */
  #mayCarry(to: PeerAddr, kind: FrameKind, payload: Uint8Array, limit: number): boolean {
    if (this.#closed || !this.#manager.isOpen(to)) return false;
    if (payload.length > limit) {
      this.#counters.malformedDropped += 1;
      this.#init.logger.debug('mesh: outgoing frame too big', {
        peer: to,
        kind,
        bytes: payload.length,
        limit,
      });
      return false;
    }
    return true;
  }

  #putFrame(to: PeerAddr, frame: Uint8Array): boolean {
    if (!this.#manager.sendFrame(to, frame)) return false;
    this.#counters.packetsOut += 1;
    this.#counters.bytesOut += frame.length;
    return true;
  }

  #sendSignalFrame(to: PeerAddr, signal: RelayedSignal): boolean {
    let payload: Uint8Array;
    try {
      payload = encodeRelayedSignal(signal);
    } catch (error) {
      this.#init.logger.warn('mesh: signal too big to relay', { peer: to, error: String(error) });
      return false;
    }
    return this.#sendFrame(to, 'signal', payload, Number.MAX_SAFE_INTEGER);
  }

  #receive(from: PeerAddr, bytes: Uint8Array): void {
    if (this.#closed || this.#lost()) return;
    if (bytes[0] === FRAME_KIND_BYTE.hello) {
      this.#linkForm.hello(from, bytes.subarray(1)); // Link control, kept out of the counts as on send.
      return;
    }
    this.#counters.packetsIn += 1;
    this.#counters.bytesIn += bytes.length;
    const dropped = this.#dispatch(from, bytes);
    if (dropped === undefined) return;
    if (dropped === 'spoofed src') this.#counters.spoofedDropped += 1;
    else this.#counters.malformedDropped += 1;
    this.#init.logger.debug('mesh: frame dropped', { peer: from, reason: dropped });
  }

  /** Hands a received frame on; returns why it was dropped instead, if it was. */
  #dispatch(from: PeerAddr, bytes: Uint8Array): string | undefined {
    const frame = decodeFrame(bytes);
    if (frame === undefined) return 'unknown frame kind';
    const { payload } = frame;
    switch (frame.kind) {
      case 'swim': {
        if (payload.length > this.#init.maxPacketSize) return 'swim packet too big';
        let src: string | undefined;
        try {
          src = this.#init.swimSrcAddr(payload);
        } catch {
          src = undefined;
        }
        if (src === undefined) return 'unreadable swim header';
        if (src !== from) return 'spoofed src';
        this.#emit('swim', from, payload);
        return undefined;
      }
      case 'swim-link': {
        // Its src is the link's peer by construction: nothing to check against spoofing.
        const packet = this.#linkForm.expand(from, payload);
        if (packet === undefined) return 'bad swim link header';
        if (packet.length > this.#init.maxPacketSize) return 'swim packet too big';
        this.#emit('swim', from, packet);
        return undefined;
      }
      case 'hello': // Taken in `#receive`.
        return undefined;
      case 'app':
        if (payload.length > this.#init.maxAppSize) return 'app message too big';
        this.#emit('app', from, payload);
        return undefined;
      case 'signal': {
        if (!this.#router.admit(from)) return undefined; // Counted as `relayRateDropped`.
        const signal = decodeRelayedSignal(payload);
        if (signal === undefined) return 'bad relayed signal';
        this.#router.handle(from, signal);
        return undefined;
      }
    }
  }

  #serverSignal(from: unknown, sessionId: unknown, data: unknown): void {
    const message = parseSignalMessage(data);
    if (!isMemberAddr(from) || typeof sessionId !== 'string' || message === undefined) {
      this.#counters.malformedDropped += 1;
      this.#init.logger.debug('mesh: malformed signal from the server dropped');
      return;
    }
    this.#signalForUs(from, sessionId, message, 'server');
  }

  /**
   * A signal addressed to us, by either path: acted on only when its sender's proof holds. While an
   * asynchronous verification runs, later signals queue behind it, so the connection manager sees them
   * in the order they came (an answer never overtakes its offer's busy, say); past
   * `MAX_SIGNALS_VERIFYING` waiting, more are dropped (`signalsVerifyDropped`).
   */
  #signalForUs(from: PeerAddr, sessionId: string, data: SignalMessage, path: SignalPath): void {
    const verdict = this.#auth.accept(from, sessionId, data);
    if (this.#signalsWaiting === 0 && typeof verdict === 'boolean') {
      this.#actOnSignal(verdict, from, sessionId, data, path);
      return;
    }
    if (this.#signalsWaiting >= MAX_SIGNALS_VERIFYING) {
      this.#counters.signalsVerifyDropped += 1;
      return;
    }
    this.#signalsWaiting += 1;
    this.#signalQueue = Promise.all([this.#signalQueue, verdict]).then(([, ok]) => {
      this.#signalsWaiting -= 1;
      if (this.#closed) return;
      try {
        this.#actOnSignal(ok, from, sessionId, data, path);
      } catch (error) {
        this.#init.logger.warn('mesh: a verified signal failed', { peer: from, error: String(error) });
      }
    });
  }

  #actOnSignal(ok: boolean, from: PeerAddr, sessionId: string, data: SignalMessage, path: SignalPath): void {
    if (!ok) {
      this.#init.logger.debug('mesh: signal without a valid signature dropped', { peer: from, path });
      return;
    }
    this.#manager.handleSignal(from, sessionId, data, path);
  }

  #sendViaServer(to: PeerAddr, sessionId: string, data: SignalMessage): Promise<boolean> | undefined {
    const server = this.#init.server;
    if (server === undefined || this.#closed) return undefined;
    this.#counters.signalsViaServer += 1;
    return server.send(to, sessionId, this.#auth.sign(to, sessionId, data)).catch((error: unknown) => {
      this.#init.logger.warn('mesh: server signaling failed', { peer: to, error: String(error) });
      return false;
    });
  }

  #linkOpened(addr: PeerAddr, path: SignalPath): void {
    if (path === 'mesh') this.#counters.signaledViaMesh += 1;
    else this.#counters.signaledViaServer += 1;
    this.#emit('peer-open', addr);
  }

  #emit<E extends keyof MeshEvents>(event: E, ...args: Parameters<MeshEvents[E]>): void {
    this.#events.emit(event, ...args);
  }
}

function checkAddr(addr: unknown): void {
  if (!isMemberAddr(addr))
    throw new TypeError(`addr must be 32 lowercase hex digits, got ${JSON.stringify(addr)}`);
}
