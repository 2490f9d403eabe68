/**
 * Meshes connected through an in-process network instead of WebRTC: the same frames, connection
 * manager, relayed signaling and budget, with links whose offer and answer are tokens and whose frames
 * are queued deliveries. For the runtime's tests and simulator-like runs without a browser.
 */
import { type Clock, systemClock } from '../runtime/clock';
import type { CreateLinkOptions, Link, LinkDriver, LinkHandlers } from './link';
import { LocalSignalingHub } from './local-signaling';
import type { PeerAddr, ServerSignaling } from './mesh';
import type { MeshInit } from './mesh-init';
import { MeshNode } from './mesh-node';

export interface InMemoryNetworkInit {
  /** The clock deliveries are queued on (and the default for meshes). Default: the system clock. */
  readonly clock?: Clock;
  /** Delay of every delivery (frames, link opening and closing, server signals), in ms. Default 0. */
  readonly delayMs?: number;
}

/** A mesh's options on the in-memory network. `server: false` gives it no server connection. */
export type InMemoryMeshInit = Omit<MeshInit, 'server'> & { readonly server?: ServerSignaling | false };

const TOKEN_PREFIX = 'memory:';

export class InMemoryNetwork {
  /** The in-process signaling server every mesh uses by default; `hub.setOnline(false)` takes it down. */
  readonly hub: LocalSignalingHub;
  readonly #clock: Clock;
  readonly #delayMs: number;
  readonly #endpoints = new Map<number, MemoryLink>();
  readonly #meshes = new Map<PeerAddr, MeshNode>();
  readonly #crashed = new Set<PeerAddr>();
  readonly #taps = new Set<(from: PeerAddr, to: PeerAddr, bytes: Uint8Array) => void>();
  #nextToken = 0;

  constructor(init: InMemoryNetworkInit = {}) {
    this.#clock = init.clock ?? systemClock;
    this.#delayMs = init.delayMs ?? 0;
    this.hub = new LocalSignalingHub({ clock: this.#clock, delayMs: this.#delayMs });
  }

  /** A mesh on this network. Throws `InvalidMeshInitError` on a bad option. */
  createMesh(init: InMemoryMeshInit): MeshNode {
    const { server, ...rest } = init;
    const resolvedServer = server === false ? undefined : (server ?? this.hub.client(init.self));
    const driver: LinkDriver = { createLink: (options) => this.#createLink(options) };
    const meshInit: MeshInit = {
      clock: this.#clock,
      ...rest,
      ...(resolvedServer === undefined ? {} : { server: resolvedServer }),
    };
    const mesh = new MeshNode(meshInit, driver);
    this.#meshes.set(init.self, mesh);
    return mesh;
  }

  /**
   * Crashes the member `addr` as a killed tab would: its mesh stops, nothing it had in flight or is sent
   * arrives, and its peers hear nothing — until `linkCloseAfterMs` later, when their links close (as
   * WebRTC notices a dead peer only after ~17 s). Without it, the links stay open and silent.
   */
  crash(addr: PeerAddr, options: { readonly linkCloseAfterMs?: number } = {}): void {
    const mesh = this.#meshes.get(addr);
    if (mesh === undefined || this.#crashed.has(addr)) return;
    this.#crashed.add(addr);
    const orphans = [...this.#endpoints.values()].flatMap((link) => link.orphanedBy(addr));
    mesh.close();
    const after = options.linkCloseAfterMs;
    if (after === undefined) return;
    this.#clock.setTimeout(() => {
      for (const orphan of orphans) orphan.fail('peer unreachable');
    }, after);
  }

  /** Whether `addr` was crashed with `crash`. */
  isCrashed(addr: PeerAddr): boolean {
    return this.#crashed.has(addr);
  }

  /**
   * Puts raw `bytes` on `from`'s open link to `to`, past `from`'s mesh: what a hostile member's own
   * code can send (forged signal frames, say). Returns false when no such link is open. For attack tests.
   */
  inject(from: PeerAddr, to: PeerAddr, bytes: Uint8Array): boolean {
    for (const link of this.#endpoints.values()) if (link.joins(from, to)) return link.send(bytes);
    return false;
  }

  /**
   * Calls `observer` with every frame delivered from now on, as the receiving member's code sees it
   * (a hostile member records what it relays this way). Returns the function that stops it.
   */
  tap(observer: (from: PeerAddr, to: PeerAddr, bytes: Uint8Array) => void): () => void {
    this.#taps.add(observer);
    return () => this.#taps.delete(observer);
  }

  /** Tells the taps about a frame being delivered. */
  delivered(from: PeerAddr, to: PeerAddr, bytes: Uint8Array): void {
    for (const observer of this.#taps) observer(from, to, bytes);
  }

  /** Links not yet destroyed (negotiating or open), over the whole network. */
  get liveLinks(): number {
    return this.#endpoints.size;
  }

  /** Runs `callback` after the network's delay, as a delivery would arrive. */
  schedule(callback: () => void): void {
    this.#clock.setTimeout(callback, this.#delayMs);
  }

  #createLink(options: CreateLinkOptions): Link {
    this.#nextToken += 1;
    const link = new MemoryLink(this, this.#nextToken, options);
    this.#endpoints.set(link.token, link);
    if (options.initiator) link.emitSignal('offer');
    return link;
  }

  /** The live endpoint behind a signal, or undefined when it is not one or is gone. */
  endpointFor(signal: object): MemoryLink | undefined {
    const sdp = (signal as { sdp?: unknown }).sdp;
    if (typeof sdp !== 'string' || !sdp.startsWith(TOKEN_PREFIX)) return undefined;
    return this.#endpoints.get(Number(sdp.slice(TOKEN_PREFIX.length)));
  }

  forget(link: MemoryLink): void {
    this.#endpoints.delete(link.token);
  }
}

/** One side of an in-memory link. */
class MemoryLink implements Link {
  readonly token: number;
  readonly #network: InMemoryNetwork;
  readonly #self: PeerAddr;
  readonly #peer: PeerAddr;
  readonly #handlers: LinkHandlers;
  #remote: MemoryLink | undefined;
  #open = false;
  #done = false;

  constructor(network: InMemoryNetwork, token: number, options: CreateLinkOptions) {
    this.#network = network;
    this.token = token;
    this.#self = options.self;
    this.#peer = options.peer;
    this.#handlers = options.handlers;
  }

  emitSignal(type: 'offer' | 'answer'): void {
    const signal = { type, sdp: `${TOKEN_PREFIX}${this.token}` };
    this.#network.schedule(() => {
      if (!this.#done) this.#handlers.signal(signal);
    });
  }

  signal(data: object): void {
    if (this.#done || this.#remote !== undefined) return;
    const type = (data as { type?: unknown }).type;
    const other = this.#network.endpointFor(data);
    // The signal must come from the link the peer made for us, else it fails like a bad SDP would.
    if (other === undefined || other.#self !== this.#peer || other.#peer !== this.#self) {
      this.#network.schedule(() => this.#finish('bad signal'));
      return;
    }
    if (type === 'offer') {
      this.#remote = other;
      this.emitSignal('answer');
    } else if (type === 'answer' && other.#remote === this) {
      this.#remote = other;
      this.#network.schedule(() => {
        this.#opened();
        other.#opened();
      });
    }
  }

  send(bytes: Uint8Array): boolean {
    const remote = this.#remote;
    if (this.#done || !this.#open || remote === undefined) return false;
    const copy = bytes.slice();
    this.#network.schedule(() => {
      if (this.#network.isCrashed(this.#self) || this.#network.isCrashed(this.#peer)) return;
      if (remote.#open && !remote.#done && remote.#remote === this) {
        this.#network.delivered(this.#self, this.#peer, copy);
        remote.#handlers.data(copy);
      }
    });
    return true;
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#network.forget(this);
    const remote = this.#remote;
    // A crashed member's links vanish without a word: its peers find out only by `crash`'s timeout.
    if (remote !== undefined && remote.#remote === this && !this.#network.isCrashed(this.#self)) {
      this.#network.schedule(() => remote.#finish('closed'));
    }
  }

  /** Whether this is `from`'s open end of a link to `to`. */
  joins(from: PeerAddr, to: PeerAddr): boolean {
    return this.#self === from && this.#peer === to && this.#open && !this.#done;
  }

  /** This link if it is a live link whose far end belongs to `addr`. */
  orphanedBy(addr: PeerAddr): MemoryLink[] {
    return this.#peer === addr && !this.#done ? [this] : [];
  }

  /** Fails the link from outside, as a transport timeout would. */
  fail(reason: string): void {
    this.#finish(reason);
  }

  #opened(): void {
    if (this.#done || this.#open) return;
    this.#open = true;
    this.#handlers.open();
  }

  #finish(reason: string): void {
    if (this.#done) return;
    this.destroy();
    this.#handlers.close(reason);
  }
}

/** A network of in-memory meshes (see `InMemoryNetwork`). */
export function createInMemoryNetwork(init: InMemoryNetworkInit = {}): InMemoryNetwork {
  return new InMemoryNetwork(init);
}
