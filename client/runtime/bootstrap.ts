import { type Logger, silentLogger } from '../../shared/host/index';
import type { Invalidates } from '../../shared/swim/index';
import type { Mesh, PeerAddr } from '../mesh/mesh';
import { type Clock, systemClock } from './clock';
import { Emitter } from './emitter';
import { isPermanentRefusal, JoinRefusedError, type SignalingClient } from './signaling-client';
import type { SwimHost } from './swim-host';

export interface BootstrapEvents {
  /** The server accepted our join (again); `peers` are the bootstrap peers it gave. */
  joined: (peers: readonly PeerAddr[]) => void;
  /** The server refused the join for good (e.g. unauthorized): retrying won't help. */
  refused: (error: JoinRefusedError) => void;
  /** The server connection came or went, or a join completed: look at `serverJoined` again. */
  change: () => void;
}

export interface BootstrapInit<K extends Invalidates> {
  readonly host: SwimHost<K>;
  /** The mesh the host sends over: bootstrap peers are connected and watched here. */
  readonly mesh: Mesh;
  readonly signaling: SignalingClient;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How often to retry announcing (and re-check links) while we know no member. Default 1,000 ms. */
  readonly tickMs?: number;
  /** While idle, ask the server for fresh peers every this many ticks. Default 4. */
  readonly refreshEveryTicks?: number;
  /**
   * How long a server-given peer that has not become a member is kept trying (its link asked for
   * again each tick, paced by the mesh's backoff), also while we are active. Default 120,000 ms.
   */
  readonly candidateTtlMs?: number;
  /**
   * Overload limit: a server-given peer whose link is open but that has not become a member is
   * announced to again after `tickMs`, then after twice as long each time, up to this. A starved
   * peer (or one that answers with a Feed we can't take in time) would otherwise draw an Announce,
   * and send back a Feed, our biggest packet, every tick for `candidateTtlMs`. The first Announce
   * goes as soon as the link opens. Default `ANNOUNCE_BACKOFF_CAP_MS`; 0 announces every tick.
   */
  readonly announceBackoffCapMs?: number;
}

/** See `BootstrapInit.announceBackoffCapMs`: 1, 2, 4, 8, 8… s between Announces to one candidate. */
export const ANNOUNCE_BACKOFF_CAP_MS = 8_000;

/** What the bootstrapper sent and held back, for `room.stats()`. */
export interface BootstrapStats {
  /** Announces sent to server-given peers. */
  readonly announces: number;
  /** Ticks a candidate's Announce waited out its backoff (`announceBackoffCapMs`). */
  readonly announcesHeld: number;
  /** Joins sent again, while active, because our view held under half the room the server counts. */
  readonly refreshesBehind: number;
}

/** A server-given peer not yet heard from as a member. */
interface Candidate {
  /** When the server gave it. */
  readonly since: number;
  /** When it may be announced to again, and the wait after that. */
  announceAt: number;
  waitMs: number;
}

/**
 * Gets the core into its room and keeps it there.
 *
 * - Joins the room on the signaling server whenever the socket (re)connects, so after a server
 *   restart we are a bootstrap peer again; the membership is untouched by it.
 * - Connects to the peers the server gives and announces to each once its link is open. Peers that
 *   are not members yet are announced to even when we are active: that merges two halves of a room
 *   that formed apart (e.g. while the server was down).
 * - While the core knows no member (idle), keeps announcing to the server-given peers every tick and
 *   asks the server for fresh ones now and then.
 * - Keeps asking for a link to each server-given peer that has not become a member, also once we are
 *   active, for `candidateTtlMs`: a peer whose budget was full when we joined (every member of a
 *   small room at its `maxConnections`, the overlay not yet trimmed) would otherwise never hear of
 *   us, and the joiners after us would form a second room beside the first that never merges.
 * - While active, asks the server for fresh peers now and then if our view holds under half the
 *   room the server counts (an island whose links to the rest failed), and gives the room's size to
 *   the host (a joiner of a room past the link budget starts on the overlay).
 * - Every tick, asks the mesh for a link to any active member that has none (a dropped link is
 *   re-made through the mesh; `connect` is idempotent).
 */
export class Bootstrapper<K extends Invalidates = Invalidates> {
  private readonly host: SwimHost<K>;
  private readonly mesh: Mesh;
  private readonly signaling: SignalingClient;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly tickMs: number;
  private readonly refreshEveryTicks: number;
  /** Server-given peers we have not heard from as members yet. */
  private readonly candidates = new Map<PeerAddr, Candidate>();
  private readonly candidateTtlMs: number;
  private readonly announceBackoffCapMs: number;
  private announces = 0;
  private announcesHeld = 0;
  private refreshesBehind = 0;
  private readonly events: Emitter<BootstrapEvents>;
  private readonly unsubscribers: Array<() => void> = [];
  private tickHandle: unknown;
  private ticks = 0;
  private joining = false;
  private joined = false;
  private refusedForGood = false;
  private stopped = false;

  constructor(init: BootstrapInit<K>) {
    this.host = init.host;
    this.mesh = init.mesh;
    this.signaling = init.signaling;
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger ?? silentLogger;
    this.tickMs = init.tickMs ?? 1000;
    this.refreshEveryTicks = init.refreshEveryTicks ?? 4;
    this.candidateTtlMs = init.candidateTtlMs ?? 120_000;
    this.announceBackoffCapMs = init.announceBackoffCapMs ?? ANNOUNCE_BACKOFF_CAP_MS;
    this.events = new Emitter<BootstrapEvents>((event, e) =>
      this.logger.error('bootstrap event handler threw', {
        event,
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  }

  /** Whether the server currently has us in the room. */
  get serverJoined(): boolean {
    return this.joined && this.signaling.connected;
  }

  /** Whether the server refused us for good. */
  get refused(): boolean {
    return this.refusedForGood;
  }

  /** Counters of what the bootstrapper did. Reads only. */
  stats(): BootstrapStats {
    return {
      announces: this.announces,
      announcesHeld: this.announcesHeld,
      refreshesBehind: this.refreshesBehind,
    };
  }

  on<E extends keyof BootstrapEvents>(event: E, handler: BootstrapEvents[E]): () => void {
    return this.events.on(event, handler);
  }

  start(): void {
    this.unsubscribers.push(
      this.signaling.on('connect', () => {
        this.joined = false;
        this.emitChange();
        void this.join();
      }),
      this.signaling.on('disconnect', () => {
        this.joined = false;
        this.emitChange();
      }),
      this.mesh.on('peer-open', (addr) => {
        const c = this.candidates.get(addr);
        if (c !== undefined) this.announceTo(addr, c, this.clock.now());
      }),
      this.host.on('notification', (n) => {
        if (n.type === 'member-up') this.candidates.delete(n.id.addr);
        if (n.type === 'rename') this.candidates.delete(n.new.addr);
      }),
    );
    if (this.signaling.connected) void this.join();
    this.scheduleTick();
  }

  stop(): void {
    this.stopped = true;
    if (this.tickHandle !== undefined) this.clock.clearTimeout(this.tickHandle);
    for (const u of this.unsubscribers) u();
    this.candidates.clear();
  }

  private async join(): Promise<void> {
    if (this.joining || this.stopped || this.refusedForGood) return;
    this.joining = true;
    try {
      const peers = await this.signaling.join();
      if (this.stopped) return;
      this.joined = true;
      const size = this.signaling.roomSize;
      this.logger.debug('joined the room on the server', { peers: peers.length, size });
      if (size !== undefined) this.host.expectRoomSize(size);
      this.addCandidates(peers);
      this.events.emit('joined', peers);
      this.emitChange();
    } catch (e) {
      if (this.stopped) return;
      const error =
        e instanceof JoinRefusedError
          ? e
          : new JoinRefusedError('internal', e instanceof Error ? e.message : String(e));
      this.logger.warn('join refused', { reason: error.reason, message: error.message });
      if (isPermanentRefusal(error.reason)) {
        this.refusedForGood = true;
        this.events.emit('refused', error);
        this.emitChange();
      }
    } finally {
      this.joining = false;
    }
  }

  /**
   * Whether our view (active members and us) holds under half the room's size that the server gave
   * on our last join: members who joined together and whose links to the rest of the room failed
   * form an island that SWIM alone never merges (no member of it knows anyone outside). Half leaves
   * room for the server's count of tabs that died and are not yet dropped. Reads only.
   */
  private behindRoom(): boolean {
    const size = this.signaling.roomSize;
    if (size === undefined || !this.signaling.connected || this.refusedForGood) return false;
    let held = 1;
    for (const m of this.host.members()) if (m.state !== 'down') held++;
    return held < size / 2;
  }

  private addCandidates(peers: readonly PeerAddr[]): void {
    const self = this.host.identity.addr;
    const known = new Set<PeerAddr>();
    for (const m of this.host.members()) known.add(m.id.addr);
    const now = this.clock.now();
    for (const p of peers) {
      if (p === self || known.has(p)) continue;
      // A peer the server gives again keeps its backoff (an idle member asks every few ticks).
      const before = this.candidates.get(p);
      const c: Candidate = { since: now, announceAt: before?.announceAt ?? now, waitMs: before?.waitMs ?? 0 };
      this.candidates.set(p, c);
      if (this.mesh.isOpen(p)) {
        if (now >= c.announceAt) this.announceTo(p, c, now);
      } else this.mesh.connect(p);
    }
  }

  /** Announces to candidate `addr` and books its next Announce (see `announceBackoffCapMs`). */
  private announceTo(addr: PeerAddr, c: Candidate, now: number): void {
    this.host.announce(addr);
    this.announces++;
    c.waitMs = c.waitMs === 0 ? this.tickMs : Math.min(this.announceBackoffCapMs, c.waitMs * 2);
    c.announceAt = now + c.waitMs;
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tickHandle = this.clock.setTimeout(() => {
      this.tickHandle = undefined;
      this.tick();
      this.scheduleTick();
    }, this.tickMs);
  }

  private tick(): void {
    if (this.stopped) return;
    this.ticks++;
    const mesh = this.mesh;
    const now = this.clock.now();
    for (const [p, c] of this.candidates) {
      if (now - c.since > this.candidateTtlMs) this.candidates.delete(p);
      else if (!mesh.isOpen(p)) mesh.connect(p);
      // Within half a tick of its time counts as due: ticks drift.
      else if (this.announceBackoffCapMs <= 0 || now + this.tickMs / 2 >= c.announceAt)
        this.announceTo(p, c, now);
      else this.announcesHeld++;
    }
    if (!this.host.isActive) {
      if (this.ticks % this.refreshEveryTicks === 0 && this.signaling.connected && !this.refusedForGood) {
        void this.join();
      }
    } else {
      if (this.candidates.size > 16) {
        // Candidates that never answered while we were active: keep them few and fresh.
        this.candidates.clear();
      }
      if (this.ticks % (2 * this.refreshEveryTicks) === 0 && this.behindRoom()) {
        // An island: we hold under half the room the server counts. Fresh peers from the server,
        // announced to like any candidate, merge the two sides (one Announce and its Feed).
        this.refreshesBehind++;
        void this.join();
      }
    }
    // A full mesh re-links to every member; past the budget the host's link keeper decides.
    if (this.host.overlayMode) return;
    for (const m of this.host.members()) {
      if (!mesh.isOpen(m.id.addr)) this.host.connectMember(m.id.addr);
    }
  }

  private emitChange(): void {
    this.events.emit('change');
  }
}
