import {
  DEFAULT_RINGS,
  type RingOverlay,
  RingPool,
  type RingPositionCache,
  route,
  ViewFingerprint,
} from '../overlay/index';
import type { Topology } from '../swim/index';

/** How a failed probe's indirect checks are routed in overlay mode (see the README's large-rooms note). */
export type IndirectChecks =
  /** Through our links that also link to the subject (its other ring neighbours we hold). Default. */
  | 'shared-links'
  /** None: a failed direct probe goes straight to the check round, direct pings only. */
  | 'none';

/** Options of an `OverlayTopology`: who we are, the budget, and how to tell an open link. */
export interface OverlayTopologyInit {
  /** Our address (in the view from the start). */
  readonly self: string;
  /** K, the number of rings: ≤ 2K links per member in overlay mode. Default 8, or as many as 2K ≤ `maxLinks` allows. */
  readonly rings?: number;
  /** The link budget: a view of more members than this (ourselves excluded) rides the overlay. Default 32. */
  readonly maxLinks?: number;
  /** Whether a link to `addr` is open now (the transport's answer). */
  readonly isLinked: (addr: string) => boolean;
  /** One cache shared by many topologies (a simulator's members) hashes each address once. */
  readonly positions?: RingPositionCache;
  /**
   * One pool shared by many topologies (a simulator's members): members whose views are equal hold
   * one overlay between them instead of one each. Its positions are used (`positions` is ignored).
   * Default: a pool of this topology's own.
   */
  readonly pool?: RingPool;
  /** Default 'shared-links'. */
  readonly indirect?: IndirectChecks;
  /**
   * Most extra direct Pings a probe's indirect stage or a check round sends when its relays fall
   * short (the core's `Topology.directRetries`): one per missing relay, up to this. On K random rings
   * a prober shares a link with 1.8 of its subject's neighbours at N = 100 and 0.2 at N = 1,000, so
   * without them a lossy probe became a suspicion sent to everyone (README, large rooms). Default 3
   * (`DEFAULT_DIRECT_RETRIES`); 0 turns them off.
   */
  readonly directRetries?: number;
  /**
   * A subject we have held no link to for this long (ms of the host loop's time, `setNow`) is probed
   * all the same, and its probe fails (`Topology.probeUnlinked`); then again this long later while
   * the link stays shut. Without it a member that crashed before its new observers' links to it
   * opened stayed Alive for everyone (shared/sim/unlinked-subject.test.ts). Default 10,000 (two of
   * the link planner's retries); `Infinity` turns it off.
   */
  readonly unlinkedProbeAfterMs?: number;
  /**
   * After probing a subject without a link, our own check may declare it Down only this much later
   * (`Topology.judgeUnlinked`): the suspicion reaches a live subject, and its refutation us, only by
   * gossip. Measured: judged at the suspicion's own timeout (~1 s at N = 40), a joiner whose budget
   * was full of its bootstrap links declared a live subject Down (39 false Downs, churn of 40 on 12
   * links, seed 20261201). Default 5,000.
   */
  readonly unlinkedJudgeAfterMs?: number;
}

/** Default `OverlayTopologyInit.unlinkedProbeAfterMs`. */
export const DEFAULT_UNLINKED_PROBE_AFTER_MS = 10_000;
/** Default `OverlayTopologyInit.unlinkedJudgeAfterMs`. */
export const DEFAULT_UNLINKED_JUDGE_AFTER_MS = 5_000;

/** Default link budget (the mesh's `maxConnections`). */
export const DEFAULT_MAX_LINKS = 32;

/** Default `OverlayTopologyInit.directRetries`: as many as a probe's relays (`numIndirectProbes`, 3). */
export const DEFAULT_DIRECT_RETRIES = 3;

/**
 * The overlay of DESIGN §8 as one member's host keeps it: the active view (ourselves included), the
 * mode (a full mesh while the view fits the budget, K rings past it) and what follows from them —
 * whom to link to, whom to probe, whom to ask to check a subject, which way to relay a signal. It
 * implements the core's `Topology` over the transport's `isLinked`.
 *
 * Views change one member at a time (`add`/`remove`) and are applied lazily: the rings are brought
 * up to date on the next read, incrementally for a few changes, rebuilt for many (a joiner that
 * learns the whole room at once). Pure: no clock.
 */
export class OverlayTopology implements Topology {
  readonly self: string;
  readonly rings: number;
  readonly maxLinks: number;
  readonly indirect: IndirectChecks;
  readonly maxDirectRetries: number;
  readonly unlinkedProbeAfterMs: number;
  readonly unlinkedJudgeAfterMs: number;
  readonly #isLinked: (addr: string) => boolean;
  readonly #pool: RingPool;
  #mode: 'mesh' | 'overlay' = 'mesh';
  #size = 1;
  /** The room's size we were told (`expectSize`), 0 when the view alone decides. */
  #expected = 0;
  readonly #fingerprint = new ViewFingerprint();
  /** The view in mesh mode (≤ maxLinks + 1 members); undefined in overlay mode, where the rings hold it. */
  #meshView: Set<string> | undefined = new Set();
  /** Overlay mode: the rings of the view as last read (maybe shared through the pool) and their key. */
  #overlay: RingOverlay | undefined;
  #overlayKey: string | undefined;
  /** Changes not yet applied to `#overlay`: addr → true (joined) or false (left). */
  readonly #pending = new Map<string, boolean>();
  #links: string[] | undefined;
  #subjects: string[] | undefined;
  /** Bumped on every change of the view: lets a host tell whether its wanted links may have moved. */
  version = 0;
  /** The host's time of the core call running now (`setNow`). */
  #now = 0;
  /** Subjects found without a link when their turn came: since when (or since their last unlinked probe). */
  readonly #unlinkedSince = new Map<string, number>();
  /** Subjects we last probed without a link, and when. */
  readonly #probedUnlinkedAt = new Map<string, number>();

  /** Throws `RangeError` for a budget under 2K (the overlay itself would not fit it). */
  constructor(init: OverlayTopologyInit) {
    this.self = init.self;
    this.maxLinks = init.maxLinks ?? DEFAULT_MAX_LINKS;
    this.rings =
      init.rings ??
      init.pool?.positions.rings ??
      init.positions?.rings ??
      Math.max(1, Math.min(DEFAULT_RINGS, Math.floor(this.maxLinks / 2)));
    if (!(this.maxLinks >= 2 * this.rings)) {
      throw new RangeError(`maxLinks ${this.maxLinks} is under 2K = ${2 * this.rings}`);
    }
    this.indirect = init.indirect ?? 'shared-links';
    this.maxDirectRetries = init.directRetries ?? DEFAULT_DIRECT_RETRIES;
    this.unlinkedProbeAfterMs = init.unlinkedProbeAfterMs ?? DEFAULT_UNLINKED_PROBE_AFTER_MS;
    this.unlinkedJudgeAfterMs = init.unlinkedJudgeAfterMs ?? DEFAULT_UNLINKED_JUDGE_AFTER_MS;
    this.#isLinked = init.isLinked;
    this.#pool = init.pool ?? new RingPool(init.positions ?? this.rings);
    if (this.#pool.positions.rings !== this.rings) {
      throw new RangeError(`a pool for ${this.#pool.positions.rings} rings can't serve ${this.rings} rings`);
    }
    this.#meshView!.add(this.self);
    this.#fingerprint.toggle(this.#pool.positions.positionsOf(this.self), true);
  }

  /**
   * 'mesh' while the active view fits the budget (everyone links to everyone), 'overlay' past it.
   * Hysteresis: it goes over past `maxLinks` others and back only at `meshBelow` or fewer, so a view
   * at the boundary doesn't flip back and forth.
   */
  get mode(): 'mesh' | 'overlay' {
    return this.#mode;
  }

  /** Back to a full mesh at this many others or fewer: an eighth under the budget. */
  get meshBelow(): number {
    return this.maxLinks - Math.max(1, Math.floor(this.maxLinks / 8));
  }

  /** Members in the view, ourselves included. */
  get size(): number {
    return this.#size;
  }

  /** Whether `addr` is in the view. */
  has(addr: string): boolean {
    if (this.#meshView !== undefined) return this.#meshView.has(addr);
    return this.#pending.get(addr) ?? this.#overlay?.has(addr) ?? false;
  }

  /** A member became active (member-up). Does nothing for one already in the view. */
  add(addr: string): void {
    if (this.has(addr)) return;
    this.#meshView?.add(addr);
    this.#changed(addr, true);
  }

  /** A member left the active view (member-down). Does nothing for a stranger or ourselves. */
  remove(addr: string): void {
    if (addr === this.self || !this.has(addr)) return;
    this.#meshView?.delete(addr);
    this.#changed(addr, false);
  }

  /** The links this member should hold now: everyone in mesh mode, the overlay's links(self) past it. */
  wantedLinks(): readonly string[] {
    if (this.#mode === 'mesh') return this.#others();
    this.#links ??= this.#ring().links(this.self);
    return this.#links;
  }

  /** Next hops toward `to` for relaying a link-setup signal (route over the view), [] when none. */
  nextHops(to: string): readonly string[] {
    if (to === this.self || !this.has(to)) return [];
    if (this.#mode === 'mesh') return [to];
    return route(this.#ring(), this.self, to)?.nextHops ?? [];
  }

  /**
   * The host's time now: the host loop sets it before each core call, so the topology can tell how
   * long a subject has gone without a link (`probeUnlinked`). Changes nothing else.
   */
  setNow(now: number): void {
    this.#now = now;
  }

  // Topology: what the core reads.

  canReach(addr: string): boolean {
    const linked = this.#isLinked(addr);
    // A subject's wait for its link starts over once the link is up.
    if (linked && this.#unlinkedSince.size > 0) this.#unlinkedSince.delete(addr);
    return linked;
  }

  probeTargets(): readonly string[] {
    if (this.#mode === 'mesh') return this.#others();
    if (this.#subjects === undefined) {
      this.#subjects = this.#ring().subjects(this.self);
      // A member that is no longer our subject starts its wait afresh if it becomes one again.
      for (const a of this.#unlinkedSince.keys())
        if (!this.#subjects.includes(a)) this.#unlinkedSince.delete(a);
    }
    return this.#subjects;
  }

  /**
   * `Topology.probeUnlinked`: true for a subject found without a link for `unlinkedProbeAfterMs`
   * (counted from its first turn found so), and then its wait starts over, so a live subject whose
   * link is merely slow costs one failed probe per wait, which it refutes. The first call for a
   * subject starts its wait. False while we hold fewer than half the links we want (then we are
   * the likelier one cut off), and in mesh mode (everyone is probed in turn there).
   */
  probeUnlinked(addr: string): boolean {
    if (this.#mode === 'mesh' || !Number.isFinite(this.unlinkedProbeAfterMs)) return false;
    const since = this.#unlinkedSince.get(addr);
    if (since === undefined || this.#now - since < this.unlinkedProbeAfterMs) {
      if (since === undefined) this.#unlinkedSince.set(addr, this.#now);
      return false;
    }
    this.#unlinkedSince.set(addr, this.#now);
    if (!this.#holdsMostLinks()) return false;
    this.#probedUnlinkedAt.set(addr, this.#now);
    return true;
  }

  /**
   * `Topology.judgeUnlinked`: false within `unlinkedJudgeAfterMs` of our last probe of `addr`
   * without a link (`probeUnlinked`), true otherwise.
   */
  judgeUnlinked(addr: string): boolean {
    const at = this.#probedUnlinkedAt.get(addr);
    return at === undefined || this.#now - at >= this.unlinkedJudgeAfterMs;
  }

  // Self-doubt, as Lifeguard's: a member that holds few of the links it wants is more likely the
  // one cut off than each of its subjects. Measured: a joiner whose ring links all failed for 25 s
  // suspected its subjects, could not hear their refutations in time and declared 6 of them Down
  // (6 forced rejoins in 60 s, shared/sim/unlinked-subject.test.ts, seed 123).
  #holdsMostLinks(): boolean {
    const wanted = this.wantedLinks();
    let open = 0;
    for (const a of wanted) if (this.#isLinked(a)) open++;
    return 2 * open >= wanted.length;
  }

  indirectVia(subject: string): readonly string[] {
    if (this.indirect === 'none') return [];
    if (this.#mode === 'mesh' || !this.has(subject)) {
      return this.#others().filter((a) => a !== subject && this.#isLinked(a));
    }
    const theirs = new Set(this.#ring().links(subject));
    return this.wantedLinks().filter((a) => a !== subject && theirs.has(a) && this.#isLinked(a));
  }

  directRetries(found: number, wanted: number): number {
    return Math.min(this.maxDirectRetries, wanted - found);
  }

  gossipTargets(): readonly string[] {
    return this.wantedLinks();
  }

  /**
   * Whether `watcher` watches `subject`: in a mesh anyone, on the rings only the subject's observers
   * (its predecessors) in our view. Reads only. The core's `watches` is looser (see there):
   * restricting signed accusations to observers alone made a 14-member room on 6 links converge in
   * 101 s instead of 46 s (client/api/large-room.test.ts, seed 3), as views differ while a room forms.
   */
  isObserver(watcher: string, subject: string): boolean {
    if (this.#mode === 'mesh') return true;
    if (!this.has(subject) || !this.has(watcher)) return false;
    return this.#ring().observers(subject).includes(watcher);
  }

  /**
   * `Topology.watches`, for signed accusations: in a mesh anyone; on the rings a member linked to the
   * subject in our view (one of its observers or subjects), since views differ while a room forms and
   * a member one place off on a ring in ours is the observer in the accuser's. A subject or watcher
   * not in our view yet is given the benefit of the doubt (the core checks the accuser is held).
   */
  watches(watcher: string, subject: string): boolean {
    if (this.#mode === 'mesh') return true;
    if (!this.has(subject) || !this.has(watcher)) return true;
    return this.#ring().links(subject).includes(watcher);
  }

  #others(): string[] {
    const out: string[] = [];
    if (this.#meshView !== undefined) {
      for (const a of this.#meshView) if (a !== this.self) out.push(a);
      return out;
    }
    // Overlay mode (only an indirect check of a member outside the view asks): the rings' view.
    const ring = this.#ring();
    for (const a of ring.addresses()) if (a !== this.self) out.push(a);
    return out;
  }

  #changed(addr: string, joined: boolean): void {
    this.version++;
    this.#size += joined ? 1 : -1;
    this.#fingerprint.toggle(this.#pool.positions.positionsOf(addr), joined);
    this.#links = undefined;
    this.#subjects = undefined;
    if (!joined) {
      this.#unlinkedSince.delete(addr);
      this.#probedUnlinkedAt.delete(addr);
    }
    if (this.#meshView === undefined) {
      // A join then a leave of the same member (or the reverse) cancels out.
      if (this.#pending.get(addr) === !joined) this.#pending.delete(addr);
      else this.#pending.set(addr, joined);
    }
    // The view caught up with the room's size we were told: from now on the view alone decides.
    if (this.#size >= this.#expected) this.#expected = 0;
    this.#reconsiderMode();
  }

  /**
   * The room holds `members` (ourselves included) as far as someone who counts them knows (the
   * signaling server's answer to our join), though our view may not hold them yet: until the view
   * reaches that size, or `expectSize(0)`, the mode follows the larger of the two. So a joiner of a
   * room past the budget starts on the overlay instead of linking to every member it hears of while
   * its view fills (in a browser a joiner's view fills over seconds, one gossip at a time; each link
   * it opens and drops costs a connection object that Chrome frees only on GC).
   */
  expectSize(members: number): void {
    this.#expected = members > this.#size ? Math.floor(members) : 0;
    const mode = this.#mode;
    this.#reconsiderMode();
    if (this.#mode !== mode) {
      this.version++;
      this.#links = undefined;
      this.#subjects = undefined;
    }
  }

  /** Switches between mesh and overlay when the room's size (the view's, or the one expected) says so. */
  #reconsiderMode(): void {
    const others = Math.max(this.#size, this.#expected) - 1;
    if (this.#mode === 'mesh' && others > this.maxLinks) {
      // The rings are built on the next read, from the whole view as changes.
      this.#mode = 'overlay';
      for (const a of this.#meshView!) this.#pending.set(a, true);
      this.#meshView = undefined;
    } else if (this.#mode === 'overlay' && others <= this.meshBelow) {
      // A mesh needs no rings: let them go, they are built again if the room grows again.
      this.#mode = 'mesh';
      const view = new Set<string>(this.#overlay?.addresses() ?? []);
      for (const [a, j] of this.#pending) {
        if (j) view.add(a);
        else view.delete(a);
      }
      this.#meshView = view;
      if (this.#overlayKey !== undefined) this.#pool.release(this.#overlayKey);
      this.#overlay = undefined;
      this.#overlayKey = undefined;
      this.#pending.clear();
    }
  }

  /** The rings over the current view, brought up to date (shared with equal views through the pool). */
  #ring(): RingOverlay {
    if (this.#overlay !== undefined && this.#pending.size === 0) return this.#overlay;
    const key = this.#fingerprint.key;
    this.#overlay = this.#pool.move(this.#overlayKey, this.#overlay, key, this.#pending);
    this.#overlayKey = key;
    this.#pending.clear();
    return this.#overlay;
  }
}
