import {
  BROWSER_LOOP,
  HostLoop,
  type HostLoopStats,
  type HostPort,
  type Logger,
  type OverlayTopology,
  silentLogger,
} from '../../shared/host/index';
import {
  BinaryCodec,
  type BoundStats,
  type BroadcastHandler,
  BrowserIdentity,
  browserIdentityCodec,
  type Config,
  type ConnectionState,
  type Invalidates,
  type Member,
  type Notification,
  type ReplyStats,
  type Rng,
  type Runtime,
  type StatementAuth,
  type StatementStats,
  Swim,
  type SwimBounds,
  type SwimInit,
} from '../../shared/swim/index';
import { LinkKeeper, overlayRoutes } from '../mesh/link-keeper';
import type { Mesh, PeerAddr } from '../mesh/mesh';
import { type Clock, systemClock } from './clock';
import { Emitter } from './emitter';

/** How long the room size the server gave on our join decides the mode while our view fills. */
export const EXPECTED_SIZE_MS = 30_000;

export type Id = BrowserIdentity;

export interface SwimHostInit<K extends Invalidates> {
  readonly identity: Id;
  readonly config: Config;
  readonly mesh: Mesh;
  readonly rng: Rng;
  readonly broadcastHandler?: BroadcastHandler<Id, K>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** See `HostLoopInit`; default 2,500 ms. */
  readonly pauseThresholdMs?: number;
  /** How long a Down member's link is kept before it is closed (it may come back). Default 15 s. */
  readonly disconnectDownAfterMs?: number;
  /**
   * A large room's topology: the host loop feeds it the core's view and switches the core's overlay
   * mode with it; while its mode is 'overlay' the mesh holds only the links it wants (through a
   * `LinkKeeper`) and relays signals along its routes. Default none: a full mesh at any size.
   */
  readonly topology?: OverlayTopology;
  /**
   * The mesh's `maxConnections`: in overlay mode a link that lingers past its time gives its slot to a
   * wanted one. Default: none (the mesh refuses past its own cap).
   */
  readonly linkBudget?: number;
  /** How often the links are re-planned in overlay mode, so lingering links expire. Default 1,000 ms. */
  readonly linkTickMs?: number;
  /**
   * In overlay mode, how long a member whose open link closed still counts as reachable (`reachable`)
   * so the core keeps probing it: a tab that dies closes its links, and the core skips members it
   * can't reach, so without this nobody would ever suspect it. Default 30,000 ms.
   */
  readonly lostLinkProbeMs?: number;
  /**
   * Anti-entropy (`SwimInit.antiEntropy`): repairs joins and Downs that gossip missed. Default on, as
   * in the simulator's `Cluster` (`joinRoom({ antiEntropy: false })` turns it off).
   */
  readonly antiEntropy?: SwimInit<Id, K>['antiEntropy'];
  /** What a peer can make the core hold (`SwimInit.bounds`); each missing field takes its default. */
  readonly bounds?: Partial<SwimBounds>;
  /**
   * A Down from the wire is an accusation the core checks itself (`SwimInit.downIsAccusation`).
   * Default true: no member can make a tab drop another one that still answers probes.
   */
  readonly downIsAccusation?: boolean;
  /**
   * Signed statements and accusations (`SwimInit.statements`): `statementAuth(key, room)` from
   * shared/signaling. Default none (unsigned, protocol 1.2).
   */
  readonly statements?: StatementAuth<Id>;
}

export interface SwimHostEvents {
  /** Every notification of the core, in order, dispatched after the core call that made it returned. */
  notification: (notification: Notification<Id>) => void;
  /** The page did not run script for `gapMs` (hung, frozen, asleep); timers were shifted. */
  pause: (gapMs: number) => void;
  /** After the outputs of one core call were handled (a good moment to look at the core's state). */
  drained: () => void;
}

/** Counters of what the host did, for `stats()`. */
export interface HostStats extends HostLoopStats {
  /** Links to strangers closed to make room for a member's link in a full mesh (`connectMember`). */
  readonly strangersEvicted: number;
}

/** The core's own figures, for `room.stats()`. */
export interface CoreStats {
  readonly incarnation: number;
  readonly generation: number;
  readonly connectionState: ConnectionState;
  readonly updatesBacklog: number;
  readonly customBroadcastBacklog: number;
  /** Members the core holds, Down ones included (at most `bounds.maxMembers`, see `SwimBounds`). */
  readonly membersHeld: number;
  /** What the core's bounds and its Down-as-accusation rule turned away. */
  readonly bounds: BoundStats;
  /** What the signed-statements rule verified and dropped (all 0 when it is off). */
  readonly statements: StatementStats;
  /** Replies to peers' packets held back by the core's `limitReplies` (one per member per period). */
  readonly replies: ReplyStats;
}

/**
 * The browser's adapter of the one host loop (`HostLoop`, shared/host) over the page's clock: packets
 * from the mesh go in, the core's sends go to the mesh, its timers wait on one `setTimeout`, its
 * notifications go out as events once the core call that made them returned (handlers that call back
 * in keep the order). The core is reached only through the named methods below.
 *
 * It also keeps the mesh in step with membership: a link to every active member (asked for on
 * member-up and whenever a send finds none), and a Down member's link closed after a grace period.
 */
export class SwimHost<K extends Invalidates = Invalidates> implements HostPort<Id> {
  private readonly core: Swim<Id, K>;
  private readonly loop: HostLoop<Id>;
  private readonly mesh: Mesh;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly disconnectDownAfterMs: number;
  private readonly events: Emitter<SwimHostEvents>;
  private readonly active = new Set<PeerAddr>();
  private strangersEvicted = 0;
  private readonly pendingDisconnects = new Map<PeerAddr, unknown>();
  /** Notifications of the running core call, tracked and queued once it returns. */
  private readonly fresh: Notification<Id>[] = [];
  private readonly outbox: Notification<Id>[] = [];
  private readonly unsubscribers: Array<() => void> = [];
  private wakeHandle: unknown;
  private dispatching = false;
  private readonly topology: OverlayTopology | undefined;
  private readonly keeper: LinkKeeper | undefined;
  private readonly linkTickMs: number;
  private linkTick: unknown;
  private expectedSizeTimer: unknown;
  /** Active members whose open link closed (overlay mode), and when: still probed for a while. */
  private readonly lostLinks = new Map<PeerAddr, number>();
  private readonly lostLinkProbeMs: number;
  /** The topology's mode at the last `keepLinks`, to see it switch back to a full mesh. */
  private linkMode: 'mesh' | 'overlay' = 'mesh';

  constructor(init: SwimHostInit<K>) {
    this.mesh = init.mesh;
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger ?? silentLogger;
    this.disconnectDownAfterMs = init.disconnectDownAfterMs ?? 15_000;
    this.events = new Emitter<SwimHostEvents>((event, e) =>
      // An app's handler must not break the protocol loop.
      this.logger.error('event handler threw', { event, error: e instanceof Error ? e.message : String(e) }),
    );
    this.core = new Swim<Id, K>({
      identity: init.identity,
      config: init.config,
      rng: init.rng,
      codec: new BinaryCodec(browserIdentityCodec),
      // A tab starved of CPU must doubt itself before it accuses others (Lifeguard's local health).
      lifeguard: true,
      // A forged or stale Down must not remove a member that answers our probes (DESIGN.md §9).
      downIsAccusation: init.downIsAccusation ?? true,
      // Under churn, stray packets must not each cost a reply (a TurnUndead, a Feed): once per
      // member per probe period (issue 12, overload).
      limitReplies: true,
      // Gossip sends each update a fixed number of times: a member no holder picked would miss a join,
      // or on the overlay a Down, for good; a digest compared now and then repairs it (anti-entropy.ts).
      // A member's first sync goes 1-3 s after it joined, and in a room of 8 the digests agree (no
      // page): a forming room's first links are not its business (`bench:browser --anti-entropy both`).
      antiEntropy: init.antiEntropy ?? true,
      ...(init.bounds === undefined ? {} : { bounds: init.bounds }),
      ...(init.statements === undefined ? {} : { statements: init.statements }),
      ...(init.broadcastHandler === undefined ? {} : { broadcastHandler: init.broadcastHandler }),
    });
    this.loop = new HostLoop<Id>({
      core: this.core,
      port: this,
      ...BROWSER_LOOP,
      ...(init.topology === undefined ? {} : { topology: init.topology }),
      ...(init.pauseThresholdMs === undefined ? {} : { pauseThresholdMs: init.pauseThresholdMs }),
    });
    this.topology = init.topology;
    this.lostLinkProbeMs = init.lostLinkProbeMs ?? 30_000;
    this.linkTickMs = init.linkTickMs ?? 1_000;
    if (this.topology !== undefined) {
      this.keeper = new LinkKeeper(
        this.mesh,
        init.linkBudget === undefined ? {} : { maxLinks: init.linkBudget },
      );
      this.scheduleLinkTick();
    }
    this.unsubscribers.push(
      this.mesh.on('swim', (from, bytes) => this.handlePacket(from, bytes)),
      this.mesh.on('peer-open', (addr) => {
        // A link that came up for a member we already know: nothing to do but stop a pending close.
        this.lostLinks.delete(addr);
        if (this.active.has(addr)) this.cancelDisconnect(addr);
      }),
      this.mesh.on('peer-close', (addr) => {
        // Only a link we want: one the keeper closed on purpose (or a stranger's) is not a loss.
        if (this.overlayMode && this.active.has(addr) && this.topology?.wantedLinks().includes(addr)) {
          this.lostLinks.set(addr, this.clock.now());
        }
      }),
    );
  }

  /** Our current identity. */
  get identity(): Id {
    return this.core.identity;
  }

  /**
   * Whether the room rides the overlay now (a topology in 'overlay' mode): the mesh then holds only
   * the topology's links, so nobody should ask it for a link to every member.
   */
  get overlayMode(): boolean {
    return this.topology?.mode === 'overlay';
  }

  /**
   * Whether the core may address `addr` (the topology's `isLinked`): a link is open, or in overlay
   * mode the member's open link closed less than `lostLinkProbeMs` ago — probes to it then fail as
   * they would in a full mesh, so a tab that died is suspected and declared Down. Reads only.
   */
  reachable(addr: PeerAddr): boolean {
    if (this.mesh.isOpen(addr)) return true;
    const lost = this.lostLinks.get(addr);
    return lost !== undefined && this.clock.now() - lost < this.lostLinkProbeMs;
  }

  /**
   * The signaling server says the room holds `members` (us included): past the link budget the
   * topology rides the overlay from now on, instead of linking to everyone while the view fills, until
   * the view reaches that size or `EXPECTED_SIZE_MS` pass (a room that shrank meanwhile). Without a
   * topology (a full mesh at any size) it does nothing.
   */
  expectRoomSize(members: number): void {
    const topology = this.topology;
    if (topology === undefined || this.loop.isStopped) return;
    topology.expectSize(members);
    this.clock.clearTimeout(this.expectedSizeTimer);
    this.expectedSizeTimer = this.clock.setTimeout(() => topology.expectSize(0), EXPECTED_SIZE_MS);
    this.keepLinks();
  }

  /** Whether the core knows at least one active member. */
  get isActive(): boolean {
    return this.core.numMembers > 0;
  }

  get connectionState(): ConnectionState {
    return this.core.connectionState;
  }

  on<E extends keyof SwimHostEvents>(event: E, handler: SwimHostEvents[E]): () => void {
    return this.events.on(event, handler);
  }

  /** The members the core knows (any state), ourselves excluded. Doesn't change state. */
  members(): IterableIterator<Member<Id>> {
    return this.core.members();
  }

  /** The core's record of `addr`, if it knows it. Doesn't change state. */
  member(addr: PeerAddr): Member<Id> | undefined {
    return this.core.member(addr);
  }

  /**
   * A custom broadcast item that member `from` sent us on its link, outside SWIM (an app frame): taken
   * and passed on as if it had come in one of `from`'s packets, so members we gossip to get it too.
   * Returns whether the handler took it; a malformed or oversized item is refused (false).
   */
  relayBroadcast(item: Uint8Array, from: PeerAddr): boolean {
    const sender = this.core.member(from)?.id ?? BrowserIdentity.fromHex(from, 0);
    try {
      return this.call(() => this.core.relayBroadcast(item, sender)) === true;
    } catch {
      return false;
    }
  }

  /** Asks `addr` (whose generation we don't know: announces go by address) to let us join. */
  announce(addr: PeerAddr): void {
    if (addr === this.identity.addr) return;
    const dst = this.core.member(addr)?.id ?? BrowserIdentity.fromHex(addr, 0);
    this.call((rt) => this.core.announce(dst, rt));
  }

  /**
   * Queues `item` as a custom broadcast (the core's handler decides whether it is taken and what it
   * replaces) and, when we are in a cluster, sends the backlog out at once. Returns whether it was taken.
   */
  publishBroadcast(item: Uint8Array): boolean {
    const taken = this.call(() => this.core.addBroadcast(item)) === true;
    if (this.core.connectionState === 'connected') this.call((rt) => this.core.broadcast(rt));
    return taken;
  }

  /** Switches to `identity` (a rejoin under a new generation); the core tells the cluster. */
  changeIdentity(identity: Id): void {
    this.call((rt) => this.core.changeIdentity(identity, rt));
  }

  /** Handles one SWIM packet that arrived from `from` (the mesh checked its header src). */
  handlePacket(from: PeerAddr, bytes: Uint8Array): void {
    const result = this.loop.handlePacket(bytes, this.clock.now(), this.clock.wallNow());
    if (result !== undefined && !result.ok) {
      this.logger.debug('packet refused', { from, kind: result.error.kind, message: result.error.message });
    }
  }

  /** Looks for a pause now (on `resume` / `visibilitychange`) instead of at the next late timer. */
  checkPause(): void {
    this.loop.checkPause(this.clock.now(), this.clock.wallNow());
  }

  /** Declares ourselves Down to a few members and sends it at once (the core becomes Undead). */
  leaveCluster(): void {
    if (this.core.connectionState === 'connected') this.call((rt) => this.core.leaveCluster(rt));
  }

  stats(): HostStats {
    return { ...this.loop.stats(), strangersEvicted: this.strangersEvicted };
  }

  coreStats(): CoreStats {
    const core = this.core;
    return {
      incarnation: core.incarnation,
      generation: core.identity.generation,
      connectionState: core.connectionState,
      updatesBacklog: core.updatesBacklog,
      customBroadcastBacklog: core.customBroadcastBacklog,
      membersHeld: core.membersHeld,
      bounds: core.boundStats,
      statements: core.statementStats,
      replies: core.replyStats,
    };
  }

  /** Stops timers and mesh subscriptions. The mesh itself is closed by its owner. */
  stop(): void {
    this.loop.stop();
    for (const u of this.unsubscribers) u();
    for (const h of this.pendingDisconnects.values()) this.clock.clearTimeout(h);
    this.pendingDisconnects.clear();
    this.clock.clearTimeout(this.linkTick);
    this.linkTick = undefined;
    this.clock.clearTimeout(this.expectedSizeTimer);
    this.mesh.setRoutes(undefined);
  }

  // HostPort: what the loop calls.

  send(to: Id, bytes: Uint8Array): boolean {
    if (this.mesh.sendSwim(to.addr, bytes)) return true;
    // In overlay mode only the keeper asks for links: a reply to a stranger must not open one.
    if (this.active.has(to.addr) && !this.overlayMode) this.connectMember(to.addr);
    return false;
  }

  /**
   * Full mesh: asks for a link to `addr`, an active member. When the budget is full and some of it
   * holds links to strangers (peers not in our view: another room's bootstrap links while two halves
   * merge), one of those gives its slot: in a full mesh we probe every member, and a member we can't
   * reach would be suspected for our lack of a link (measured: a room of 14 at `maxConnections: 6`
   * declared a live member Down after the halves merged, its probers' budgets full of strangers).
   */
  connectMember(addr: PeerAddr): void {
    if (this.mesh.connect(addr)) return;
    for (const peer of this.mesh.links().keys()) {
      if (peer === addr || this.active.has(peer)) continue;
      this.mesh.disconnect(peer);
      this.strangersEvicted++;
      this.mesh.connect(addr);
      return;
    }
  }

  notify(notification: Notification<Id>): void {
    this.fresh.push(notification);
  }

  scheduleWake(at: number): void {
    this.cancelWake();
    // A delay in whole ms, rounded up: setTimeout truncates a fraction, so a wake-up booked 150.7 ms
    // ahead came 0.7 ms early, found nothing due and booked again, over and over until it was due.
    this.wakeHandle = this.clock.setTimeout(
      () => {
        this.wakeHandle = undefined;
        const now = this.clock.now();
        // Runs what it was booked for even when the page's timer fires a hair before `at` (clocks of
        // different resolution), instead of booking a wake-up a fraction of a millisecond ahead.
        this.loop.wake(now, this.clock.wallNow(), Math.max(now, Math.min(at, now + 1)));
      },
      Math.max(0, Math.ceil(at - this.clock.now())),
    );
  }

  cancelWake(): void {
    if (this.wakeHandle !== undefined) this.clock.clearTimeout(this.wakeHandle);
    this.wakeHandle = undefined;
  }

  settled(): void {
    for (const n of this.fresh.splice(0)) {
      this.track(n);
      this.outbox.push(n);
    }
    this.keepLinks();
    this.dispatch();
  }

  paused(gapMs: number): void {
    this.logger.info('page was paused', { gapMs: Math.round(gapMs) });
    this.events.emit('pause', gapMs);
  }

  private call<R>(fn: (rt: Runtime<Id>) => R): R | undefined {
    return this.loop.call(this.clock.now(), this.clock.wallNow(), fn);
  }

  /**
   * Keeps the set of active addrs and the mesh in step with the core's notifications (the host loop
   * has fed the topology's view already). In overlay mode the keeper holds the links (`keepLinks`).
   */
  private track(n: Notification<Id>): void {
    switch (n.type) {
      case 'member-up':
        this.active.add(n.id.addr);
        this.cancelDisconnect(n.id.addr);
        if (!this.overlayMode) this.connectMember(n.id.addr);
        return;
      case 'member-down':
        this.active.delete(n.id.addr);
        this.lostLinks.delete(n.id.addr);
        if (!this.overlayMode) this.scheduleDisconnect(n.id.addr);
        return;
      default:
        return;
    }
  }

  /**
   * In overlay mode, plans the links against the topology's wanted set and applies the plan (open
   * before close, lingering links closed only later). A full mesh needs nothing here.
   */
  private keepLinks(): void {
    if (this.keeper === undefined || this.topology === undefined || this.loop.isStopped) return;
    const mode = this.topology.mode;
    const switched = mode !== this.linkMode;
    this.linkMode = mode;
    // Signals follow the overlay's routes in overlay mode; a full mesh floods them to a few links.
    if (switched) {
      const topology = this.topology;
      const keeper = this.keeper;
      this.mesh.setRoutes(
        mode === 'overlay' ? overlayRoutes(topology, (a) => this.mesh.isOpen(a)) : undefined,
      );
      // Lingering links give their slots to joiners' bootstrap links and wanted neighbours' offers.
      this.mesh.setSpare(mode === 'overlay' ? () => keeper.spare(this.clock.now()) : undefined);
    }
    if (mode === 'mesh') {
      // Back under the budget: a full mesh again, so link to every active member.
      if (switched) for (const addr of this.active) this.mesh.connect(addr);
      return;
    }
    // Pending full-mesh disconnects would fight the keeper's own linger: it decides now.
    for (const h of this.pendingDisconnects.values()) this.clock.clearTimeout(h);
    this.pendingDisconnects.clear();
    this.keeper.apply(this.clock.now(), this.topology.wantedLinks());
  }

  private scheduleLinkTick(): void {
    this.linkTick = this.clock.setTimeout(() => {
      this.linkTick = undefined;
      if (this.loop.isStopped) return;
      this.keepLinks();
      this.scheduleLinkTick();
    }, this.linkTickMs);
  }

  private scheduleDisconnect(addr: PeerAddr): void {
    if (this.pendingDisconnects.has(addr)) return;
    const handle = this.clock.setTimeout(() => {
      this.pendingDisconnects.delete(addr);
      if (!this.active.has(addr) && !this.loop.isStopped) this.mesh.disconnect(addr);
    }, this.disconnectDownAfterMs);
    this.pendingDisconnects.set(addr, handle);
  }

  private cancelDisconnect(addr: PeerAddr): void {
    const handle = this.pendingDisconnects.get(addr);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.pendingDisconnects.delete(addr);
  }

  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let n = this.outbox.shift(); n !== undefined; n = this.outbox.shift()) {
        this.events.emit('notification', n);
      }
      this.events.emit('drained');
    } finally {
      this.dispatching = false;
    }
  }
}
