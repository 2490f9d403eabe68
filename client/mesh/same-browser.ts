/**
 * Tabs of one browser over BroadcastChannel, everyone else over the given (WebRTC) mesh, behind one
 * `Mesh`. The local side is a `MeshNode` like any other — same frames, same spoof check, same
 * connection manager — whose links are BroadcastChannels and whose "server" is the room's channel.
 *
 * A tab heard on the room's channel is linked at once (no server needed) and any WebRTC link or
 * attempt to it is dropped; packets to it go over its BroadcastChannel link. Anyone not heard there
 * is left to the remote mesh.
 */
import { createNanoEvents } from 'nanoevents';
import { type Logger, silentLogger } from '../../shared/host/index';
import { createBroadcastChannelDriver, type OpenBroadcastChannel } from './broadcast-channel-link';
import { BroadcastChannelSignaling, sameBrowserChannelName } from './broadcast-channel-signaling';
import type { Mesh, MeshEvents, MeshStatsDetail, PeerAddr, SignalRoutes } from './mesh';
import type { MeshInit } from './mesh-init';
import { MeshNode } from './mesh-node';

/** Links over BroadcastChannel cost nothing that a page runs out of; this only bounds a runaway. */
const MAX_SAME_BROWSER_LINKS = 500;

export interface SameBrowserMeshInit
  extends Pick<MeshInit, 'self' | 'swimSrcAddr' | 'maxPacketSize' | 'rng' | 'logger' | 'clock'> {
  /** The room: tabs find each other on the channel named after it. */
  readonly room: string;
  readonly openChannel: OpenBroadcastChannel;
  /** The mesh to members in other browsers (WebRTC). It is closed with this one. */
  readonly remote: Mesh;
}

/** `MeshStats` of both sides (frames and drops summed), plus the same-browser links on their own. */
export interface SameBrowserMeshStats extends MeshStatsDetail {
  /** Links open over BroadcastChannel (counted in `open` too). */
  readonly sameBrowserOpen: number;
}

export class SameBrowserMesh implements Mesh {
  readonly self: PeerAddr;
  readonly #signaling: BroadcastChannelSignaling;
  readonly #local: MeshNode;
  readonly #remote: Mesh;
  readonly #logger: Logger;
  readonly #events = createNanoEvents<MeshEvents>();
  /** Peers we told our subscribers are open, so either side's events become one open/close each. */
  readonly #open = new Set<PeerAddr>();
  readonly #unsubscribers: Array<() => void> = [];
  #closed = false;

  /** Opens the room's channel and says hello. Throws `InvalidMeshInitError` on a bad option. */
  constructor(init: SameBrowserMeshInit) {
    const channelName = sameBrowserChannelName(init.room);
    this.self = init.self;
    this.#remote = init.remote;
    this.#logger = init.logger ?? silentLogger;
    for (const addr of init.remote.openPeers()) this.#open.add(addr);
    this.#signaling = new BroadcastChannelSignaling(init.self, channelName, init.openChannel);
    const { room: _room, openChannel, remote: _remote, ...meshInit } = init;
    this.#local = new MeshNode(
      {
        ...meshInit,
        server: this.#signaling,
        maxConnections: MAX_SAME_BROWSER_LINKS,
        // The room's channel reaches every tab directly: relaying through other tabs never helps.
        meshSignalTries: 0,
      },
      createBroadcastChannelDriver({ openChannel, prefix: channelName }),
    );
    for (const side of [this.#local, this.#remote]) {
      this.#unsubscribers.push(
        side.on('swim', (from, bytes) => this.#events.emit('swim', from, bytes)),
        side.on('app', (from, bytes) => this.#events.emit('app', from, bytes)),
        side.on('peer-open', (addr) => this.#opened(addr)),
        side.on('peer-close', (addr) => this.#sync(addr)),
      );
    }
    this.#unsubscribers.push(this.#signaling.on('present', (addr) => this.connect(addr)));
  }

  /** Whether `addr` is a tab of this browser (its packets go over BroadcastChannel). */
  isSameBrowser(addr: PeerAddr): boolean {
    return this.#local.isOpen(addr) || this.#signaling.isPresent(addr);
  }

  /** See `Mesh.connect`: over BroadcastChannel for a tab of this browser, else the remote mesh. */
  connect(addr: PeerAddr): boolean {
    if (this.#closed) return false;
    if (!this.isSameBrowser(addr)) return this.#remote.connect(addr);
    // A WebRTC attempt made before we heard the tab would be a second, costlier link; an open one
    // carries on until the local link opens (`#opened` drops it then).
    if (!this.#remote.isOpen(addr)) this.#remote.disconnect(addr);
    return this.#local.connect(addr);
  }

  disconnect(addr: PeerAddr): void {
    this.#local.disconnect(addr);
    this.#remote.disconnect(addr);
  }

  sendSwim(to: PeerAddr, bytes: Uint8Array): boolean {
    return this.#sideOf(to).sendSwim(to, bytes);
  }

  sendApp(to: PeerAddr, bytes: Uint8Array): boolean {
    return this.#sideOf(to).sendApp(to, bytes);
  }

  isOpen(addr: PeerAddr): boolean {
    return this.#local.isOpen(addr) || this.#remote.isOpen(addr);
  }

  /** Both sides' peers; a peer open on either side is `open`. */
  links(): Map<PeerAddr, 'opening' | 'open'> {
    const links = this.#remote.links();
    for (const [addr, state] of this.#local.links()) if (links.get(addr) !== 'open') links.set(addr, state);
    return links;
  }

  /** Routes the WebRTC side's relayed signals (the same-browser side signals over its channel). */
  setRoutes(routes: SignalRoutes | undefined): void {
    this.#remote.setRoutes(routes);
  }

  /** Spares WebRTC links only: the same-browser side's links cost no slot of the budget. */
  setSpare(spare: (() => readonly PeerAddr[]) | undefined): void {
    this.#remote.setSpare(spare);
  }

  openPeers(): PeerAddr[] {
    return [...new Set([...this.#local.openPeers(), ...this.#remote.openPeers()])];
  }

  /** Subscribes to an event; returns the unsubscribe function. A handler that throws is logged, not rethrown. */
  on<E extends keyof MeshEvents>(event: E, handler: MeshEvents[E]): () => void {
    const guarded = ((...args: Parameters<MeshEvents[E]>) => {
      try {
        (handler as (...a: Parameters<MeshEvents[E]>) => void)(...args);
      } catch (error) {
        this.#logger.warn('mesh: event handler threw', { event, error: String(error) });
      }
    }) as MeshEvents[E];
    return this.#events.on(event, guarded);
  }

  stats(): SameBrowserMeshStats {
    const local = this.#local.stats();
    const remote = this.#remote.stats();
    return {
      ...remote,
      open: this.openPeers().length,
      packetsIn: remote.packetsIn + local.packetsIn,
      packetsOut: remote.packetsOut + local.packetsOut,
      bytesIn: remote.bytesIn + local.bytesIn,
      bytesOut: remote.bytesOut + local.bytesOut,
      spoofedDropped: remote.spoofedDropped + local.spoofedDropped,
      swimLinkFormOut: remote.swimLinkFormOut + local.swimLinkFormOut,
      lossDropped: remote.lossDropped + local.lossDropped,
      malformedDropped: remote.malformedDropped + local.malformedDropped,
      linksCreated: remote.linksCreated + local.linksCreated,
      sameBrowserOpen: local.open,
    };
  }

  setLoss(fraction: number): void {
    this.#local.setLoss(fraction);
    this.#remote.setLoss(fraction);
  }

  /** Closes both sides and says goodbye on the room's channel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#local.close();
    this.#remote.close();
    this.#signaling.close();
    for (const u of this.#unsubscribers.splice(0)) u();
  }

  #sideOf(addr: PeerAddr): Mesh {
    return this.#local.isOpen(addr) ? this.#local : this.#remote;
  }

  #opened(addr: PeerAddr): void {
    // The tab may have offered over WebRTC (through the server) before either heard the other here;
    // drop that link once the remote mesh is done announcing it.
    if (this.#remote.isOpen(addr) && this.isSameBrowser(addr)) {
      queueMicrotask(() => {
        if (!this.#closed && this.isSameBrowser(addr)) this.#remote.disconnect(addr);
      });
    }
    this.#sync(addr);
  }

  /** Emits `peer-open` / `peer-close` when `addr`'s openness on either side, taken together, changed. */
  #sync(addr: PeerAddr): void {
    const open = this.isOpen(addr);
    if (open === this.#open.has(addr)) return;
    if (open) this.#open.add(addr);
    else this.#open.delete(addr);
    this.#events.emit(open ? 'peer-open' : 'peer-close', addr);
  }
}
