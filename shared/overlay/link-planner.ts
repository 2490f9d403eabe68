/** A link as the transport reports it: being set up, or up. */
export type LinkState = 'opening' | 'open';

/** Options of a `LinkPlanner`. Times are in the caller's milliseconds, whatever its clock. */
export interface LinkPlannerInit {
  /** A link that left the wanted set may close once it has been unwanted this long. Default 15,000. */
  closeAfterMs?: number;
  /**
   * A link that entered the wanted set opens once it has been wanted this long, so a member that
   * leaves and comes back within it costs its neighbours no new links. Default 0.
   */
  openAfterMs?: number;
  /**
   * An unwanted link past `closeAfterMs` waits for every wanted link to be open, but no longer than
   * this more, so a replacement that never opens can't keep links forever. Default 30,000.
   */
  replacementWaitMs?: number;
  /** A wanted link that is neither open nor opening is asked for again this long after the last ask. Default 5,000. */
  retryAfterMs?: number;
  /** Most links, open and opening together. Default: no limit (the transport's own budget applies). */
  maxLinks?: number;
  /**
   * A link unwanted this long is spare: at `maxLinks` it gives its slot to a wanted link at once
   * (without waiting out `closeAfterMs`), and `spare` offers it to the transport for a newcomer's
   * link. Measured: with the slot held for `closeAfterMs`, a 14-member room on 6 links kept its two
   * last joiners out for 18 s, every bootstrap peer full of links it no longer wanted. Default 2,000.
   */
  yieldAfterMs?: number;
}

/** What to do now: links to set up and links to close, each sorted. */
export interface LinkPlan {
  open: string[];
  close: string[];
}

/**
 * Decides which links to open and close as the wanted set (the overlay's links of the local member)
 * changes over time. Pure and clock-free: the caller passes `now` and the links its transport holds,
 * and applies the plan.
 *
 * - A wanted link without a link opens once wanted for `openAfterMs`, and is asked for again every
 *   `retryAfterMs` until the transport reports it.
 * - Open before close: an unwanted link closes only when it has been unwanted for `closeAfterMs` and
 *   every wanted link is open (its replacement among them), or after `replacementWaitMs` more.
 * - Hysteresis: a link wanted again before `closeAfterMs` is kept, and its clock starts over.
 * - At `maxLinks`, a link unwanted for `yieldAfterMs` makes room for a wanted one without waiting.
 *
 * "Open" means "make sure a link exists": both ends of a link want it and both are told to open it;
 * the transport decides who dials. Links the peer opened count as links here like any other.
 */
export class LinkPlanner {
  readonly #closeAfterMs: number;
  readonly #openAfterMs: number;
  readonly #replacementWaitMs: number;
  readonly #retryAfterMs: number;
  readonly #maxLinks: number;
  readonly #yieldAfterMs: number;
  readonly #wantedSince = new Map<string, number>();
  readonly #unwantedSince = new Map<string, number>();
  readonly #askedAt = new Map<string, number>();
  #linksCreated = 0;

  /** Throws `RangeError` on a negative or non-numeric time, or a `maxLinks` below 0. */
  constructor(init: LinkPlannerInit = {}) {
    this.#closeAfterMs = checkMs('closeAfterMs', init.closeAfterMs ?? 15_000);
    this.#openAfterMs = checkMs('openAfterMs', init.openAfterMs ?? 0);
    this.#replacementWaitMs = checkMs('replacementWaitMs', init.replacementWaitMs ?? 30_000);
    this.#retryAfterMs = checkMs('retryAfterMs', init.retryAfterMs ?? 5_000);
    this.#maxLinks = checkMs('maxLinks', init.maxLinks ?? Number.POSITIVE_INFINITY);
    this.#yieldAfterMs = checkMs('yieldAfterMs', init.yieldAfterMs ?? 2_000);
  }

  /**
   * Links unwanted for `yieldAfterMs` as of the last `plan`, longest unwanted first: slots the
   * transport may give to a newcomer's link (e.g. a joiner's bootstrap link) when it is full.
   */
  spare(now: number): string[] {
    return this.#unwantedFor(now, this.#spareAfterMs);
  }

  // A link past `closeAfterMs` is spare too, even with a longer `yieldAfterMs`.
  get #spareAfterMs(): number {
    return Math.min(this.#yieldAfterMs, this.#closeAfterMs);
  }

  /** How many links this planner has asked to open, ever: each ask costs the page a connection object. */
  get linksCreated(): number {
    return this.#linksCreated;
  }

  /**
   * The plan at `now` for the `wanted` peers, given the transport's `links` (every link it holds,
   * opened by either end). Records when each link became wanted or unwanted and counts the opens it
   * returns in `linksCreated`; the caller is expected to apply the plan. `now` must not go backwards.
   */
  plan(now: number, wanted: Iterable<string>, links: ReadonlyMap<string, LinkState>): LinkPlan {
    const want = new Set(wanted);
    this.#track(now, want, links);

    const pending = [...want].filter((p) => links.get(p) !== 'open');
    const lingered = this.#unwantedFor(now, this.#closeAfterMs);
    const spare = this.#unwantedFor(now, this.#spareAfterMs);
    const close = lingered.filter(
      (p) =>
        pending.length === 0 ||
        now - this.#unwantedSince.get(p)! >= this.#closeAfterMs + this.#replacementWaitMs,
    );

    const due = pending
      .filter((p) => !links.has(p))
      .filter((p) => now - this.#wantedSince.get(p)! >= this.#openAfterMs)
      .filter((p) => {
        const asked = this.#askedAt.get(p);
        return asked === undefined || now - asked >= this.#retryAfterMs;
      })
      .sort((a, b) => this.#wantedSince.get(a)! - this.#wantedSince.get(b)! || (a < b ? -1 : 1));
    let room = this.#maxLinks - (links.size - close.length);
    const open: string[] = [];
    for (const p of due) {
      // At the budget (or past it, with links the peers opened): spare links give their slots.
      while (room <= 0) {
        const given = spare.find((l) => !close.includes(l));
        if (given === undefined) break;
        close.push(given);
        room++;
      }
      if (room <= 0) break;
      open.push(p);
      room--;
    }

    for (const p of open) this.#askedAt.set(p, now);
    this.#linksCreated += open.length;
    return { open: open.sort(), close: close.sort() };
  }

  // Links unwanted for at least `ms` at `now`, longest unwanted first (ties by addr).
  #unwantedFor(now: number, ms: number): string[] {
    return [...this.#unwantedSince]
      .filter(([, since]) => now - since >= ms)
      .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : 1))
      .map(([p]) => p);
  }

  // Starts and stops the wanted/unwanted clocks.
  #track(now: number, want: ReadonlySet<string>, links: ReadonlyMap<string, LinkState>): void {
    for (const p of want) if (!this.#wantedSince.has(p)) this.#wantedSince.set(p, now);
    for (const p of this.#wantedSince.keys()) if (!want.has(p)) this.#wantedSince.delete(p);
    for (const p of this.#askedAt.keys()) if (!want.has(p)) this.#askedAt.delete(p);
    for (const p of links.keys()) {
      if (!want.has(p) && !this.#unwantedSince.has(p)) this.#unwantedSince.set(p, now);
    }
    for (const p of this.#unwantedSince.keys()) {
      if (want.has(p) || !links.has(p)) this.#unwantedSince.delete(p);
    }
  }
}

function checkMs(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  }
  return value;
}
