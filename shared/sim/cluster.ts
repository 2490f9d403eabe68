import { type IndirectChecks, OverlayTopology } from '../host/index';
import { RingOverlay, RingPool } from '../overlay/index';
import type { AntiEntropyInit, Member } from '../swim/index';
import { BinaryCodec, BrowserIdentity, type Config, DEFAULT_BOUNDS, Swim, seededRng } from '../swim/index';
import { fakeStatementAuth } from './fake-statement-auth';
import { InterningIdentityCodec } from './interning-identity-codec';
import type { LinkModelInit } from './links';
import type { LinkParams } from './network';
import { SignalingBootstrap } from './signaling-bootstrap';
import { simConfig } from './sim-config';
import { Simulator } from './simulator';
import { VersionedStore, type VersionKey } from './versioned-broadcasts';

/** A simulated member running the real core. */
export type SimSwim = Swim<BrowserIdentity, VersionKey>;

/** Options of a `Cluster`. */
export interface ClusterInit {
  /** Members created up front (more can be added). */
  readonly size: number;
  /** Seed of the whole run: network, identities, every member's randomness. */
  readonly seed: number;
  /** Config of every member; defaults to `simConfig(size)` (foca's `lan(size)`, 300 ms RTT). */
  readonly config?: Config;
  /** Link parameters of the whole network; defaults to a LAN (1 ms + up to 1 ms jitter). */
  readonly link?: LinkParams;
  /** A joiner that still knows no member asks the signaling server for peers again this often. Default 2 s. */
  readonly joinRetryMs?: number;
  /** Hosts mirror the browser runtime (poll on packet, pause handling). Default true: the tabs do. */
  readonly browserRuntime?: boolean;
  /**
   * Large-room support (DESIGN §8): every member's host keeps an `OverlayTopology` (a full mesh within
   * `maxLinks`, K rings past it) and packets travel only over links the link model set up. A joiner's
   * first links are the signaling server's bootstrap peers, pinned open for `bootstrapLinkMs`.
   */
  readonly overlay?: ClusterOverlayInit;
  /**
   * Every member doubts itself before it accuses others, as the tabs do: Lifeguard (local health,
   * nacks, LHA-suspicion), the host loop's late grace and its rejoin-after-pause backoff. Default
   * true; false to compare.
   */
  readonly lifeguard?: boolean;
  /**
   * Every member takes a Down from the wire as an accusation (`SwimInit.downIsAccusation`), as the
   * tabs do. Default false for now, so the measured scenarios keep their figures; tests turn it on.
   */
  readonly downIsAccusation?: boolean;
  /**
   * Every member signs its statements and takes others' only when signed (`SwimInit.statements`), as
   * the tabs do with `signedStatements: true`, with a stand-in signature at a hash's cost (fake-statement-auth.ts): real
   * sizes on the wire, no real security. Default false, so the measured scenarios keep their figures.
   */
  readonly statements?: boolean;
  /**
   * Packets travel in their link form (protocol 1.4: no addrs in the header on a link), as between
   * tabs, so byte figures are the wire's. Default true; false to measure the full form.
   */
  readonly linkHeader?: boolean;
  /**
   * Every member runs anti-entropy (`SwimInit.antiEntropy`: digests compared with a random member now
   * and then, the difference pulled). Default true, as the tabs (`joinRoom({ antiEntropy })`); false
   * to compare.
   */
  readonly antiEntropy?: boolean | AntiEntropyInit;
}

/** Options of a cluster's overlay (see `ClusterInit.overlay`). */
export interface ClusterOverlayInit {
  /** K. Default 8. */
  readonly rings?: number;
  /** The link budget per member. Default 32. */
  readonly maxLinks?: number;
  /** How indirect checks are routed. Default 'shared-links'. */
  readonly indirect?: IndirectChecks;
  /** Extra direct Pings where relays fall short (`OverlayTopologyInit.directRetries`). */
  readonly directRetries?: number;
  /** A subject without a link this long is probed all the same (`OverlayTopologyInit.unlinkedProbeAfterMs`). */
  readonly unlinkedProbeAfterMs?: number;
  /** Our own check judges such a subject only this long after (`OverlayTopologyInit.unlinkedJudgeAfterMs`). */
  readonly unlinkedJudgeAfterMs?: number;
  /** The link-cost model's options. */
  readonly links?: LinkModelInit;
  /** How long a bootstrap link stays open whatever the overlay wants. Default 30 s. */
  readonly bootstrapLinkMs?: number;
  /**
   * Which members the server hands a joiner: 'random' ones (the server today), or 'ring': the
   * joiner's own ring neighbours in the server's view of the room, so its first links are links it
   * keeps (the server knows every address in the room, so it can place them on the rings too).
   * Default 'random'.
   */
  readonly bootstrapPeers?: 'random' | 'ring';
  /**
   * The server as a fallback: this often (random phase) a member whose view is smaller than the
   * signaling room asks the server to introduce it to a member of the room, as a joiner does, so
   * halves of a healed partition that hold no link to each other meet again. Default 20 s; 0: never.
   */
  readonly roomCheckMs?: number;
}

/** Called when a member takes a newer version of a custom broadcast. */
export type BroadcastListener = (member: number, key: number, version: number, now: number) => void;

/**
 * A cluster of real `Swim` cores in the simulator: browser identities, the binary codec on the wire,
 * a signaling-like bootstrap (each joiner announces to up to 4 random members), versioned custom
 * broadcasts, and helpers to read every member's view.
 */
export class Cluster {
  readonly sim: Simulator<BrowserIdentity>;
  readonly swims: SimSwim[] = [];
  readonly stores: Array<VersionedStore<BrowserIdentity>> = [];
  readonly signaling: SignalingBootstrap;
  readonly config: Config;
  readonly seed: number;
  /** Members that left gracefully (a subset of the crashed ones: their hosts stopped too). */
  readonly departed = new Set<number>();
  private readonly ids = new InterningIdentityCodec();
  private readonly codec = new BinaryCodec(this.ids);
  private readonly broadcastListeners: BroadcastListener[] = [];
  private readonly joinRetryMs: number;
  /** With `overlay`: its options, and the rings that members whose views are equal share. */
  readonly overlay: ClusterOverlayInit | undefined;
  readonly ringPool: RingPool | undefined;
  /** With `bootstrapPeers: 'ring'`: the server's rings over the signaling room. */
  private readonly serverRing: RingOverlay | undefined;
  private readonly lifeguard: boolean;
  private readonly downIsAccusation: boolean;
  private readonly antiEntropy: boolean | AntiEntropyInit;
  private readonly statements: boolean;
  /** The core's member cap, kept well above the cluster's size (a 10,000-member run must not hit it). */
  private readonly maxMembers: number;

  constructor(init: ClusterInit) {
    this.seed = init.seed;
    this.config = init.config ?? simConfig(init.size);
    this.joinRetryMs = init.joinRetryMs ?? 2000;
    this.lifeguard = init.lifeguard ?? true;
    this.downIsAccusation = init.downIsAccusation ?? false;
    this.antiEntropy = init.antiEntropy ?? true;
    this.statements = init.statements ?? false;
    this.maxMembers = Math.max(DEFAULT_BOUNDS.maxMembers, 4 * init.size);
    const worldRng = seededRng(mixSeed(init.seed, 0x5117));
    this.sim = new Simulator({
      rng: worldRng,
      browserRuntime: init.browserRuntime ?? true,
      // A starved member's self-doubt is Lifeguard's and the loop's late grace: one switch for both.
      lateGrace: this.lifeguard,
      linkHeader: init.linkHeader ?? true,
      ...(init.link === undefined ? {} : { link: init.link }),
      ...(init.overlay === undefined
        ? {}
        : { links: { maxLinks: init.overlay.maxLinks ?? 32, ...init.overlay.links } }),
    });
    this.overlay = init.overlay;
    if (init.overlay !== undefined) this.ringPool = new RingPool(init.overlay.rings ?? 8);
    const serverRng = seededRng(mixSeed(init.seed, 0xb007));
    if (init.overlay?.bootstrapPeers === 'ring') {
      const ring = new RingOverlay([], { positions: this.ringPool!.positions });
      this.serverRing = ring;
      this.signaling = new SignalingBootstrap(serverRng, undefined, (member, want) => {
        const addr = this.swim(member).identity.addr;
        ring.add(addr);
        const near = ring.links(addr).map((a) => this.sim.indexOf(a)!);
        // Its nearest on the most rings first would be as good: any ring neighbour is a kept link.
        const picked: number[] = [];
        while (picked.length < want && near.length > 0) {
          picked.push(near.splice(Math.floor(serverRng.next() * near.length), 1)[0]!);
        }
        return picked.length === want ? picked : undefined;
      });
    } else {
      this.signaling = new SignalingBootstrap(serverRng);
    }
    for (let i = 0; i < init.size; i++) this.addMember();
  }

  /** Number of members ever created. */
  get size(): number {
    return this.swims.length;
  }

  /** Creates a member (idle until it joins) and returns its index. */
  addMember(config: Config = this.config): number {
    const index = this.swims.length;
    const rng = seededRng(mixSeed(this.seed, index + 1));
    const identity = this.ids.intern(BrowserIdentity.random(rng));
    const store = new VersionedStore<BrowserIdentity>((key, version) => {
      for (const l of this.broadcastListeners) l(index, key, version, this.sim.now);
    });
    const swim: SimSwim = new Swim({
      identity,
      config,
      rng,
      codec: this.codec,
      broadcastHandler: store,
      lifeguard: this.lifeguard,
      downIsAccusation: this.downIsAccusation,
      antiEntropy: this.antiEntropy,
      bounds: { maxMembers: this.maxMembers },
      ...(this.statements ? { statements: fakeStatementAuth(identity) } : {}),
    });
    this.swims.push(swim);
    this.stores.push(store);
    this.sim.addMember(swim, this.topologyFor(index, identity.addr));
    // Without Lifeguard the host gives up its slow-member defence too: every long pause renames the
    // member, as before the rejoin backoff (so `lifeguard: false` measures the whole defence).
    if (!this.lifeguard) this.sim.host(index).loop.pauseRejoinBackoffMs = 0;
    return index;
  }

  private topologyFor(index: number, self: string): OverlayTopology | undefined {
    const o = this.overlay;
    if (o === undefined) return undefined;
    const sim = this.sim;
    return new OverlayTopology({
      self,
      ...(o.rings === undefined ? {} : { rings: o.rings }),
      ...(o.maxLinks === undefined ? {} : { maxLinks: o.maxLinks }),
      ...(o.indirect === undefined ? {} : { indirect: o.indirect }),
      ...(o.directRetries === undefined ? {} : { directRetries: o.directRetries }),
      ...(o.unlinkedProbeAfterMs === undefined ? {} : { unlinkedProbeAfterMs: o.unlinkedProbeAfterMs }),
      ...(o.unlinkedJudgeAfterMs === undefined ? {} : { unlinkedJudgeAfterMs: o.unlinkedJudgeAfterMs }),
      pool: this.ringPool!,
      isLinked: (addr) => {
        const j = sim.indexOf(addr);
        return j !== undefined && sim.links!.isOpen(index, j);
      },
    });
  }

  /** Member `member`'s overlay topology (undefined without `overlay`). */
  topology(member: number): OverlayTopology | undefined {
    return this.sim.host(member).topology;
  }

  swim(index: number): SimSwim {
    const s = this.swims[index];
    if (s === undefined) throw new RangeError(`no member ${index}`);
    return s;
  }

  onBroadcast(listener: BroadcastListener): void {
    this.broadcastListeners.push(listener);
  }

  /**
   * Joins `member` the way a tab does: it enters the signaling room, gets up to 4 random members and
   * announces to each; while it still knows nobody, it asks again every `joinRetryMs`.
   */
  join(member: number): void {
    const peers = this.signaling.join(member);
    this.introduce(member, peers);
    this.scheduleRoomCheck(member);
    const retry = () => {
      if (!this.sim.isAlive(member) || this.swim(member).numMembers > 0) return;
      if (this.sim.host(member).status === 'running') this.introduce(member, this.signaling.sample(member));
      this.sim.after(this.joinRetryMs, retry);
    };
    this.sim.after(this.joinRetryMs, retry);
  }

  private scheduleRoomCheck(member: number): void {
    const every = this.overlay?.roomCheckMs ?? 20_000;
    if (this.sim.links === undefined || every <= 0) return;
    const check = () => {
      if (!this.sim.isAlive(member)) return;
      const swim = this.swim(member);
      if (this.sim.host(member).status === 'running' && swim.numMembers < this.signaling.size - 1) {
        const view = new Set<string>();
        for (const m of swim.members()) view.add(m.id.addr);
        const strangers = this.signaling.sample(member).filter((p) => !view.has(this.swim(p).identity.addr));
        this.introduce(member, strangers.slice(0, 1));
      }
      this.sim.after(every, check);
    };
    this.sim.after(every * (0.5 + this.sim.rng.next()), check);
  }

  /**
   * `member` announces to `peers`. With the link model the server first sets up a link to each
   * (pinned for `bootstrapLinkMs`), and the Announce goes once it is open.
   */
  private introduce(member: number, peers: readonly number[]): void {
    const links = this.sim.links;
    if (links === undefined) {
      this.sim.announce(member, peers);
      return;
    }
    const until = this.sim.now + (this.overlay?.bootstrapLinkMs ?? 30_000);
    for (const p of peers) {
      const setup = links.pin(member, p, until);
      if (setup >= 0) this.sim.after(setup, () => this.sim.announce(member, [p]));
    }
  }

  /** Schedules the join of each of `members` at a time spread evenly over `windowMs` from now. */
  coldStart(members: readonly number[] = this.all(), windowMs = 1000): void {
    const n = members.length;
    members.forEach((m, k) => {
      this.sim.after(n <= 1 ? 0 : (k * windowMs) / n, () => this.join(m));
    });
  }

  /**
   * Starts `members` already converged: each learns every other one as Alive out of band (`applyMany`,
   * no dissemination), enters the signaling room and starts probing. Sends nothing by itself.
   */
  preconverge(members: readonly number[] = this.all()): void {
    const all: Array<Member<BrowserIdentity>> = members.map((m) => ({
      id: this.swim(m).identity,
      incarnation: 0,
      state: 'alive',
    }));
    for (const m of members) {
      const self = this.swim(m).identity;
      this.sim.host(m).call((rt) =>
        this.swim(m).applyMany(
          all.filter((u) => u.id !== self),
          false,
          rt,
        ),
      );
      this.signaling.join(m);
      this.serverRing?.add(self.addr);
      this.scheduleRoomCheck(m);
    }
  }

  /** Crashes `member` (its signaling socket closes too). */
  crash(member: number): void {
    this.sim.crash(member);
    this.leaveRoom(member);
  }

  /** `member` leaves gracefully and its tab closes. */
  leave(member: number): void {
    this.sim.leave(member);
    this.departed.add(member);
    this.leaveRoom(member);
  }

  private leaveRoom(member: number): void {
    this.signaling.leave(member);
    this.serverRing?.remove(this.swim(member).identity.addr);
  }

  /** Every member index, crashed ones included. */
  all(): number[] {
    return Array.from({ length: this.size }, (_, i) => i);
  }

  /** Members that have not crashed or left (hung ones included). */
  live(): number[] {
    return this.all().filter((i) => this.sim.isAlive(i));
  }

  /** What `member` holds about each addr (Down members included), its own entry excluded. */
  viewOf(member: number): Map<string, Member<BrowserIdentity>> {
    const view = new Map<string, Member<BrowserIdentity>>();
    for (const m of this.swim(member).membershipState()) view.set(m.id.addr, m);
    return view;
  }

  /** The state `observer` holds for `subject`'s current identity, or `undefined` if it has none for it. */
  stateOf(observer: number, subject: number): Member<BrowserIdentity>['state'] | undefined {
    const id = this.swim(subject).identity;
    const m = this.viewOf(observer).get(id.addr);
    return m?.id.equals(id) ? m.state : undefined;
  }

  /**
   * Whether every member of `group` holds exactly the others of `group` as active, each Alive under
   * its current identity, and nobody else as active.
   */
  converged(group: readonly number[] = this.live()): boolean {
    for (const i of group) if (!this.seesExactly(i, group)) return false;
    return true;
  }

  /**
   * Like `converged`, but a member may hold another as Suspect: under loss, some probe is always
   * failing somewhere, and a suspicion that is refuted in time is no false positive.
   */
  allActive(group: readonly number[] = this.live()): boolean {
    for (const i of group) if (!this.seesExactly(i, group, true)) return false;
    return true;
  }

  /** Whether `observer`'s active members are exactly `group` (minus itself), all Alive (or Suspect if `suspectOk`), current identities. */
  seesExactly(observer: number, group: readonly number[], suspectOk = false): boolean {
    const swim = this.swim(observer);
    const others = group.includes(observer) ? group.length - 1 : group.length;
    if (swim.numMembers !== others) return false;
    const active = new Map<string, Member<BrowserIdentity>>();
    for (const m of swim.members()) active.set(m.id.addr, m);
    for (const j of group) {
      if (j === observer) continue;
      const m = active.get(this.swim(j).identity.addr);
      if (m === undefined || !m.id.equals(this.swim(j).identity)) return false;
      if (m.state !== 'alive' && !(suspectOk && m.state === 'suspect')) return false;
    }
    return true;
  }

  /** Whether every member of `observers` holds `subject` as Down, or no longer holds its identity at all. */
  allSeeDown(subject: number, observers: readonly number[] = this.live()): boolean {
    const id = this.swim(subject).identity;
    for (const o of observers) {
      if (o === subject) continue;
      const m = this.viewOf(o).get(id.addr);
      if (m?.id.equals(id) && m.state !== 'down') return false;
    }
    return true;
  }
}

/** Derives a well-spread 32-bit seed from a run seed and a stream number. */
export function mixSeed(seed: number, stream: number): number {
  let h = (Math.trunc(seed) ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
