import type { Mesh } from '../mesh/mesh';
import { Bootstrapper } from '../runtime/bootstrap';
import { type Clock, systemClock } from '../runtime/clock';
import { IdentityStore } from '../runtime/identity-store';
import { type Logger, silentLogger } from '../runtime/logger';
import type { SignalingClient } from '../runtime/signaling-client';
import { SwimHost } from '../runtime/swim-host';
import { decodeAppFrame, encodeMessage } from './app-frames';
import { MemberTable } from './member-table';
import {
  decodeMetadataItem,
  type Metadata,
  MetadataError,
  type MetadataKey,
  MetadataStore,
} from './metadata';
import type { ResolvedOptions } from './options';
import type { RoomDeps, RoomStats } from './room-deps';
import type {
  PacketEvent,
  RawNotification,
  RoomEventName,
  RoomEvents,
  RoomMember,
  RoomStatus,
} from './room-events';
import { SelfMetadata } from './self-metadata';

export type { LifecycleTarget, RoomDeps, RoomMeshInit, RoomStats } from './room-deps';

/** Thrown when a room is used after `leave()`. */
export class RoomClosedError extends Error {
  static readonly NAME = 'RoomClosedError';
  override readonly name = RoomClosedError.NAME;
}

const HISTORY_LIMIT = 500;
const LEAVE_FLUSH_MS = 200;
/** Largest app message frame; the mesh's own cap is one byte less than 16 KiB with its frame kind. */
export const MAX_MESSAGE_BYTES = 16 * 1024 - 1;

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
  private readonly table: MemberTable<M>;
  private readonly history: RawNotification[] = [];
  private readonly changedMetadata = new Set<string>();
  private readonly joinedAt: number;
  private readonly selfMetadata: SelfMetadata<M>;
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

    this.signaling = deps.createSignaling({
      url: options.signaling,
      room: options.room,
      addr: identity.addr,
      token: options.token,
    });
    try {
      this.mesh = deps.createMesh({
        self: identity.addr,
        swimSrcAddr: readSrcAddr,
        server: this.signaling,
        iceServers: options.iceServers,
        ...(options.iceTransportPolicy === undefined
          ? {}
          : { iceTransportPolicy: options.iceTransportPolicy }),
        maxPacketSize: options.config.maxPacketSize,
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
        logger: this.logger,
      });
    } catch (e) {
      this.signaling.close();
      throw e;
    }
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
    this.selfMetadata = new SelfMetadata(options.metadata, this.host, this.mesh, this.clock);
    this.table = new MemberTable<M>(this.metadataStore);
    this.bootstrap = new Bootstrapper<MetadataKey>({
      host: this.host,
      signaling: this.signaling,
      clock: this.clock,
      logger: this.logger,
    });

    this.host.on('notification', (n) => this.onNotification(n));
    this.host.on('drained', () => this.afterDrain());
    this.mesh.on('app', (from, bytes) => this.onApp(from, bytes));
    this.mesh.on('peer-open', (addr) => this.selfMetadata.sendOwed(addr));
    this.bootstrap.on('change', () => this.updateStatus());
    this.bootstrap.on('refused', (error) => {
      this.emit('error', error);
      this.updateStatus();
    });

    this.selfMetadata.publish();
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
      metadata: this.selfMetadata.current,
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
    for (const addr of this.table.addrs()) out.push(this.table.view(addr)!);
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
      for (const addr of this.table.addrs()) {
        const v = this.table.view(addr)!;
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
    this.selfMetadata.merge(partial);
    this.emit('update', this.self);
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
    for (const addr of this.table.addrs()) if (this.mesh.sendApp(addr, frame)) sent++;
    return sent;
  }

  stats(): RoomStats {
    const core = this.host.core;
    return {
      ...this.host.stats(),
      mesh: this.mesh.stats(),
      members: this.table.size + 1,
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
    this.selfMetadata.stop();
    this.bootstrap.stop();
    this.host.stop();
    this.mesh.close();
    this.signaling.close();
  }

  private assertOpen(): void {
    if (this.leaving || this.closed) throw new RoomClosedError(`room ${this.name} was left`);
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
        const member = this.table.up(n.id, this.clock.wallNow());
        this.selfMetadata.owe(n.id.addr);
        this.emit('join', member);
        return;
      }
      case 'member-down': {
        const gone = this.table.down(n.id);
        this.selfMetadata.forget(n.id.addr);
        if (gone !== undefined) this.emit('leave', gone);
        return;
      }
      case 'rename': {
        if (n.new.addr === self) return;
        const renamed = this.table.rename(n.new);
        if (renamed === undefined) return;
        // A reloaded tab knows nothing of us yet.
        this.selfMetadata.owe(n.new.addr);
        this.emit('update', renamed);
        return;
      }
      case 'rejoin':
        this.identityStore.save(n.id);
        this.selfMetadata.publish();
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
    for (const member of this.table.refreshStates((addr) => this.host.core.member(addr))) {
      this.emit('update', member);
    }
    this.updateStatus();
  }

  private flushMetadataChanges(): void {
    if (this.changedMetadata.size === 0) return;
    const changed = [...this.changedMetadata];
    this.changedMetadata.clear();
    for (const addr of changed) {
      const v = this.table.view(addr);
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
