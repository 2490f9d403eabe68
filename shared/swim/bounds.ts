import { InvalidConfigError } from './errors';

/**
 * How much a peer can make one core hold (DESIGN.md §9: everything a peer can make us hold is
 * bounded). Each bound is an option of `SwimInit.bounds` with the default below; what a bound turned
 * away is counted in `BoundStats` (`Swim.boundStats`).
 */
export interface SwimBounds {
  /**
   * Most members held, Down ones included, ourselves excluded. At the cap a member only heard of
   * through gossip is refused, and a member whose own packet reaches us takes the place of the newest
   * member never heard from directly (members we heard from are never dropped for room, so a real
   * room far below the cap is untouched; they can exceed it). Default 4,096.
   */
  readonly maxMembers: number;
  /**
   * Most custom broadcasts in the dissemination backlog, and most retained for repair. A new item past
   * it drops the backlog's most-sent item (the one closest to done). Default 1,024.
   */
  readonly maxCustomBroadcasts: number;
  /** Most bytes of custom broadcasts in the backlog (and, apart, retained), as above. Default 512 KiB. */
  readonly maxCustomBroadcastBytes: number;
}

export const DEFAULT_BOUNDS: SwimBounds = {
  maxMembers: 4096,
  maxCustomBroadcasts: 1024,
  maxCustomBroadcastBytes: 512 * 1024,
};

/**
 * The bounds in force: `DEFAULT_BOUNDS` with `given` on top. Throws `InvalidConfigError` naming the
 * first bound that is not a positive integer; builds nothing then.
 */
export function resolveBounds(given: Partial<SwimBounds> | undefined): SwimBounds {
  const bounds = { ...DEFAULT_BOUNDS, ...given };
  for (const name of Object.keys(DEFAULT_BOUNDS) as Array<keyof SwimBounds>) {
    const v = bounds[name];
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidConfigError(`bounds.${name} must be an integer ≥ 1, got ${String(v)}`);
    }
  }
  return bounds;
}

/** What the bounds and the Down-as-accusation rule turned away, since the core was built. */
export interface BoundStats {
  /** New members refused at `maxMembers` (heard of only through gossip). */
  readonly membersRefused: number;
  /** Members never heard from directly, dropped at `maxMembers` for one that spoke to us. */
  readonly membersEvicted: number;
  /** Custom broadcasts dropped from the backlog or the retained store at their count or byte cap. */
  readonly customBroadcastsDropped: number;
  /**
   * Downs from the wire taken as accusations (`downIsAccusation`): each started or kept our own
   * suspicion and check instead of a Down.
   */
  readonly downsAccused: number;
  /** Downs from the wire about a member we don't hold active, ignored (`downIsAccusation`). */
  readonly downsIgnored: number;
}

/**
 * The counters behind `BoundStats` that the custom broadcasts and accusations keep (the member table
 * keeps its own two).
 */
export class BoundCounters {
  customBroadcastsDropped = 0;
  downsAccused = 0;
  downsIgnored = 0;
}
