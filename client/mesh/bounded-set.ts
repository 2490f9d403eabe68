/**
 * A set that forgets its oldest entries past a capacity: the relay's memory of signal frames it has
 * seen, so a frame that loops back through the mesh is dropped instead of forwarded again.
 */
export class BoundedSet<T> {
  readonly #capacity: number;
  readonly #items = new Set<T>();

  /** Throws `RangeError` unless `capacity` is a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.size;
  }

  has(item: T): boolean {
    return this.#items.has(item);
  }

  /**
   * Adds `item` as the newest entry, evicting the oldest past capacity. Returns false (and changes
   * nothing but its recency) when it was already present.
   */
  add(item: T): boolean {
    const fresh = !this.#items.delete(item);
    this.#items.add(item);
    if (this.#items.size > this.#capacity) {
      const oldest = this.#items.values().next();
      if (!oldest.done) this.#items.delete(oldest.value);
    }
    return fresh;
  }
}
