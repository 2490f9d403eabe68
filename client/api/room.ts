import type { Clock, Logger } from '../../shared/host/index';
import type { BrowserIdentity } from '../../shared/swim/index';
import { isMemberAddr } from '../../shared/swim/index';
import { MAX_FRAME_PAYLOAD_BYTES } from '../mesh/limits';
import type { Mesh } from '../mesh/mesh';
import type { Bootstrapper } from '../runtime/bootstrap';
import { Emitter } from '../runtime/emitter';
import type { IdentityStore } from '../runtime/identity-store';
import type { LifecycleTarget } from '../runtime/lifecycle';
import type { SignalingClient } from '../runtime/signaling-client';
import type { SwimHost } from '../runtime/swim-host';
import { encodeMessage, encodeReloadingFrame } from './app-frames';
import { AppInbox, type AppInboxLimits } from './app-inbox';
import type { MemberTable } from './member-table';
import { type Metadata, MetadataError, type MetadataKey, type MetadataStore } from './metadata';
import { MetadataPull } from './metadata-pull';
import { ReloadHolds } from './reload-holds';
import type { RoomStats } from './room-deps';
import type {
  PacketEvent,
  RawNotification,
  RoomEventName,
  RoomEvents,
  RoomMember,
  RoomStatus,
} from './room-events';
import { buildRoomStats } from './room-stats';
import { StatusMachine } from './room-status';
import type { SelfMetadata } from './self-metadata';

export type { LifecycleTarget, RoomDeps, RoomMeshInit, RoomStats } from './room-deps';

/** Thrown when a room is used after `leave()`. */
export class RoomClosedError extends Error {
  static readonly NAME = 'RoomClosedError';
  override readonly name = RoomClosedError.NAME;
}

const HISTORY_LIMIT = 500;
const LEAVE_FLUSH_MS = 200;
/** Largest app message frame: one data-channel frame's payload (the mesh's `maxAppSize` default). */
export const MAX_MESSAGE_BYTES = MAX_FRAME_PAYLOAD_BYTES;

/** Everything a room runs on, built by `joinRoom` (join-room.ts) with one clock, one Rng and one logger. */
export interface RoomParts<M extends Metadata> {
  readonly name: string;
  readonly host: SwimHost<MetadataKey>;
  readonly mesh: Mesh;
  readonly signaling: SignalingClient;
  readonly bootstrap: Bootstrapper<MetadataKey>;
  readonly identityStore: IdentityStore;
  readonly metadataStore: MetadataStore;
  /** Per-link bounds on app frames; default `DEFAULT_APP_INBOX_LIMITS`. */
  readonly appLimits?: AppInboxLimits;
  readonly selfMetadata: SelfMetadata<M>;
  readonly table: MemberTable<M>;
  /** Addrs whose metadata changed inside a core call (the store's `onChange` fills it). */
  readonly changedMetadata: Set<string>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly attachLifecycle?: ((room: LifecycleTarget) => () => void) | undefined;
}

/**
 * A joined room: who is here (`members()`, `join`/`leave`/`update`), our own metadata, app messages,
 * and the connection status. Made by `joinRoom`, which builds what it runs on.
 */
export class Room<M extends Metadata = Metadata> {
  /** The room name. */
  readonly name: string;
  private readonly host: SwimHost<MetadataKey>;
  private readonly mesh: Mesh;
  private readonly signaling: SignalingClient;
  private readonly bootstrap: Bootstrapper<MetadataKey>;
  private readonly identityStore: IdentityStore;
  private readonly clock: Clock;
  private readonly events: Emitter<RoomEvents<M>>;
  private readonly table: MemberTable<M>;
  private readonly selfMetadata: SelfMetadata<M>;
  private readonly inbox: AppInbox;
  private readonly metadataPull: MetadataPull;
  private readonly reloadHolds: ReloadHolds;
  private readonly metadataStore: MetadataStore;
  private readonly statusMachine = new StatusMachine();
  private readonly history: RawNotification[] = [];
  private readonly changedMetadata: Set<string>;
  private readonly joinedAt: number;
  private leaving = false;
  private closed = false;
  private fatal = false;
  private detachLifecycle: () => void = () => {};

  constructor(parts: RoomParts<M>) {
    this.name = parts.name;
    this.host = parts.host;
    this.mesh = parts.mesh;
    this.signaling = parts.signaling;
    this.bootstrap = parts.bootstrap;
    this.identityStore = parts.identityStore;
    this.table = parts.table;
    this.selfMetadata = parts.selfMetadata;
    this.changedMetadata = parts.changedMetadata;
    this.clock = parts.clock;
    const logger = parts.logger;
    this.events = new Emitter<RoomEvents<M>>((event, e) =>
      // An app's handler must not break the room.
      logger.error('room event handler threw', { event, error: e instanceof Error ? e.message : String(e) }),
    );
    this.metadataStore = parts.metadataStore;
    const clock = this.clock;
    this.inbox = new AppInbox(
      parts.metadataStore,
      (message) => this.events.emit('message', message),
      () => this.flushMetadataChanges(),
      parts.appLimits,
      () => clock.now(),
    );
    this.metadataPull = new MetadataPull(parts.metadataStore, this.mesh, clock);
    this.inbox.onWant = (from, addrs) => this.metadataPull.answer(from, addrs);
    // A member's metadata sent straight to us when our link opened is passed on by our gossip too:
    // its gossiped copy reaches us after it, as a duplicate, and would not be.
    this.inbox.relayMetadata = (bytes, from) => this.host.relayBroadcast(bytes, from);
    this.reloadHolds = new ReloadHolds(clock, (id) => this.showDown(id));
    // Only a member we list, about itself (the notice came on its own link).
    this.inbox.onReloading = (from) => {
      if (this.table.view(from) !== undefined) this.reloadHolds.notice(from);
    };
    this.joinedAt = this.clock.wallNow();

    this.host.on('notification', (n) => this.onNotification(n));
    this.host.on('drained', () => this.afterDrain());
    this.mesh.on('app', (from, bytes) => {
      if (!this.closed) this.inbox.receive(from, bytes);
    });
    this.mesh.on('peer-open', (addr) => this.selfMetadata.sendOwed(addr));
    this.bootstrap.on('change', () => this.updateStatus());
    this.bootstrap.on('refused', (error) => {
      this.events.emit('error', error);
      this.updateStatus();
      // Refused for good (e.g. a token that can't be renewed): stay out of the mesh too, not half in.
      void this.leave();
    });

    this.selfMetadata.publish();
    this.bootstrap.start();
    if (parts.attachLifecycle !== undefined) {
      this.detachLifecycle = parts.attachLifecycle({
        leaveNow: () => this.leaveNow(),
        reloadNow: () => this.reloadNow(),
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
    return this.statusMachine.current;
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
    const unsubscribe = this.events.on(event, handler);
    const replay = this.events;
    if (event === 'status') replay.replayTo('status', handler as RoomEvents<M>['status'], this.status);
    if (event === 'join') {
      for (const addr of this.table.addrs()) {
        replay.replayTo('join', handler as RoomEvents<M>['join'], this.table.view(addr)!);
      }
    }
    if (event === 'notification') {
      for (const n of this.history.slice()) {
        replay.replayTo('notification', handler as RoomEvents<M>['notification'], n);
      }
    }
    return unsubscribe;
  }

  off<E extends RoomEventName>(event: E, handler: RoomEvents<M>[E]): void {
    this.events.off(event, handler);
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
    this.events.emit('update', this.self);
  }

  /**
   * Sends an ephemeral message to one member over its data channel (unreliable: it may be lost).
   * `data` is a JSON value or a `Uint8Array`. Returns false when we have no open link to it. Throws
   * `MessageError` for data that can't be sent (not JSON, over 16 KiB), `RoomClosedError` after `leave()`.
   */
  send(memberId: string, data: unknown): boolean {
    this.assertOpen();
    assertMemberId(memberId);
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
    return {
      ...buildRoomStats(
        this.host,
        this.mesh,
        this.table.size + 1,
        this.inbox,
        this.metadataStore,
        this.bootstrap,
      ),
      metadataPull: this.metadataPull.stats(),
      reloads: this.reloadHolds.stats(),
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
    assertMemberId(memberId);
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

  /**
   * For `pagehide` when the page reloads itself: no goodbye (the reloaded page is this member's next
   * life), but a `reloading` notice on every open link, so a member that declares this life Down
   * before the next one reaches it keeps us listed meanwhile (`ReloadHolds`). Synchronous.
   */
  private reloadNow(): void {
    if (this.leaving || this.closed) return;
    const frame = encodeReloadingFrame();
    for (const addr of this.mesh.openPeers()) this.mesh.sendApp(addr, frame);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.selfMetadata.stop();
    this.metadataPull.stop();
    this.reloadHolds.stop();
    this.bootstrap.stop();
    this.host.stop();
    this.mesh.close();
    this.signaling.close();
    this.identityStore.release();
  }

  private assertOpen(): void {
    if (this.leaving || this.closed) throw new RoomClosedError(`room ${this.name} was left`);
  }

  private onNotification(n: RawNotification): void {
    if (n.type !== 'data-sent' && n.type !== 'data-received') {
      this.history.push(n);
      if (this.history.length > HISTORY_LIMIT) this.history.shift();
    }
    this.events.emit('notification', n);
    const self = this.host.identity.addr;
    switch (n.type) {
      case 'data-sent':
      case 'data-received':
        if (this.events.has('packet')) this.events.emit('packet', packetEvent(n, this.clock.wallNow()));
        return;
      case 'member-up': {
        if (n.id.addr === self) return;
        // Its metadata may have come before its join, and waited.
        this.metadataStore.admit(n.id.addr, (bytes, from) => this.host.relayBroadcast(bytes, from));
        this.metadataPull.memberUp(n.id.addr);
        this.selfMetadata.owe(n.id.addr);
        // A reloading member whose Down we held back: still listed, so no join (its rename told).
        if (this.reloadHolds.back(n.id.addr) || this.table.view(n.id.addr) !== undefined) {
          this.table.rename(n.id);
          return;
        }
        this.events.emit('join', this.table.up(n.id, this.clock.wallNow()));
        return;
      }
      case 'member-down': {
        if (this.reloadHolds.deferDown(n.id)) return;
        this.showDown(n.id);
        return;
      }
      case 'rename': {
        if (n.new.addr === self) return;
        this.reloadHolds.back(n.new.addr);
        const renamed = this.table.rename(n.new);
        if (renamed === undefined) return;
        // A reloaded tab knows nothing of us yet.
        this.selfMetadata.owe(n.new.addr);
        this.events.emit('update', renamed);
        return;
      }
      case 'rejoin':
        this.identityStore.save(n.id);
        this.selfMetadata.publish();
        this.events.emit('update', this.self);
        return;
      case 'defunct':
        if (!this.leaving) {
          this.fatal = true;
          this.events.emit('error', new Error('declared Down and unable to rejoin with a renewed identity'));
        }
        return;
      default:
        return;
    }
  }

  /** A member is Down for the app: off the table, with a `leave`. */
  private showDown(id: BrowserIdentity): void {
    const gone = this.table.down(id);
    this.selfMetadata.forget(id.addr);
    this.metadataPull.memberDown(id.addr);
    if (gone !== undefined) this.events.emit('leave', gone);
  }

  private afterDrain(): void {
    this.flushMetadataChanges();
    for (const member of this.table.refreshStates((addr) => this.host.member(addr))) {
      this.events.emit('update', member);
    }
    this.updateStatus();
  }

  private flushMetadataChanges(): void {
    if (this.changedMetadata.size === 0) return;
    const changed = [...this.changedMetadata];
    this.changedMetadata.clear();
    for (const addr of changed) {
      const v = this.table.view(addr);
      if (v !== undefined) this.events.emit('update', v);
    }
  }

  private updateStatus(): void {
    const next = this.statusMachine.update({
      leaving: this.leaving || this.closed,
      fatal: this.fatal,
      refused: this.bootstrap.refused,
      active: this.host.isActive,
      serverJoined: this.bootstrap.serverJoined,
    });
    if (next !== undefined) this.events.emit('status', next);
  }
}

function assertMemberId(memberId: string): void {
  if (!isMemberAddr(memberId)) {
    throw new TypeError(`memberId must be a member's id (32 hex digits), got ${JSON.stringify(memberId)}`);
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
