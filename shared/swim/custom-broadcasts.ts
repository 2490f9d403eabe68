import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { PacketEncoder } from './packet';

interface Entry<K> {
  readonly key: K;
  readonly data: Uint8Array;
  remaining: number;
  sent: number;
  /** The `fill` that last put it in a packet, so the retained tail doesn't repeat it. */
  packet: number;
  /** Still in the dissemination backlog (invalidated or dropped entries leave it lazily). */
  active: boolean;
  /** In the retained store. */
  retained: boolean;
}

/** How many items a member keeps for repair after their transmissions run out. */
export const RETAINED_BROADCASTS = 1024;

/** Caps on what the store holds, and where to count what they drop (see bounds.ts). */
export interface CustomBroadcastLimits {
  /** Most items in the backlog (and retained). */
  readonly maxItems: number;
  /** Most bytes in the backlog (and, apart, retained). */
  readonly maxBytes: number;
  /** Called once per item a cap dropped. */
  readonly onDrop?: () => void;
}

const UNLIMITED: CustomBroadcastLimits = {
  maxItems: Number.POSITIVE_INFINITY,
  maxBytes: Number.POSITIVE_INFINITY,
};

/** Least sent first, then the largest (foca's order when every item has the same budget). */
function byPriority<K>(a: Entry<K>, b: Entry<K>): number {
  return a.sent - b.sent || b.data.length - a.data.length;
}

/**
 * The application's custom broadcasts. A new item drops every held one its key invalidates; each is
 * sent `maxTransmissions` times, least sent then largest first. Shoal: the newest item per key is also
 * retained (at most `capacity`, the oldest added evicted first) so Feeds can repair members that no
 * holder picked; both stores are capped (`limits`), and a new item costs a lookup of what its key
 * replaces (by `scope`) and a binary search for its place, never a pass over the store.
 */
export class CustomBroadcasts<K extends Invalidates> {
  /** The backlog in priority order; inactive entries are skipped and swept out by the next `fill`. */
  private entries: Entry<K>[] = [];
  private activeCount = 0;
  private activeBytes = 0;
  /** Newest item per key, in the order added; includes the ones still in `entries`. */
  private readonly retained = new Set<Entry<K>>();
  private retainedByteCount = 0;
  /** `retained` as an array for the rotation of `fillRetained`, rebuilt after a change. */
  private retainedList: Entry<K>[] | undefined;
  /** Held entries (active or retained) by their key's scope; unscoped keys live in `unscoped`. */
  private readonly byScope = new Map<string, Set<Entry<K>>>();
  private readonly unscoped = new Set<Entry<K>>();
  /** Where the next retained tail starts, so repeated Feeds cover the whole store. */
  private cursor = 0;
  private packets = 0;
  readonly capacity: number;

  constructor(
    capacity: number = RETAINED_BROADCASTS,
    private readonly limits: CustomBroadcastLimits = UNLIMITED,
  ) {
    this.capacity = Math.min(capacity, limits.maxItems);
  }

  /** Items still being disseminated. */
  get size(): number {
    return this.activeCount;
  }

  /** Bytes of the items still being disseminated. */
  get bytes(): number {
    return this.activeBytes;
  }

  /** Items kept for repair (the ones still being disseminated included). */
  get retainedSize(): number {
    return this.retained.size;
  }

  /** Bytes the retained items take in a packet, length prefixes included. */
  get retainedBytes(): number {
    return this.retainedByteCount + 2 * this.retained.size;
  }

  /**
   * Queues `data` under `key` (dropping the items `key` invalidates) and retains it; past a cap, drops
   * the backlog's most-sent items and the oldest retained ones.
   */
  addOrReplace(key: K, data: Uint8Array, maxTransmissions: number): void {
    if (key.scope === undefined) {
      // An unscoped key may invalidate anything: ask every held key, as foca.
      for (const set of this.byScope.values()) this.forgetInvalidated(key, set);
    } else {
      const held = this.byScope.get(key.scope);
      if (held !== undefined) this.forgetInvalidated(key, held);
    }
    this.forgetInvalidated(key, this.unscoped);
    // Invalidated entries leave the array lazily: sweep them before they outnumber the live ones.
    if (this.entries.length > 2 * this.activeCount + 64) this.entries = this.entries.filter((e) => e.active);
    const entry: Entry<K> = {
      key,
      data,
      remaining: maxTransmissions,
      sent: 0,
      packet: -1,
      active: true,
      retained: true,
    };
    this.index(entry);
    this.entries.splice(this.insertionPoint(entry), 0, entry);
    this.activeCount++;
    this.activeBytes += data.length;
    this.retained.add(entry);
    this.retainedByteCount += data.length;
    this.retainedList = undefined;
    this.enforceLimits();
  }

  /** Adds as many items as fit after the members, counting one transmission each. Returns how many. */
  fill<T extends Identity>(encoder: PacketEncoder<T>): number {
    const list = this.entries;
    if (this.activeCount === 0) return 0;
    const packet = ++this.packets;
    let taken = 0;
    for (let i = 0; i < list.length; i++) {
      if (encoder.remaining < 3) break;
      const e = list[i]!;
      if (!e.active || !encoder.tryAddBroadcast(e.data)) continue;
      taken++;
      e.sent++;
      e.packet = packet;
      if (--e.remaining === 0) this.deactivate(e);
    }
    if (taken === 0) return 0;
    // Sweeps what left the backlog; the order moved only for the items just sent (a near-sorted sort).
    if (list.length !== this.activeCount) this.entries = list.filter((e) => e.active);
    this.entries.sort(byPriority);
    return taken;
  }

  /**
   * Adds retained items that fit in the room left, starting where the last call stopped; with
   * `afterFill`, skips those the last `fill` put in this packet. Counts no transmission. Returns how many.
   */
  fillRetained<T extends Identity>(encoder: PacketEncoder<T>, afterFill: boolean): number {
    const n = this.retained.size;
    if (n === 0) return 0;
    this.retainedList ??= [...this.retained];
    const list = this.retainedList;
    const start = this.cursor % n;
    let taken = 0;
    // The next call starts at the first item this one left out (smaller ones after it may have
    // fitted), but always moves on: an item too big for any tail must not stall the rotation.
    let leftOut = n;
    let i = 0;
    for (; i < n; i++) {
      if (encoder.remaining < 3) break;
      const e = list[(start + i) % n]!;
      if (afterFill && e.packet === this.packets) continue;
      if (encoder.tryAddBroadcast(e.data)) taken++;
      else if (leftOut === n) leftOut = i;
    }
    this.cursor = (start + Math.max(1, Math.min(leftOut, i))) % n;
    return taken;
  }

  /** Drops the items longer than `maxLength` bytes (they would never fit a packet again). */
  dropLongerThan(maxLength: number): void {
    for (const e of this.entries) if (e.active && e.data.length > maxLength) this.deactivate(e);
    for (const e of [...this.retained]) if (e.data.length > maxLength) this.unretain(e);
    this.entries = this.entries.filter((e) => e.active);
  }

  /** Queued items, highest priority first (for tests and inspection). */
  peek(): ReadonlyArray<{ readonly key: K; readonly data: Uint8Array; readonly remaining: number }> {
    return this.entries.filter((e) => e.active);
  }

  /** Retained items, oldest added first (for tests and inspection). */
  peekRetained(): ReadonlyArray<{ readonly key: K; readonly data: Uint8Array }> {
    return [...this.retained];
  }

  // After every entry that goes first or ties with it (a stable insert), by binary search.
  private insertionPoint(entry: Entry<K>): number {
    const list = this.entries;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byPriority(list[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private enforceLimits(): void {
    const { maxItems, maxBytes, onDrop } = this.limits;
    // The backlog's tail is its most-sent items: the closest to done, and still retained for repair.
    while (this.activeCount > maxItems || this.activeBytes > maxBytes) {
      const e = this.entries.pop();
      if (e === undefined) break;
      if (!e.active) continue;
      this.deactivate(e);
      onDrop?.();
    }
    while (this.retained.size > this.capacity || this.retainedByteCount > maxBytes) {
      const oldest = this.retained.values().next();
      if (oldest.done === true) break;
      this.unretain(oldest.value);
      onDrop?.();
    }
  }

  /** Drops the entries of `held` that `key` invalidates from both stores. */
  private forgetInvalidated(key: K, held: Set<Entry<K>>): void {
    for (const e of held) {
      if (!key.invalidates(e.key)) continue;
      if (e.active) this.deactivate(e);
      if (e.retained) this.unretain(e);
    }
  }

  private deactivate(e: Entry<K>): void {
    e.active = false;
    this.activeCount--;
    this.activeBytes -= e.data.length;
    if (!e.retained) this.unindex(e);
  }

  private unretain(e: Entry<K>): void {
    e.retained = false;
    this.retained.delete(e);
    this.retainedByteCount -= e.data.length;
    this.retainedList = undefined;
    if (!e.active) this.unindex(e);
  }

  private index(e: Entry<K>): void {
    const scope = e.key.scope;
    if (scope === undefined) {
      this.unscoped.add(e);
      return;
    }
    let set = this.byScope.get(scope);
    if (set === undefined) {
      set = new Set();
      this.byScope.set(scope, set);
    }
    set.add(e);
  }

  private unindex(e: Entry<K>): void {
    const scope = e.key.scope;
    if (scope === undefined) {
      this.unscoped.delete(e);
      return;
    }
    const set = this.byScope.get(scope);
    if (set === undefined) return;
    set.delete(e);
    if (set.size === 0) this.byScope.delete(scope);
  }
}
