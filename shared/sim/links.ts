/** Options of the simulated links (DESIGN §8's cost model). */
export interface LinkModelInit {
  /** Fixed cost of setting a link up (ICE + DTLS on loopback), ms. Default 15. */
  readonly setupMs?: number;
  /** One-way delay of one signaling hop, ms (the network's mean delay). Default 1.5. */
  readonly hopMs?: number;
  /** An unwanted link closes after being unwanted this long (the link planner's linger). Default 15 s. */
  readonly closeAfterMs?: number;
  /** A crashed member's channels close at its peers this much later (measured in Chrome: ~17 s). */
  readonly crashCloseMs?: number;
  /**
   * Most links a member holds (opening ones included). At the budget a new link first closes a
   * lingering one (unwanted, not pinned); with none to close it waits for a slot. Default none.
   */
  readonly maxLinks?: number;
  /** A setup that failed is tried again this much later while both ends want the link (the planner's `retryAfterMs`). Default 5 s. */
  readonly retryAfterMs?: number;
}

/** What the model asks of the world: run an action later. */
export interface LinkClock {
  readonly now: number;
  after(ms: number, action: () => void): void;
  /** Whether `member` still runs: a setup with a crashed end never completes. Default: always. */
  isAlive?(member: number): boolean;
}

interface Pair {
  /** Bit 1: the lower index wants it; bit 2: the higher one does. */
  wants: number;
  /** Pinned open (a bootstrap link through the server) until this time. */
  pinnedUntil: number;
  state: 'none' | 'opening' | 'open';
  /** Bumped on every change of who wants it, so a stale linger does nothing. */
  epoch: number;
  /** Bumped on every setup started, so a stale setup does nothing. */
  setup: number;
}

/**
 * The links between simulated members: a link exists only where both ends want it (their overlay
 * computes it) and it was set up, `setupMs` plus the signaling hops to each end and back later. A
 * bootstrap link (the signaling server introduces a joiner to a few members) is pinned open for a
 * while whatever the ends want. A link unwanted by either end closes `closeAfterMs` later, unless
 * it is wanted again meanwhile (hysteresis). Counts links per member, now and at most, and every
 * link ever opened per member (Chrome frees a connection's slot only on garbage collection).
 */
export class LinkModel {
  readonly setupMs: number;
  readonly hopMs: number;
  readonly closeAfterMs: number;
  readonly crashCloseMs: number;
  readonly maxLinks: number;
  readonly retryAfterMs: number;
  /** Per member: the members it holds a link with (opening or open). */
  private readonly adj: Array<Set<number>> = [];
  /** Per member: links both ends want that wait for a slot at this member. */
  private readonly waiting: Array<Set<number>> = [];
  private readonly pairs = new Map<number, Pair>();
  /** Per member: open links now, the most ever open at once, links ever opened. */
  readonly open: number[] = [];
  readonly maxOpen: number[] = [];
  readonly created: number[] = [];
  /**
   * Per member: link setups ever begun, those that never opened included. Each costs the page a
   * connection object (an RTCPeerConnection, whose slot Chrome frees only on garbage collection).
   */
  readonly started: number[] = [];
  /** Per member: the indices it wants (its host's wanted links), as last told. */
  private readonly wanted: Array<Set<number>> = [];
  linksOpened = 0;
  linksClosed = 0;
  /**
   * Links opened between two members that had held one before: what a flapping view or a short
   * linger costs (a link closed, then wanted again).
   */
  linksReopened = 0;
  /** Every pair that ever held an open link. */
  private readonly everOpen = new Set<number>();
  /** Setups that never opened: an end had crashed, or `setupFails` said so. */
  setupsFailed = 0;
  /**
   * A fault a scenario injects: a setup between `a` and `b` for which this returns true fails when
   * it would have opened (e.g. every link to one member, whose ICE doesn't connect); `bootstrap`
   * tells a joiner's first link through the server.
   */
  setupFails: ((a: number, b: number, bootstrap: boolean) => boolean) | undefined;

  constructor(
    private readonly clock: LinkClock,
    init: LinkModelInit = {},
  ) {
    this.setupMs = init.setupMs ?? 15;
    this.hopMs = init.hopMs ?? 1.5;
    this.closeAfterMs = init.closeAfterMs ?? 15_000;
    this.crashCloseMs = init.crashCloseMs ?? 17_000;
    this.maxLinks = init.maxLinks ?? Number.POSITIVE_INFINITY;
    this.retryAfterMs = init.retryAfterMs ?? 5_000;
  }

  /** Links `member` holds now, opening ones included (what its budget counts). */
  heldBy(member: number): number {
    return this.adj[member]?.size ?? 0;
  }

  /** Whether a link between `a` and `b` is open now. */
  isOpen(a: number, b: number): boolean {
    return this.pairs.get(key(a, b))?.state === 'open';
  }

  /** Open links of `member` now. */
  linksOf(member: number): number {
    return this.open[member] ?? 0;
  }

  /**
   * Member `member` wants exactly `wanted` now (its host's wanted links, by index); `hops` estimates
   * the signaling path of a new link. Opens the links both ends want; starts the linger of those
   * it no longer wants.
   */
  setWanted(member: number, wanted: Iterable<number>, hops: number): void {
    const before = this.wanted[member] ?? new Set<number>();
    const after = new Set<number>();
    for (const w of wanted) if (w !== member) after.add(w);
    this.wanted[member] = after;
    for (const w of after) if (!before.has(w)) this.want(member, w, true, hops);
    for (const w of before) if (!after.has(w)) this.want(member, w, false, hops);
  }

  /**
   * A bootstrap link through the server: opened at once (after setup) and kept until `untilMs`.
   * Returns the setup time, or -1 when an end is at its budget with nothing lingering to close (the
   * server then introduces someone else, on the joiner's next try).
   */
  pin(a: number, b: number, untilMs: number): number {
    const p = this.pair(a, b);
    if (p.state === 'none' && (!this.makeRoom(a) || !this.makeRoom(b))) return -1;
    p.pinnedUntil = Math.max(p.pinnedUntil, untilMs);
    const delay = this.setupMs + 2 * this.hopMs;
    if (p.state === 'none') this.startOpen(a, b, p, delay);
    this.clock.after(untilMs - this.clock.now, () => this.maybeClose(a, b));
    return delay;
  }

  /**
   * Member `member` stopped (crash or leave): it wants nothing any more, and its peers see its
   * channels close `crashCloseMs` later (until then their packets to it are lost at its end).
   */
  drop(member: number): void {
    this.clock.after(this.crashCloseMs, () => this.closeAll(member));
  }

  private closeAll(member: number): void {
    const others = new Set<number>([...(this.wanted[member] ?? []), ...(this.adj[member] ?? [])]);
    this.wanted[member] = new Set();
    this.waiting[member]?.clear();
    for (const o of others) {
      const p = this.pairs.get(key(member, o));
      if (p === undefined) continue;
      p.wants &= ~bit(member, o);
      p.pinnedUntil = 0;
      this.close(member, o, p);
    }
  }

  private want(member: number, other: number, yes: boolean, hops: number): void {
    const p = this.pair(member, other);
    if (yes) p.wants |= bit(member, other);
    else p.wants &= ~bit(member, other);
    if (p.wants === 3) {
      if (p.state === 'none')
        this.tryOpen(member, other, p, this.setupMs + 2 * Math.max(1, hops) * this.hopMs);
      else p.epoch++; // Wanted again within the linger: it stays, its clock starts over.
    } else if (p.state !== 'none') {
      const epoch = ++p.epoch;
      this.clock.after(this.closeAfterMs, () => {
        if (p.epoch === epoch) this.maybeClose(member, other);
      });
    }
  }

  /** Opens a link both ends want if both have a slot (closing lingering links to make one), else queues it. */
  private tryOpen(a: number, b: number, p: Pair, delay: number): void {
    if (!this.makeRoom(a) || !this.makeRoom(b)) {
      setAt(this.waiting, a).add(b);
      setAt(this.waiting, b).add(a);
      return;
    }
    this.waiting[a]?.delete(b);
    this.waiting[b]?.delete(a);
    this.startOpen(a, b, p, delay);
  }

  /** Whether `m` has a slot for one more link, after closing one of its lingering links if it had none. */
  private makeRoom(m: number): boolean {
    const adj = this.adj[m];
    if (adj === undefined || adj.size < this.maxLinks) return true;
    for (const o of adj) {
      const q = this.pairs.get(key(m, o))!;
      if (q.wants !== 3 && q.pinnedUntil <= this.clock.now) {
        // The slot is for the caller: no waiting link may take it first.
        this.close(m, o, q, false);
        return true;
      }
    }
    return false;
  }

  private startOpen(a: number, b: number, p: Pair, delay: number): void {
    p.state = 'opening';
    setAt(this.adj, a).add(b);
    setAt(this.adj, b).add(a);
    for (const m of [a, b]) this.started[m] = (this.started[m] ?? 0) + 1;
    const setup = ++p.setup;
    this.clock.after(delay, () => {
      if (p.state !== 'opening' || p.setup !== setup) return;
      if (p.wants !== 3 && p.pinnedUntil <= this.clock.now) {
        // Nobody wants it any more: the setup is abandoned before it counts.
        this.close(a, b, p);
        return;
      }
      const alive = this.clock.isAlive;
      if (
        (alive !== undefined && (!alive.call(this.clock, a) || !alive.call(this.clock, b))) ||
        this.setupFails?.(a, b, p.pinnedUntil > this.clock.now) === true
      ) {
        // A crashed page answers no offer: the setup times out and its slot comes free.
        this.setupsFailed++;
        this.close(a, b, p);
        // The link planner asks again `retryAfterMs` later while both ends still want it.
        this.clock.after(this.retryAfterMs, () => {
          if (this.pairs.get(key(a, b)) === p && p.state === 'none' && p.wants === 3)
            this.tryOpen(a, b, p, delay);
        });
        return;
      }
      p.state = 'open';
      this.linksOpened++;
      const k = key(a, b);
      if (this.everOpen.has(k)) this.linksReopened++;
      else this.everOpen.add(k);
      for (const m of [a, b]) {
        this.open[m] = (this.open[m] ?? 0) + 1;
        this.created[m] = (this.created[m] ?? 0) + 1;
        if (this.open[m]! > (this.maxOpen[m] ?? 0)) this.maxOpen[m] = this.open[m]!;
      }
    });
  }

  private maybeClose(a: number, b: number): void {
    const p = this.pairs.get(key(a, b));
    if (p === undefined || p.wants === 3 || p.pinnedUntil > this.clock.now) return;
    this.close(a, b, p);
  }

  private close(a: number, b: number, p: Pair, retry = true): void {
    p.epoch++;
    p.setup++;
    if (p.state === 'open') {
      this.linksClosed++;
      this.open[a] = (this.open[a] ?? 1) - 1;
      this.open[b] = (this.open[b] ?? 1) - 1;
    }
    p.state = 'none';
    this.adj[a]?.delete(b);
    this.adj[b]?.delete(a);
    if (p.wants === 0 && p.pinnedUntil === 0) this.pairs.delete(key(a, b));
    // A slot came free at each end: a link that waited for one may open now.
    if (!retry) return;
    this.retryWaiting(a);
    this.retryWaiting(b);
  }

  private retryWaiting(m: number): void {
    const waiting = this.waiting[m];
    if (waiting === undefined || waiting.size === 0) return;
    for (const o of [...waiting]) {
      const q = this.pairs.get(key(m, o));
      if (q === undefined || q.wants !== 3 || q.state !== 'none') {
        waiting.delete(o);
        continue;
      }
      this.tryOpen(m, o, q, this.setupMs + 2 * this.hopMs);
      if ((this.adj[m]?.size ?? 0) >= this.maxLinks) return;
    }
  }

  private pair(a: number, b: number): Pair {
    const k = key(a, b);
    let p = this.pairs.get(k);
    if (p === undefined) {
      p = { wants: 0, pinnedUntil: 0, state: 'none', epoch: 0, setup: 0 };
      this.pairs.set(k, p);
    }
    return p;
  }
}

/** The set at `i`, created when missing. */
function setAt(sets: Array<Set<number>>, i: number): Set<number> {
  let s = sets[i];
  if (s === undefined) {
    s = new Set();
    sets[i] = s;
  }
  return s;
}

function key(a: number, b: number): number {
  return a < b ? a * 67_108_864 + b : b * 67_108_864 + a;
}

/** The `wants` bit of `member` in its pair with `other`. */
function bit(member: number, other: number): number {
  return member < other ? 1 : 2;
}
