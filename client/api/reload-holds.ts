import type { Clock } from '../../shared/host/index';
import type { BrowserIdentity } from '../../shared/swim/index';

/**
 * How long a member whose page said it is reloading keeps its place after that notice: its new life
 * usually reaches us within 1–3 s (page load, key, server, first link), longer on a starved machine.
 */
export const RELOAD_GRACE_MS = 10_000;

/** Notices held before expired ones are swept out (each is a member we list). */
const STALE_SWEEP_AT = 64;

/** What `ReloadHolds` saw, for `room.stats().reloads`. */
export interface ReloadStats {
  /** `reloading` notices taken from members we list. */
  readonly notices: number;
  /** Downs of such members held back because the grace still ran. */
  readonly downsHeld: number;
  /** Held members whose new life came in the grace (the app saw an update, no leave). */
  readonly back: number;
  /** Held Downs shown when the grace ended without the new life. */
  readonly shownLate: number;
}

/**
 * Members whose page told us, over their own link, that it is reloading itself (app frame
 * `reloading`). The core may declare the old life Down before the new one reaches us (a reload on a
 * busy machine outlasts crash detection); for such a member the room's `leave` waits until the new
 * life comes (then the app sees only an `update`, as for any reload) or the grace ends (then the
 * `leave`, late by at most the grace). The core's view is untouched: the old life is Down for it.
 * Holds only members the room lists, one each: bounded by the room's own size.
 */
export class ReloadHolds {
  private counts = { notices: 0, downsHeld: 0, back: 0, shownLate: 0 };
  /** Member → when its notice stops counting (the clock's ms). */
  private readonly noticed = new Map<string, number>();
  /** Member → the Down we have not shown yet, and the timer that shows it. */
  private readonly deferred = new Map<string, { readonly id: BrowserIdentity; readonly timer: unknown }>();

  constructor(
    private readonly clock: Clock,
    /** Shows a Down the hold kept back (the grace ended without the member's new life). */
    private readonly showDown: (id: BrowserIdentity) => void,
    private readonly graceMs: number = RELOAD_GRACE_MS,
  ) {}

  /** `addr`'s page said it is reloading. */
  notice(addr: string): void {
    const now = this.clock.now();
    // Notices of members that never went Down (nor came back) would stay: past a few, drop the stale.
    if (this.noticed.size >= STALE_SWEEP_AT) {
      for (const [member, until] of this.noticed) if (until <= now) this.noticed.delete(member);
    }
    this.noticed.set(addr, now + this.graceMs);
    this.counts.notices++;
  }

  stats(): ReloadStats {
    return { ...this.counts };
  }

  /**
   * The core declared `id` Down: true when `id`'s page said it is reloading and the grace still runs,
   * so the Down is shown only if the grace ends first; false to show it now.
   */
  deferDown(id: BrowserIdentity): boolean {
    const until = this.noticed.get(id.addr);
    if (until === undefined) return false;
    const left = until - this.clock.now();
    if (left <= 0 || this.deferred.has(id.addr)) {
      this.noticed.delete(id.addr);
      return false;
    }
    const timer = this.clock.setTimeout(() => {
      this.deferred.delete(id.addr);
      this.noticed.delete(id.addr);
      this.counts.shownLate++;
      this.showDown(id);
    }, left);
    this.deferred.set(id.addr, { id, timer });
    this.counts.downsHeld++;
    return true;
  }

  /** `addr` is a member again (its new life, or the old one refuted): its held Down is dropped. */
  back(addr: string): boolean {
    this.noticed.delete(addr);
    const held = this.deferred.get(addr);
    if (held === undefined) return false;
    this.clock.clearTimeout(held.timer);
    this.deferred.delete(addr);
    this.counts.back++;
    return true;
  }

  /** Drops every hold and its timer (the room closes). */
  stop(): void {
    for (const { timer } of this.deferred.values()) this.clock.clearTimeout(timer);
    this.deferred.clear();
    this.noticed.clear();
  }
}
