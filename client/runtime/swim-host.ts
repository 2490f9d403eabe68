import { AccumulatingRuntime } from '../../shared/swim/accumulating-runtime';
import { BinaryCodec } from '../../shared/swim/binary-codec';
import type { BroadcastHandler, Invalidates } from '../../shared/swim/broadcast';
import { BrowserIdentity, browserIdentityCodec } from '../../shared/swim/browser-identity';
import type { Config } from '../../shared/swim/config';
import type { RemoteErrorKind } from '../../shared/swim/errors';
import type { Rng } from '../../shared/swim/rng';
import type { Notification, Timer } from '../../shared/swim/runtime';
import { Swim } from '../../shared/swim/swim';
import type { Mesh, PeerAddr } from '../mesh/mesh';
import { type Clock, systemClock } from './clock';
import { type Logger, silentLogger } from './logger';
import { TimerQueue } from './timer-queue';

export type Id = BrowserIdentity;

export interface SwimHostInit<K extends Invalidates> {
  readonly identity: Id;
  readonly config: Config;
  readonly mesh: Mesh;
  readonly rng: Rng;
  readonly broadcastHandler?: BroadcastHandler<Id, K>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** See `TimerQueue`; default 2,500 ms. */
  readonly pauseThresholdMs?: number;
  /** How long a Down member's link is kept before it is closed (it may come back). Default 15 s. */
  readonly disconnectDownAfterMs?: number;
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
export interface HostStats {
  /** Packets the core refused, by error kind. */
  readonly remoteErrors: Readonly<Partial<Record<RemoteErrorKind, number>>>;
  /** Packets the core wanted sent that found no open link. */
  readonly unsentNoLink: number;
  readonly pauses: number;
  readonly timersPending: number;
}

/**
 * Drives one SWIM core: packets from the mesh go in, the core's sends go to the mesh, its timers go to
 * one ordered `TimerQueue`, its notifications go out as events. The core is only ever called from
 * here and never re-entered: outputs are collected in an `AccumulatingRuntime` and handled after the
 * call returns, and notifications are dispatched from one queue so handlers that call back in keep
 * the order.
 *
 * It also keeps the mesh in step with membership: a link to every active member (asked for on
 * member-up and whenever a send finds none), and a Down member's link closed after a grace period.
 */
export class SwimHost<K extends Invalidates = Invalidates> {
  readonly core: Swim<Id, K>;
  readonly mesh: Mesh;
  private readonly rt = new AccumulatingRuntime<Id>();
  private readonly timers: TimerQueue<Timer<Id>>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly disconnectDownAfterMs: number;
  private readonly listeners: { [E in keyof SwimHostEvents]: Set<SwimHostEvents[E]> } = {
    notification: new Set(),
    pause: new Set(),
    drained: new Set(),
  };
  private readonly active = new Set<PeerAddr>();
  private readonly pendingDisconnects = new Map<PeerAddr, unknown>();
  private readonly outbox: Notification<Id>[] = [];
  private readonly unsubscribers: Array<() => void> = [];
  private inCore = false;
  private dispatching = false;
  private stopped = false;
  private readonly remoteErrors: Partial<Record<RemoteErrorKind, number>> = {};
  private unsentNoLink = 0;
  private pauses = 0;

  constructor(init: SwimHostInit<K>) {
    this.mesh = init.mesh;
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger ?? silentLogger;
    this.disconnectDownAfterMs = init.disconnectDownAfterMs ?? 15_000;
    this.core = new Swim<Id, K>({
      identity: init.identity,
      config: init.config,
      rng: init.rng,
      codec: new BinaryCodec(browserIdentityCodec),
      ...(init.broadcastHandler === undefined ? {} : { broadcastHandler: init.broadcastHandler }),
    });
    this.timers = new TimerQueue<Timer<Id>>({
      clock: this.clock,
      ...(init.pauseThresholdMs === undefined ? {} : { pauseThresholdMs: init.pauseThresholdMs }),
      fire: (timer) => this.run((rt) => this.core.handleTimer(timer, rt)),
      onPause: (gap) => this.onPause(gap),
    });
    this.unsubscribers.push(
      this.mesh.on('swim', (from, bytes) => this.handlePacket(from, bytes)),
      this.mesh.on('peer-open', (addr) => {
        // A link that came up for a member we already know: nothing to do but stop a pending close.
        if (this.active.has(addr)) this.cancelDisconnect(addr);
      }),
    );
  }

  /** Our current identity. */
  get identity(): Id {
    return this.core.identity;
  }

  /** Whether the core knows at least one active member. */
  get isActive(): boolean {
    return this.core.numMembers > 0;
  }

  on<E extends keyof SwimHostEvents>(event: E, handler: SwimHostEvents[E]): () => void {
    const set = this.listeners[event] as Set<SwimHostEvents[E]>;
    set.add(handler);
    return () => set.delete(handler);
  }

  /**
   * Calls the core with the host's runtime, then sends, schedules and dispatches what it produced.
   * Throws if called from inside a core call (a bug: the core is not re-entrant). Ignored after `stop`.
   */
  run<R>(fn: (rt: AccumulatingRuntime<Id>) => R): R | undefined {
    if (this.stopped) return undefined;
    if (this.inCore) throw new Error('SwimHost.run re-entered from inside a core call');
    this.inCore = true;
    let result: R;
    try {
      result = fn(this.rt);
    } finally {
      this.inCore = false;
    }
    this.flush();
    return result;
  }

  /** Asks `addr` (whose generation we don't know: announces go by address) to let us join. */
  announce(addr: PeerAddr): void {
    if (addr === this.identity.addr) return;
    this.run((rt) => this.core.announce(this.identityForAddr(addr), rt));
  }

  /** Handles one SWIM packet that arrived from `from` (the mesh checked its header src). */
  handlePacket(from: PeerAddr, bytes: Uint8Array): void {
    // Timers that fell due first go first (a hidden tab's timers lag; its message handlers don't).
    this.timers.poll();
    this.timers.noteActivity();
    const result = this.run((rt) => this.core.handleData(bytes, rt));
    if (result !== undefined && !result.ok) {
      const kind = result.error.kind;
      this.remoteErrors[kind] = (this.remoteErrors[kind] ?? 0) + 1;
      this.logger.debug('packet refused', { from, kind, message: result.error.message });
    }
  }

  /** Looks for a pause now (on `resume` / `visibilitychange`) instead of at the next late timer. */
  checkPause(): void {
    this.timers.checkPause();
  }

  /** Declares ourselves Down to a few members and sends it at once (the core becomes Undead). */
  leaveCluster(): void {
    if (this.core.connectionState === 'connected') this.run((rt) => this.core.leaveCluster(rt));
  }

  stats(): HostStats {
    return {
      remoteErrors: { ...this.remoteErrors },
      unsentNoLink: this.unsentNoLink,
      pauses: this.pauses,
      timersPending: this.timers.size,
    };
  }

  /** Stops timers and mesh subscriptions. The mesh itself is closed by its owner. */
  stop(): void {
    this.stopped = true;
    this.timers.stop();
    for (const u of this.unsubscribers) u();
    for (const h of this.pendingDisconnects.values()) this.clock.clearTimeout(h);
    this.pendingDisconnects.clear();
  }

  /** Injects a notification of the host's own (e.g. a rejoin it made after a pause) into the stream. */
  notify(notification: Notification<Id>): void {
    this.outbox.push(notification);
    this.dispatch();
  }

  private identityForAddr(addr: PeerAddr): Id {
    return this.core.member(addr)?.id ?? BrowserIdentity.fromHex(addr, 0);
  }

  private flush(): void {
    for (const { to, bytes } of this.rt.takeSends()) {
      if (this.mesh.sendSwim(to.addr, bytes)) continue;
      this.unsentNoLink++;
      if (this.active.has(to.addr)) this.mesh.connect(to.addr);
    }
    for (const { timer, afterMs } of this.rt.takeTimers()) this.timers.schedule(timer, afterMs);
    for (const n of this.rt.takeNotifications()) {
      this.track(n);
      this.outbox.push(n);
    }
    this.dispatch();
  }

  /** Keeps the set of active addrs and the mesh in step with the core's notifications. */
  private track(n: Notification<Id>): void {
    switch (n.type) {
      case 'member-up':
        this.active.add(n.id.addr);
        this.cancelDisconnect(n.id.addr);
        this.mesh.connect(n.id.addr);
        return;
      case 'member-down':
        this.active.delete(n.id.addr);
        this.scheduleDisconnect(n.id.addr);
        return;
      default:
        return;
    }
  }

  private scheduleDisconnect(addr: PeerAddr): void {
    if (this.pendingDisconnects.has(addr)) return;
    const handle = this.clock.setTimeout(() => {
      this.pendingDisconnects.delete(addr);
      if (!this.active.has(addr) && !this.stopped) this.mesh.disconnect(addr);
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
        for (const h of this.listeners.notification) this.safely(() => h(n));
      }
      for (const h of this.listeners.drained) this.safely(h);
    } finally {
      this.dispatching = false;
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      // An app's handler must not break the protocol loop.
      this.logger.error('event handler threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * After a pause the timers were shifted (our clock stood still with the page). If we were gone for
   * longer than a suspicion lasts, peers have declared us Down: rejoin at once with the next
   * generation rather than wait to be told. A shorter pause needs nothing: the core refutes the
   * suspicion when it hears of it.
   */
  private onPause(gapMs: number): void {
    this.pauses++;
    this.logger.info('page was paused', { gapMs: Math.round(gapMs) });
    for (const h of this.listeners.pause) this.safely(() => h(gapMs));
    if (gapMs < this.core.config.suspectToDownAfterMs) return;
    if (this.core.connectionState !== 'connected') return;
    const renewed = this.identity.renew();
    if (renewed === undefined) return;
    this.run((rt) => this.core.changeIdentity(renewed, rt));
    this.notify({ type: 'rejoin', id: renewed });
  }
}
