import { compareSlots } from './ring-position';

/**
 * One ring: its members' slots kept sorted by (position, address) in two parallel arrays. Insert and
 * delete are a binary search plus one splice; a member's neighbours are a binary search. Members are
 * found by the slot they occupy, which the caller computes once per address (`ringPosition`).
 */
export class Ring {
  #pos: number[] = [];
  #addr: string[] = [];

  /** A ring holding `slots`, sorted once: O(n log n) instead of n inserts. Duplicates are kept once. */
  static fromSlots(slots: ReadonlyArray<{ pos: number; addr: string }>): Ring {
    const sorted = [...slots].sort((a, b) => compareSlots(a.pos, a.addr, b.pos, b.addr));
    const ring = new Ring();
    for (const s of sorted) {
      const last = ring.#addr.length - 1;
      if (last >= 0 && ring.#pos[last] === s.pos && ring.#addr[last] === s.addr) continue;
      ring.#pos.push(s.pos);
      ring.#addr.push(s.addr);
    }
    return ring;
  }

  /** A copy that shares nothing mutable with this ring. */
  clone(): Ring {
    const ring = new Ring();
    ring.#pos = this.#pos.slice();
    ring.#addr = this.#addr.slice();
    return ring;
  }

  /** How many members sit on the ring. */
  get size(): number {
    return this.#addr.length;
  }

  /** The index of the first slot not before (pos, addr). Doesn't change the ring. */
  #lowerBound(pos: number, addr: string): number {
    let lo = 0;
    let hi = this.#addr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareSlots(this.#pos[mid]!, this.#addr[mid]!, pos, addr) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the slot (pos, addr), or -1 when it isn't on the ring. Doesn't change the ring. */
  indexOf(pos: number, addr: string): number {
    const i = this.#lowerBound(pos, addr);
    return i < this.#addr.length && this.#pos[i] === pos && this.#addr[i] === addr ? i : -1;
  }

  /** Adds the slot; returns false (and changes nothing) when it is already there. */
  insert(pos: number, addr: string): boolean {
    const i = this.#lowerBound(pos, addr);
    if (i < this.#addr.length && this.#pos[i] === pos && this.#addr[i] === addr) return false;
    this.#pos.splice(i, 0, pos);
    this.#addr.splice(i, 0, addr);
    return true;
  }

  /** Removes the slot; returns false (and changes nothing) when it isn't there. */
  delete(pos: number, addr: string): boolean {
    const i = this.indexOf(pos, addr);
    if (i < 0) return false;
    this.#pos.splice(i, 1);
    this.#addr.splice(i, 1);
    return true;
  }

  /** The address at index `i` taken around the ring (any integer). Throws `RangeError` on an empty ring. */
  at(i: number): string {
    const n = this.#addr.length;
    if (n === 0) throw new RangeError('the ring is empty');
    return this.#addr[((i % n) + n) % n]!;
  }

  /** The addresses in ring order. A copy. */
  addresses(): string[] {
    return [...this.#addr];
  }
}
