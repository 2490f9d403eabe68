import type { OverlayTopology } from '../host/index';
import {
  addrBytes,
  compactForLink,
  expandFromLink,
  type Identity,
  type Notification,
  type Rng,
} from '../swim/index';
import { EventQueue } from './event-queue';
import { LinkModel, type LinkModelInit } from './links';
import { LAN_LINK, type LinkParams, NetworkModel } from './network';
import { type HostWorld, SimHost } from './sim-host';
import type { NotificationListener, SendListener, SimNode } from './sim-node';

const DELIVER = 1;
const WAKE = 2;
const ACTION = 3;
/** A packet in its link form (`SimulatorInit.linkHeader`): expanded on delivery. */
const DELIVER_LINK = 4;

type Payload = Uint8Array | (() => void);

/** Options of a `Simulator`. */
export interface SimulatorInit {
  /** Randomness of the network (loss, jitter) and of the scenario helpers. Members bring their own. */
  readonly rng: Rng;
  /** Parameters of every link without an override. Defaults to `LAN_LINK`. */
  readonly link?: LinkParams;
  /** Hosts mirror the browser runtime's poll-on-packet and pause handling (see `SimHost`). Default false. */
  readonly browserRuntime?: boolean;
  /**
   * With `browserRuntime`, the loop's late grace (a late batch of timers lets queued packets go
   * first). Default true; off only to measure what it buys.
   */
  readonly lateGrace?: boolean;
  /**
   * The link-cost model (DESIGN §8): packets travel only over links set up between members whose
   * overlays both want them; a packet to a member without one is lost and counted (`unsentNoLink`).
   * Default none: every member reaches every other, as before.
   */
  readonly links?: LinkModelInit;
  /**
   * Packets travel in their link form (protocol 1.4, `shared/swim/link-header.ts`): a SWIM packet
   * from one member to another drops the two addrs from its header on the wire and gets them back on
   * delivery, as the browser transport does, so `bytesSent` is what a data channel carries (without
   * the transport's 1-byte frame kind). Members' addrs must be browser addrs (32 hex digits); a
   * packet whose header does not name the link's two ends travels in full. Default false.
   */
  readonly linkHeader?: boolean;
}

/** Counters over the whole run. */
export interface SimStats {
  packetsSent: number;
  /** Bytes on the wire: packets in their link form with `linkHeader`. */
  bytesSent: number;
  /** Packets sent in their link form (`linkHeader`). */
  packetsLinkForm: number;
  packetsDelivered: number;
  /** Packets that reached a crashed or hung member. */
  packetsToDeadHosts: number;
  /** Packets addressed to an addr no member has. */
  packetsUnroutable: number;
  /** Packets to a member with no open link to it (link model only): lost. */
  unsentNoLink: number;
  /** `handleData` results that were errors, by kind. */
  remoteErrors: Map<string, number>;
  events: number;
}

/**
 * A deterministic cluster on a virtual clock. Every packet, timer wake-up and scenario action is an
 * event in one queue ordered by (time, insertion order); the network and every member draw from seeded
 * generators, so the same seed and the same scenario replay the same run, byte for byte.
 *
 * Time only moves inside `runUntil`/`runFor`; between runs, a test may poke members and the network.
 */
export class Simulator<T extends Identity> implements HostWorld<T> {
  readonly network: NetworkModel;
  readonly rng: Rng;
  readonly hosts: Array<SimHost<T>> = [];
  readonly stats: SimStats = {
    packetsSent: 0,
    bytesSent: 0,
    packetsLinkForm: 0,
    packetsDelivered: 0,
    packetsToDeadHosts: 0,
    packetsUnroutable: 0,
    unsentNoLink: 0,
    remoteErrors: new Map(),
    events: 0,
  };
  private readonly queue = new EventQueue<Payload>();
  private readonly byAddr = new Map<string, number>();
  private readonly notificationListeners: Array<NotificationListener<T>> = [];
  private readonly sendListeners: SendListener[] = [];
  private clock = 0;
  private alive = 0;
  private readonly browserRuntime: boolean;
  private readonly lateGrace: boolean;
  /** With `linkHeader`: each member's addr as raw bytes, by index (what its links are bound to). */
  private readonly addrBytes: Uint8Array[] | undefined;
  /** The link-cost model, when the simulator runs one (`SimulatorInit.links`). */
  readonly links: LinkModel | undefined;

  constructor(init: SimulatorInit) {
    this.rng = init.rng;
    this.network = new NetworkModel(init.rng, init.link ?? LAN_LINK);
    this.browserRuntime = init.browserRuntime === true;
    this.lateGrace = init.lateGrace ?? true;
    this.addrBytes = init.linkHeader === true ? [] : undefined;
    if (init.links !== undefined) {
      const link = this.network.defaultLink;
      this.links = new LinkModel(this, { hopMs: link.delayMs + link.jitterMs / 2, ...init.links });
    }
  }

  /** Virtual time in ms since the simulation started. */
  get now(): number {
    return this.clock;
  }

  /** Number of members ever added (crashed ones included). */
  get size(): number {
    return this.hosts.length;
  }

  /**
   * Adds a member running `node` and returns its index. It does nothing until it announces or is
   * announced to. With a `topology` its host keeps the overlay (and, with the link model, its links).
   */
  addMember(node: SimNode<T>, topology?: OverlayTopology): number {
    const addr = node.identity.addr;
    if (this.byAddr.has(addr)) throw new Error(`a member with addr ${addr} already exists`);
    const index = this.hosts.length;
    this.addrBytes?.push(addrBytes(addr));
    const host = new SimHost(index, node, this, this.browserRuntime, this.lateGrace, topology);
    this.hosts.push(host);
    this.byAddr.set(addr, index);
    this.alive++;
    return index;
  }

  host(index: number): SimHost<T> {
    const h = this.hosts[index];
    if (h === undefined) throw new RangeError(`no member ${index}`);
    return h;
  }

  node(index: number): SimNode<T> {
    return this.host(index).node;
  }

  /** Index of the member whose addr is `addr`, or `undefined`. */
  indexOf(addr: string): number | undefined {
    return this.byAddr.get(addr);
  }

  /** Number of members that have not crashed or left (hung ones included). O(1). */
  get aliveCount(): number {
    return this.alive;
  }

  /** Whether the member runs (not crashed; a hung member counts as running). */
  isAlive(index: number): boolean {
    return this.host(index).status !== 'crashed';
  }

  onNotification(listener: NotificationListener<T>): void {
    this.notificationListeners.push(listener);
  }

  onSend(listener: SendListener): void {
    this.sendListeners.push(listener);
  }

  /** Runs `action` at virtual time `at` (now, if `at` is in the past). */
  at(at: number, action: () => void): void {
    this.queue.push(Math.max(at, this.clock), ACTION, -1, -1, action);
  }

  /** Runs `action` after `ms` of virtual time. */
  after(ms: number, action: () => void): void {
    this.at(this.clock + ms, action);
  }

  /** Makes member `index` announce itself to each of `seeds` (bootstrap through known members). */
  announce(index: number, seeds: Iterable<number>): void {
    const host = this.host(index);
    if (host.status !== 'running') return;
    for (const s of seeds) {
      if (s !== index) host.call((rt) => host.node.announce(this.node(s).identity, rt));
    }
  }

  /** Crashes member `index`: it stops for good, sending and receiving nothing. */
  crash(index: number): void {
    const host = this.host(index);
    if (host.status === 'crashed') return;
    host.crash();
    this.links?.drop(index);
    this.alive--;
  }

  /** Leaves gracefully (the core tells a few members) and then stops, as a closing tab does. */
  leave(index: number): void {
    const host = this.host(index);
    if (host.status !== 'running') return;
    host.call((rt) => host.node.leaveCluster(rt));
    this.crash(index);
  }

  /**
   * Hangs member `index` for `ms`: it runs nothing (no timers, no packets). On resume it keeps its
   * state and its timers that came due meanwhile fire at once, in due order. Packets that arrived
   * meanwhile are dropped, or delivered on resume with `queueInbound` (like a paused page's channel).
   */
  hang(index: number, ms: number, options: { queueInbound?: boolean } = {}): void {
    const host = this.host(index);
    if (host.status === 'crashed') return;
    host.status = 'hung';
    host.hungUntil = Math.max(host.hungUntil, this.clock + ms);
    host.queueWhileHung = options.queueInbound === true;
    const until = host.hungUntil;
    this.at(until, () => {
      if (host.status !== 'hung' || host.hungUntil !== until) return;
      host.status = 'running';
      host.rescheduleNext();
    });
  }

  /**
   * Throttles member `index` like a hidden tab: its timers run only on a grid of `gridMs` (late by up
   * to `gridMs`), with a phase drawn at random; packets are still handled at once. `gridMs` 0 undoes it.
   */
  throttle(index: number, gridMs = 1000): void {
    const host = this.host(index);
    host.setThrottle(gridMs, gridMs > 0 ? Math.floor(this.rng.next() * gridMs) : 0);
  }

  /** Adds `bytes` as a custom broadcast at member `index` and sends it out at once. Returns whether the handler took it. */
  addBroadcast(index: number, bytes: Uint8Array): boolean {
    const host = this.host(index);
    const taken = host.node.addBroadcast(bytes);
    if (taken && host.status === 'running') host.call((rt) => host.node.broadcast(rt));
    return taken;
  }

  /** Runs every event due up to and including `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    const q = this.queue;
    while (q.size > 0 && q.peekTime() <= time) {
      q.pop();
      this.clock = q.lastTime;
      this.stats.events++;
      const kind = q.lastKind;
      const payload = q.lastPayload;
      if (kind === DELIVER) this.deliver(q.lastTarget, payload as Uint8Array);
      else if (kind === DELIVER_LINK) this.deliverLinkForm(q.lastTarget, q.lastAux, payload as Uint8Array);
      else if (kind === WAKE) this.hosts[q.lastTarget]!.wake(this.clock);
      else (payload as () => void)();
    }
    if (time > this.clock) this.clock = time;
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number): void {
    this.runUntil(this.clock + ms);
  }

  /**
   * Runs until `done()` holds, checking every `stepMs`, for at most `maxMs`. Returns the virtual time at
   * which it held, or `undefined` if it never did.
   */
  runUntilTrue(done: () => boolean, maxMs: number, stepMs = 100): number | undefined {
    const end = this.clock + maxMs;
    if (done()) return this.clock;
    while (this.clock < end) {
      this.runUntil(Math.min(end, this.clock + stepMs));
      if (done()) return this.clock;
    }
    return undefined;
  }

  // HostWorld

  send(src: number, to: T, bytes: Uint8Array): boolean {
    const stats = this.stats;
    const dst = this.byAddr.get(to.addr);
    if (this.links !== undefined && (dst === undefined || !this.links.isOpen(src, dst))) {
      stats.unsentNoLink++;
      return false;
    }
    stats.packetsSent++;
    if (dst === undefined) {
      stats.bytesSent += bytes.length;
      stats.packetsUnroutable++;
      return true;
    }
    const addrs = this.addrBytes;
    // A fresh array either way: the core may reuse its buffer after sendTo returns.
    const linkForm =
      addrs === undefined ? undefined : compactForLink(bytes, { local: addrs[src]!, remote: addrs[dst]! });
    const wire = linkForm ?? bytes.slice();
    stats.bytesSent += wire.length;
    if (linkForm !== undefined) stats.packetsLinkForm++;
    for (const l of this.sendListeners) l(src, dst, bytes, this.clock, wire.length);
    const delay = this.network.transit(src, dst);
    if (delay < 0) return true;
    this.queue.push(this.clock + delay, linkForm === undefined ? DELIVER : DELIVER_LINK, dst, src, wire);
    return true;
  }

  viewChanged(member: number): void {
    const links = this.links;
    const topology = this.hosts[member]?.topology;
    if (links === undefined || topology === undefined) return;
    const wanted: number[] = [];
    for (const addr of topology.wantedLinks()) {
      const i = this.byAddr.get(addr);
      if (i !== undefined) wanted.push(i);
    }
    // A new link's offer and answer travel the overlay: about log_{2K} N hops each way.
    const hops =
      topology.mode === 'mesh' ? 1 : Math.ceil(Math.log(topology.size) / Math.log(2 * topology.rings));
    links.setWanted(member, wanted, hops);
  }

  scheduleWake(member: number, at: number): void {
    this.queue.push(at, WAKE, member, -1, undefined);
  }

  dispatch(member: number, notification: Notification<T>): void {
    const listeners = this.notificationListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(member, notification, this.clock);
  }

  /** Restores a link-form packet from `src` as the receiving transport does, then delivers it. */
  private deliverLinkForm(dst: number, src: number, wire: Uint8Array): void {
    const addrs = this.addrBytes!;
    // `send` made this form from a full header, so it always expands.
    const bytes = expandFromLink(wire, { local: addrs[dst]!, remote: addrs[src]! })!;
    this.deliver(dst, bytes);
  }

  private deliver(dst: number, bytes: Uint8Array): void {
    const host = this.hosts[dst]!;
    if (host.status !== 'running') {
      if (host.status === 'hung' && host.queueWhileHung) {
        // Delivered after the resume action, which was queued first at that instant.
        this.queue.push(host.hungUntil, DELIVER, dst, -1, bytes);
      } else {
        this.stats.packetsToDeadHosts++;
      }
      return;
    }
    this.stats.packetsDelivered++;
    const result = host.deliver(bytes, this.clock);
    if (result !== undefined && !result.ok) {
      const errors = this.stats.remoteErrors;
      errors.set(result.error.kind, (errors.get(result.error.kind) ?? 0) + 1);
    }
  }
}
