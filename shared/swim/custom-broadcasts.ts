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
}

/** How many items a member keeps for repair after their transmissions run out. */
export const RETAINED_BROADCASTS = 1024;

/** Least sent first, then the largest (foca's order when every item has the same budget). */
function byPriority<K>(a: Entry<K>, b: Entry<K>): number {
  return a.sent - b.sent || b.data.length - a.data.length;
}

/**
 * The application's custom broadcasts. A new item drops every held one its key invalidates; each is
 * sent `maxTransmissions` times, least sent then largest first. Shoal: the newest item per key is also
 * retained (at most `capacity`, the oldest added evicted first) so Feeds can repair members that no
 * holder picked.
 */
export class CustomBroadcasts<K extends Invalidates> {
  private entries: Entry<K>[] = [];
  /** Newest item per key, in the order added; includes the ones still in `entries`. */
  private retained: Entry<K>[] = [];
  /** Where the next retained tail starts, so repeated Feeds cover the whole store. */
  private cursor = 0;
  private packets = 0;

  constructor(readonly capacity: number = RETAINED_BROADCASTS) {}

  /** Items still being disseminated. */
  get size(): number {
    return this.entries.length;
  }

  /** Items kept for repair (the ones still being disseminated included). */
  get retainedSize(): number {
    return this.retained.length;
  }

  /** Bytes the retained items take in a packet, length prefixes included. */
  get retainedBytes(): number {
    let total = 0;
    for (const e of this.retained) total += 2 + e.data.length;
    return total;
  }

  addOrReplace(key: K, data: Uint8Array, maxTransmissions: number): void {
    const entry: Entry<K> = { key, data, remaining: maxTransmissions, sent: 0, packet: -1 };
    this.entries = this.entries.filter((e) => !key.invalidates(e.key));
    this.entries.push(entry);
    this.entries.sort(byPriority);
    this.retained = this.retained.filter((e) => !key.invalidates(e.key));
    this.retained.push(entry);
    if (this.retained.length > this.capacity) this.retained.splice(0, this.retained.length - this.capacity);
  }

  /** Adds as many items as fit after the members, counting one transmission each. Returns how many. */
  fill<T extends Identity>(encoder: PacketEncoder<T>): number {
    const list = this.entries;
    if (list.length === 0) return 0;
    const packet = ++this.packets;
    let taken = 0;
    let exhausted = false;
    for (let i = 0; i < list.length; i++) {
      if (encoder.remaining < 3) break;
      const e = list[i]!;
      if (!encoder.tryAddBroadcast(e.data)) continue;
      taken++;
      e.sent++;
      e.packet = packet;
      if (--e.remaining === 0) exhausted = true;
    }
    if (taken === 0) return 0;
    if (exhausted) this.entries = list.filter((e) => e.remaining > 0);
    this.entries.sort(byPriority);
    return taken;
  }

  /**
   * Adds retained items that fit in the room left, starting where the last call stopped; with
   * `afterFill`, skips those the last `fill` put in this packet. Counts no transmission. Returns how many.
   */
  fillRetained<T extends Identity>(encoder: PacketEncoder<T>, afterFill: boolean): number {
    const list = this.retained;
    const n = list.length;
    if (n === 0) return 0;
    const start = this.cursor % n;
    const packet = afterFill ? this.packets : -1;
    let taken = 0;
    // The next call starts at the first item this one left out (smaller ones after it may have
    // fitted), but always moves on: an item too big for any tail must not stall the rotation.
    let leftOut = n;
    let i = 0;
    for (; i < n; i++) {
      if (encoder.remaining < 3) break;
      const e = list[(start + i) % n]!;
      if (e.packet === packet) continue;
      if (encoder.tryAddBroadcast(e.data)) taken++;
      else if (leftOut === n) leftOut = i;
    }
    this.cursor = (start + Math.max(1, Math.min(leftOut, i))) % n;
    return taken;
  }

  /** Drops the items longer than `maxLength` bytes (they would never fit a packet again). */
  dropLongerThan(maxLength: number): void {
    this.entries = this.entries.filter((e) => e.data.length <= maxLength);
    this.retained = this.retained.filter((e) => e.data.length <= maxLength);
  }

  /** Queued items, highest priority first (for tests and inspection). */
  peek(): ReadonlyArray<{ readonly key: K; readonly data: Uint8Array; readonly remaining: number }> {
    return this.entries;
  }

  /** Retained items, oldest added first (for tests and inspection). */
  peekRetained(): ReadonlyArray<{ readonly key: K; readonly data: Uint8Array }> {
    return this.retained;
  }
}
