import { Ring } from './ring';
import { RingPositionCache } from './ring-position';

/** Rings by default: 2K = 16 links fit well under the mesh's default budget of 32 connections. */
export const DEFAULT_RINGS = 8;

/** Options of a `RingOverlay`. */
export interface RingOverlayInit {
  /** K, the number of rings (1..255). Each member has K subjects and K observers, ≤ 2K links. Default 8. */
  rings?: number;
  /**
   * Up to this many members every member links to every other (a room that small is cheaper as a full
   * mesh than as K sparse rings, and a full mesh of ≤ K+1 members is still ≤ K links each). Default K+1.
   */
  meshUpTo?: number;
  /**
   * Where positions come from: pass one cache to many overlays (a simulator's members) so each
   * address is hashed once. Its `rings` must equal `rings`. Default: a cache of this overlay's own.
   */
  positions?: RingPositionCache;
}

/** A member's ring neighbours: index r holds its successor (subject) and predecessor (observer) on ring r. */
export interface RingNeighbours {
  subjects: string[];
  observers: string[];
}

/**
 * The bounded overlay over one membership view: K rings on which each member sits at
 * `ringPosition(addr, ring)`. On each ring a member's successor is one of its *subjects* (whom it
 * watches) and its predecessor one of its *observers* (who watch it); it links to both, ≤ 2K links.
 * A function of the view only, so every member computes the same graph from the same view, and A
 * links to B exactly when B links to A.
 *
 * Kept incrementally: `add` and `remove` cost one binary search and one splice per ring, and a
 * member's neighbours cost one binary search per ring (O(K log N)). Pure: no clock, no randomness.
 */
export class RingOverlay {
  /** K: how many rings. */
  readonly rings: number;
  /** Up to this many members, links are a full mesh. */
  readonly meshUpTo: number;
  readonly #ring: Ring[];
  readonly #cache: RingPositionCache;
  // The view: each member's K positions, read from the cache when it joins.
  readonly #positions = new Map<string, readonly number[]>();

  /**
   * An overlay over `view` (member addresses, the local member included). Throws `RangeError` on a
   * bad `rings` or `meshUpTo`, or a `positions` cache for another number of rings.
   */
  constructor(view: Iterable<string> = [], init: RingOverlayInit = {}) {
    const k = init.rings ?? init.positions?.rings ?? DEFAULT_RINGS;
    this.#cache = init.positions ?? new RingPositionCache(k);
    if (this.#cache.rings !== k) {
      throw new RangeError(`a position cache for ${this.#cache.rings} rings can't serve ${k} rings`);
    }
    const meshUpTo = init.meshUpTo ?? k + 1;
    if (!Number.isInteger(meshUpTo) || meshUpTo < 0) {
      throw new RangeError(`meshUpTo must be a non-negative integer, got ${meshUpTo}`);
    }
    this.rings = k;
    this.meshUpTo = meshUpTo;
    for (const addr of view) {
      if (!this.#positions.has(addr)) this.#positions.set(addr, this.#cache.positionsOf(addr));
    }
    // One sort per ring instead of N inserts.
    this.#ring = [];
    for (let r = 0; r < k; r++) {
      const slots = [...this.#positions].map(([addr, pos]) => ({ pos: pos[r]!, addr }));
      this.#ring.push(Ring.fromSlots(slots));
    }
  }

  /**
   * A copy over the same view that shares nothing mutable with this one (its position cache aside), so
   * one may change while the other is read: O(K N), no hashing, no sorting.
   */
  clone(): RingOverlay {
    const copy = new RingOverlay([], { rings: this.rings, meshUpTo: this.meshUpTo, positions: this.#cache });
    for (const [addr, pos] of this.#positions) copy.#positions.set(addr, pos);
    for (let r = 0; r < this.rings; r++) copy.#ring[r] = this.#ring[r]!.clone();
    return copy;
  }

  /** The view's addresses, unsorted (insertion order). Doesn't copy them one by one. */
  addresses(): IterableIterator<string> {
    return this.#positions.keys();
  }

  /** How many members the view holds. */
  get size(): number {
    return this.#positions.size;
  }

  /** Whether the links are a full mesh (the view holds ≤ `meshUpTo` members). */
  get isMesh(): boolean {
    return this.size <= this.meshUpTo;
  }

  /** Whether `addr` is in the view. */
  has(addr: string): boolean {
    return this.#positions.has(addr);
  }

  /** The view's addresses, sorted. A copy. */
  members(): string[] {
    return [...this.#positions.keys()].sort();
  }

  /** The addresses on ring `r` in ring order (from the lowest position). A copy. */
  ringOrder(r: number): string[] {
    const ring = this.#ring[r];
    if (ring === undefined) throw new RangeError(`no ring ${r} (rings: ${this.rings})`);
    return ring.addresses();
  }

  /** `addr`'s K positions, or undefined when it isn't in the view. */
  positionsOf(addr: string): readonly number[] | undefined {
    return this.#positions.get(addr);
  }

  /**
   * Adds `addr` to the view. Returns the members whose links may have changed (sorted, without
   * `addr`): its ring neighbours, or everyone when the overlay enters or leaves the full mesh. A
   * member already in the view changes nothing and returns [].
   */
  add(addr: string): string[] {
    if (this.#positions.has(addr)) return [];
    const wasMesh = this.isMesh;
    const pos = this.#cache.positionsOf(addr);
    this.#positions.set(addr, pos);
    for (let r = 0; r < this.rings; r++) this.#ring[r]!.insert(pos[r]!, addr);
    if (wasMesh || this.isMesh) return this.#othersThan(addr);
    return this.#ringLinks(addr);
  }

  /**
   * Removes `addr` from the view. Returns the members whose links may have changed (sorted): its
   * former ring neighbours, or everyone when the overlay enters or leaves the full mesh. A member not
   * in the view changes nothing and returns [].
   */
  remove(addr: string): string[] {
    const pos = this.#positions.get(addr);
    if (pos === undefined) return [];
    // The neighbours are read while `addr` still sits between them.
    const before = this.isMesh ? undefined : this.#ringLinks(addr);
    for (let r = 0; r < this.rings; r++) this.#ring[r]!.delete(pos[r]!, addr);
    this.#positions.delete(addr);
    if (before === undefined || this.isMesh) return this.members();
    return before;
  }

  /**
   * Makes the view equal to `view`: removes who left, adds who joined. Returns the members still in the
   * view whose links may have changed (sorted). Costs O(N) to compare the views plus O(K log N) per
   * change; hosts that see each join and leave can call `add` and `remove` instead.
   */
  sync(view: Iterable<string>): string[] {
    const next = new Set(view);
    const touched = new Set<string>();
    for (const addr of [...this.#positions.keys()]) {
      if (!next.has(addr)) for (const t of this.remove(addr)) touched.add(t);
    }
    for (const addr of next) {
      if (!this.#positions.has(addr)) {
        touched.add(addr);
        for (const t of this.add(addr)) touched.add(t);
      }
    }
    return [...touched].filter((a) => this.#positions.has(a)).sort();
  }

  /**
   * `addr`'s successor (subject) and predecessor (observer) on each ring, K of each, in ring order;
   * both empty when `addr` is alone. Throws `RangeError` when `addr` isn't in the view.
   */
  neighbours(addr: string): RingNeighbours {
    const pos = this.#positions.get(addr);
    if (pos === undefined) throw new RangeError(`${addr} is not in the view`);
    const subjects: string[] = [];
    const observers: string[] = [];
    if (this.size < 2) return { subjects, observers };
    for (let r = 0; r < this.rings; r++) {
      const ring = this.#ring[r]!;
      const i = ring.indexOf(pos[r]!, addr);
      subjects.push(ring.at(i + 1));
      observers.push(ring.at(i - 1));
    }
    return { subjects, observers };
  }

  /** `addr`'s subjects: its successor on each ring, K of them (with repeats). See `neighbours`. */
  subjects(addr: string): string[] {
    return this.neighbours(addr).subjects;
  }

  /** `addr`'s observers: its predecessor on each ring, K of them (with repeats). See `neighbours`. */
  observers(addr: string): string[] {
    return this.neighbours(addr).observers;
  }

  /**
   * The members `addr` keeps a link to, sorted and without repeats: its subjects and observers (≤ 2K),
   * or every other member while the overlay is a full mesh. Symmetric: B is in A's links exactly when
   * A is in B's. Throws `RangeError` when `addr` isn't in the view.
   */
  links(addr: string): string[] {
    if (this.isMesh) {
      if (!this.#positions.has(addr)) throw new RangeError(`${addr} is not in the view`);
      return this.#othersThan(addr);
    }
    return this.#ringLinks(addr);
  }

  #ringLinks(addr: string): string[] {
    const { subjects, observers } = this.neighbours(addr);
    return [...new Set([...subjects, ...observers])].sort();
  }

  #othersThan(addr: string): string[] {
    return this.members().filter((a) => a !== addr);
  }
}
