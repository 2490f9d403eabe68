import type { BrowserIdentity } from '../../shared/swim/browser-identity';
import type { Rng } from '../../shared/swim/rng';
import type { Mesh, MeshStats, ServerSignaling } from '../mesh/mesh';
import { Bootstrapper } from '../runtime/bootstrap';
import { type Clock, systemClock } from '../runtime/clock';
import { IdentityStore, type KeyValueStorage } from '../runtime/identity-store';
import { type Logger, silentLogger } from '../runtime/logger';
import type { SignalingClient, SocketSignalingInit } from '../runtime/signaling-client';
import { type HostStats, SwimHost } from '../runtime/swim-host';
import { decodeAppFrame, encodeMessage, encodeMetadataFrame } from './app-frames';
import {
  decodeMetadataItem,
  encodeMetadataItem,
  encodeMetadataJson,
  type Metadata,
  MetadataError,
  type MetadataKey,
  MetadataStore,
} from './metadata';
import type { ResolvedOptions } from './options';
import type {
  MemberState,
  PacketEvent,
  RawNotification,
  RoomEventName,
  RoomEvents,
  RoomMember,
  RoomStatus,
} from './room-events';

/** What a room needs to build its mesh; the environment (browser, Node, tests) supplies the factory. */
export interface RoomMeshInit {
  readonly self: string;
  readonly swimSrcAddr: (bytes: Uint8Array) => string | undefined;
  readonly server: ServerSignaling;
  readonly iceServers: readonly RTCIceServer[];
  readonly maxPacketSize: number;
  readonly maxConnections?: number;
  readonly logger: Logger;
}

/** The collaborators a room is built with (options apart from injected parts). */
export interface RoomDeps {
  readonly createMesh: (init: RoomMeshInit) => Mesh;
  readonly createSignaling: (init: SocketSignalingInit) => SignalingClient;
  /** Turns on pagehide / resume handling; returns its detach function. */
  readonly attachLifecycle?: (room: LifecycleTarget) => () => void;
  readonly storage?: KeyValueStorage | undefined;
  readonly clock?: Clock;
  /** Randomness for the core (probe order, gossip targets). */
  readonly rng: Rng;
}

/** What the page lifecycle handlers call. */
export interface LifecycleTarget {
  /** Leaves at once, synchronously: the page is going away. */
  leaveNow(): void;
  /** Looks for a hang/freeze/sleep now. */
  checkPause(): void;
}

/** `room.stats()`: the mesh's counters, the core's backlog and the host's counters. */
export interface RoomStats extends HostStats {
  readonly mesh: MeshStats;
  readonly members: number;
  readonly incarnation: number;
  readonly generation: number;
  readonly connectionState: string;
  readonly updatesBacklog: number;
  readonly customBroadcastBacklog: number;
  /** App frames dropped because they were malformed or spoofed. */
  readonly appDropped: number;
}

/** Thrown when a room is used after `leave()`. */
export class RoomClosedError extends Error {
  static readonly NAME = 'RoomClosedError';
  override readonly name = RoomClosedError.NAME;
}

const HISTORY_LIMIT = 500;
const PUBLISH_INTERVAL_MS = 100;
const LEAVE_FLUSH_MS = 200;
/** Largest app message frame; the mesh's own cap is one byte less than 16 KiB with its frame kind. */
export const MAX_MESSAGE_BYTES = 16 * 1024 - 1;

interface Entry {
  id: BrowserIdentity;
  state: MemberState;
  readonly since: number;
}

type Listeners<M extends Metadata> = { [E in RoomEventName]: Set<RoomEvents<M>[E]> };

/**
 * A joined room: who is here (`members()`, `join`/`leave`/`update`), our own metadata, app messages,
 * and the connection status. Made by `joinRoom`.
 */
export class Room<M extends Metadata = Metadata> {
  /** The room name. */
  readonly name: string;
  private readonly host: SwimHost<MetadataKey>;
  private readonly mesh: Mesh;
  private readonly signaling: SignalingClient;
  private readonly bootstrap: Bootstrapper<MetadataKey>;
  private readonly identityStore: IdentityStore;
  private readonly metadataStore: MetadataStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly listeners: Listeners<M> = {
    join: new Set(),
    leave: new Set(),
    update: new Set(),
    status: new Set(),
    notification: new Set(),
    message: new Set(),
    packet: new Set(),
    error: new Set(),
  };
  private readonly entries = new Map<string, Entry>();
  private readonly history: RawNotification[] = [];
  private readonly changedMetadata = new Set<string>();
  /** Members that have not had our metadata directly yet (they just came up or reloaded). */
  private readonly owedMetadata = new Set<string>();
  private readonly joinedAt: number;
  private selfMetadata: M;
  private selfJson: Uint8Array;
  private selfItem: Uint8Array = new Uint8Array(0);
  private metadataVersion = 0;
  private lastPublish = Number.NEGATIVE_INFINITY;
  private publishHandle: unknown;
  private currentStatus: RoomStatus = 'connecting';
  private everConnected = false;
  private leaving = false;
  private closed = false;
  private fatal = false;
  private appDropped = 0;
  private detachLifecycle: () => void = () => {};

  constructor(options: ResolvedOptions<M>, deps: RoomDeps) {
    this.name = options.room;
    this.clock = deps.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    const storage = options.storage === null ? undefined : (options.storage ?? deps.storage);
    this.identityStore = new IdentityStore(options.room, storage);
    const identity = this.identityStore.next();
    this.joinedAt = this.clock.wallNow();
    this.selfMetadata = options.metadata;
    this.selfJson = encodeMetadataJson(options.metadata);

    this.signaling = deps.createSignaling({
      url: options.signaling,
      room: options.room,
      addr: identity.addr,
      token: options.token,
    });
    this.mesh = deps.createMesh({
      self: identity.addr,
      swimSrcAddr: readSrcAddr,
      server: this.signaling,
      iceServers: options.iceServers,
      maxPacketSize: options.config.maxPacketSize,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      logger: this.logger,
    });
    this.metadataStore = new MetadataStore(
      (addr) => this.changedMetadata.add(addr),
      (item) => {
        const m = this.host?.core.member(item.addr);
        return m !== undefined && m.state === 'down' && m.id.generation >= item.generation;
      },
    );
    this.host = new SwimHost<MetadataKey>({
      identity,
      config: options.config,
      mesh: this.mesh,
      rng: deps.rng,
      broadcastHandler: this.metadataStore,
      clock: this.clock,
      logger: this.logger,
    });
    this.bootstrap = new Bootstrapper<MetadataKey>({
      host: this.host,
      signaling: this.signaling,
      clock: this.clock,
      logger: this.logger,
    });

    this.host.on('notification', (n) => this.onNotification(n));
    this.host.on('drained', () => this.afterDrain());
    this.mesh.on('app', (from, bytes) => this.onApp(from, bytes));
    this.mesh.on('peer-open', (addr) => this.sendOwedMetadata(addr));
    this.bootstrap.on('change', () => this.updateStatus());
    this.bootstrap.on('refused', (error) => {
      this.emit('error', error);
      this.updateStatus();
    });

    this.publishMetadata();
    this.bootstrap.start();
    if (deps.attachLifecycle !== undefined) {
      this.detachLifecycle = deps.attachLifecycle({
        leaveNow: () => this.leaveNow(),
        checkPause: () => this.host.checkPause(),
      });
    }
  }

  /** Us, as the others see us. */
  get self(): RoomMember<M> {
    const id = this.host.identity;
    return {
      id: id.addr,
      generation: id.generation,
      state: 'alive',
      metadata: this.selfMetadata,
      since: this.joinedAt,
      self: true,
    };
  }

  get status(): RoomStatus {
    return this.currentStatus;
  }

  /** Everyone in the room as we see it, us first. Alive and suspect members; Down ones are gone. */
  members(): RoomMember<M>[] {
    const out = [this.self];
    for (const addr of this.entries.keys()) out.push(this.view(addr)!);
    return out;
  }

  /**
   * Subscribes to an event; returns the unsubscribe function. `status`, `join` and `notification`
   * replay the current state to the new handler at once (see `RoomEvents`).
   */
  on<E extends RoomEventName>(event: E, handler: RoomEvents<M>[E]): () => void {
    const set = this.listeners[event] as Set<RoomEvents<M>[E]>;
    set.add(handler);
    if (event === 'status') this.call(() => (handler as RoomEvents<M>['status'])(this.currentStatus));
    if (event === 'join') {
      for (const addr of this.entries.keys()) {
        const v = this.view(addr)!;
        this.call(() => (handler as RoomEvents<M>['join'])(v));
      }
    }
    if (event === 'notification') {
      for (const n of this.history.slice()) this.call(() => (handler as RoomEvents<M>['notification'])(n));
    }
    return () => this.off(event, handler);
  }

  off<E extends RoomEventName>(event: E, handler: RoomEvents<M>[E]): void {
    (this.listeners[event] as Set<RoomEvents<M>[E]>).delete(handler);
  }

  /**
   * Merges `partial` into our metadata and spreads it to every member (throttled: at most one
   * broadcast per 100 ms, the latest value wins). Throws `MetadataError` (and changes nothing) when
   * the result is not a JSON object of at most 512 bytes; `RoomClosedError` after `leave()`.
   */
  setMetadata(partial: Partial<M>): void {
    this.assertOpen();
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
      throw new MetadataError('setMetadata takes an object of fields to change');
    }
    const next = { ...this.selfMetadata, ...partial } as M;
    const json = encodeMetadataJson(next);
    this.selfMetadata = next;
    this.selfJson = json;
    this.emit('update', this.self);
    if (this.publishHandle !== undefined) return;
    const wait = this.lastPublish + PUBLISH_INTERVAL_MS - this.clock.now();
    if (wait <= 0) {
      this.publishMetadata();
      return;
    }
    this.publishHandle = this.clock.setTimeout(() => {
      this.publishHandle = undefined;
      if (!this.closed) this.publishMetadata();
    }, wait);
  }

  /**
   * Sends an ephemeral message to one member over its data channel (unreliable: it may be lost).
   * `data` is a JSON value or a `Uint8Array`. Returns false when we have no open link to it. Throws
   * `MessageError` for data that can't be sent (not JSON, over 16 KiB), `RoomClosedError` after `leave()`.
   */
  send(memberId: string, data: unknown): boolean {
    this.assertOpen();
    if (typeof memberId !== 'string' || !/^[0-9a-f]{32}$/.test(memberId)) {
      throw new TypeError(`memberId must be a member's id (32 hex digits), got ${JSON.stringify(memberId)}`);
    }
    const frame = encodeMessage(data, MAX_MESSAGE_BYTES);
    return this.mesh.sendApp(memberId, frame);
  }

  /** Sends an ephemeral message to every member we have a link to; returns how many it went to. */
  broadcast(data: unknown): number {
    this.assertOpen();
    const frame = encodeMessage(data, MAX_MESSAGE_BYTES);
    let sent = 0;
    for (const addr of this.entries.keys()) if (this.mesh.sendApp(addr, frame)) sent++;
    return sent;
  }

  stats(): RoomStats {
    const core = this.host.core;
    return {
      ...this.host.stats(),
      mesh: this.mesh.stats(),
      members: this.entries.size + 1,
      incarnation: core.incarnation,
      generation: core.identity.generation,
      connectionState: core.connectionState,
      updatesBacklog: core.updatesBacklog,
      customBroadcastBacklog: core.customBroadcastBacklog,
      appDropped: this.appDropped,
    };
  }

  /** Ids of the members we hold an open data channel with. */
  connections(): string[] {
    return this.mesh.openPeers();
  }

  /**
   * Closes our link to a member, as a network fault would (for tests and the demo). The member stays
   * in the room (probes go through others meanwhile) and the link is re-made through the mesh.
   */
  dropConnection(memberId: string): void {
    this.assertOpen();
    if (typeof memberId !== 'string' || !/^[0-9a-f]{32}$/.test(memberId)) {
      throw new TypeError(`memberId must be a member's id (32 hex digits), got ${JSON.stringify(memberId)}`);
    }
    this.mesh.disconnect(memberId);
  }

  /** Drops this fraction (0–1) of frames in and out, to watch SWIM cope (the demo's loss slider). */
  setLoss(fraction: number): void {
    this.assertOpen();
    this.mesh.setLoss(fraction);
  }

  /**
   * Leaves the room: tells a few members we are going (they spread it), leaves the server's room,
   * and closes every link once the goodbye had time to go out. Idempotent.
   */
  leave(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.leaveNow();
    return new Promise((resolve) => {
      this.clock.setTimeout(() => {
        this.shutdown();
        resolve();
      }, LEAVE_FLUSH_MS);
    });
  }

  /** The synchronous part of `leave()`, for `pagehide`: the goodbye goes out before the page does. */
  private leaveNow(): void {
    if (this.leaving) return;
    this.leaving = true;
    this.host.leaveCluster();
    this.signaling.leave();
    this.detachLifecycle();
    this.updateStatus();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.publishHandle !== undefined) this.clock.clearTimeout(this.publishHandle);
    this.bootstrap.stop();
    this.host.stop();
    this.mesh.close();
    this.signaling.close();
  }

  private assertOpen(): void {
    if (this.leaving || this.closed) throw new RoomClosedError(`room ${this.name} was left`);
  }

  private publishMetadata(): void {
    this.metadataVersion++;
    this.lastPublish = this.clock.now();
    this.selfItem = encodeMetadataItem(this.host.identity, this.metadataVersion, this.selfJson);
    const item = this.selfItem;
    this.host.run(() => this.host.core.addBroadcast(item));
    if (this.host.core.connectionState === 'connected') this.host.run((rt) => this.host.core.broadcast(rt));
  }

  private sendOwedMetadata(addr: string): void {
    if (!this.owedMetadata.has(addr) || !this.mesh.isOpen(addr)) return;
    if (this.mesh.sendApp(addr, encodeMetadataFrame(this.selfItem))) this.owedMetadata.delete(addr);
  }

  private onNotification(n: RawNotification): void {
    if (n.type !== 'data-sent' && n.type !== 'data-received') {
      this.history.push(n);
      if (this.history.length > HISTORY_LIMIT) this.history.shift();
    }
    this.emit('notification', n);
    const self = this.host.identity.addr;
    switch (n.type) {
      case 'data-sent':
      case 'data-received':
        if (this.listeners.packet.size > 0) this.emit('packet', packetEvent(n, this.clock.wallNow()));
        return;
      case 'member-up': {
        if (n.id.addr === self) return;
        this.entries.set(n.id.addr, { id: n.id, state: 'alive', since: this.clock.wallNow() });
        this.owedMetadata.add(n.id.addr);
        this.sendOwedMetadata(n.id.addr);
        this.emit('join', this.view(n.id.addr)!);
        return;
      }
      case 'member-down': {
        const addr = n.id.addr;
        const before = this.view(addr);
        this.entries.delete(addr);
        this.metadataStore.delete(addr);
        this.owedMetadata.delete(addr);
        if (before !== undefined)
          this.emit('leave', { ...before, id: addr, generation: n.id.generation, state: 'down' });
        return;
      }
      case 'rename': {
        const entry = this.entries.get(n.new.addr);
        if (entry === undefined || n.new.addr === self) return;
        entry.id = n.new;
        // A reloaded tab knows nothing of us yet.
        this.owedMetadata.add(n.new.addr);
        this.sendOwedMetadata(n.new.addr);
        this.emit('update', this.view(n.new.addr)!);
        return;
      }
      case 'rejoin':
        this.identityStore.save(n.id);
        this.publishMetadata();
        this.emit('update', this.self);
        return;
      case 'defunct':
        if (!this.leaving) {
          this.fatal = true;
          this.emit('error', new Error('declared Down and unable to rejoin with a renewed identity'));
        }
        return;
      default:
        return;
    }
  }

  private afterDrain(): void {
    this.flushMetadataChanges();
    for (const [addr, entry] of this.entries) {
      const m = this.host.core.member(addr);
      if (m === undefined || m.state === 'down' || m.state === entry.state) continue;
      entry.state = m.state;
      this.emit('update', this.view(addr)!);
    }
    this.updateStatus();
  }

  private flushMetadataChanges(): void {
    if (this.changedMetadata.size === 0) return;
    const changed = [...this.changedMetadata];
    this.changedMetadata.clear();
    for (const addr of changed) {
      const v = this.view(addr);
      if (v !== undefined) this.emit('update', v);
    }
  }

  private onApp(from: string, bytes: Uint8Array): void {
    if (this.closed) return;
    const frame = decodeAppFrame(bytes);
    if (frame === undefined) {
      this.appDropped++;
      return;
    }
    if (frame.kind === 'message') {
      this.emit('message', { from, data: frame.data });
      return;
    }
    try {
      const item = decodeMetadataItem(frame.item);
      // Only a member speaks for its own metadata directly; relayed copies come as broadcasts.
      if (item.addr !== from) {
        this.appDropped++;
        return;
      }
      this.metadataStore.apply(item);
      this.flushMetadataChanges();
    } catch {
      this.appDropped++;
    }
  }

  private updateStatus(): void {
    let next: RoomStatus;
    if (this.leaving || this.closed || this.fatal || (this.bootstrap.refused && !this.host.isActive)) {
      next = 'lost';
    } else if (this.host.isActive || this.bootstrap.serverJoined) {
      next = 'connected';
    } else {
      next = this.everConnected ? 'reconnecting' : 'connecting';
    }
    if (next === 'connected') this.everConnected = true;
    if (next === this.currentStatus) return;
    this.currentStatus = next;
    this.emit('status', next);
  }

  private view(addr: string): RoomMember<M> | undefined {
    const e = this.entries.get(addr);
    if (e === undefined) return undefined;
    return {
      id: addr,
      generation: e.id.generation,
      state: e.state,
      metadata: this.metadataStore.get(addr)?.metadata as M | undefined,
      since: e.since,
      self: false,
    };
  }

  private emit<E extends RoomEventName>(event: E, ...args: Parameters<RoomEvents<M>[E]>): void {
    for (const h of this.listeners[event]) {
      this.call(() => (h as (...a: Parameters<RoomEvents<M>[E]>) => void)(...args));
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      // An app's handler must not break the room.
      this.logger.error('room event handler threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }
}

function packetEvent(n: RawNotification & { type: 'data-sent' | 'data-received' }, at: number): PacketEvent {
  const out = n.type === 'data-sent';
  return {
    direction: out ? 'out' : 'in',
    peer: out ? n.header.dst.addr : n.header.src.addr,
    type: n.header.message.type,
    at,
  };
}

/** A SWIM packet starts with its src identity's 16 address bytes. */
function readSrcAddr(bytes: Uint8Array): string | undefined {
  if (bytes.length < 18) return undefined;
  let addr = '';
  for (let i = 0; i < 16; i++) addr += bytes[i]!.toString(16).padStart(2, '0');
  return addr;
}
