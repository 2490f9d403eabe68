import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { PacketEncoder } from './packet';

interface Entry<K> {
  readonly key: K;
  readonly data: Uint8Array;
  remaining: number;
  sent: number;
}

/** Least sent first, then the largest (foca's order when every item has the same budget). */
function byPriority<K>(a: Entry<K>, b: Entry<K>): number {
  return a.sent - b.sent || b.data.length - a.data.length;
}

/**
 * The application's custom broadcasts being disseminated. A new item drops every queued one its key
 * invalidates; each is sent `maxTransmissions` times, least sent then largest first.
 */
export class CustomBroadcasts<K extends Invalidates> {
  private entries: Entry<K>[] = [];

  get size(): number {
    return this.entries.length;
  }

  addOrReplace(key: K, data: Uint8Array, maxTransmissions: number): void {
    this.entries = this.entries.filter((e) => !key.invalidates(e.key));
    this.entries.push({ key, data, remaining: maxTransmissions, sent: 0 });
    this.entries.sort(byPriority);
  }

  /** Adds as many items as fit after the members, counting one transmission each. Returns how many. */
  fill<T extends Identity>(encoder: PacketEncoder<T>): number {
    const list = this.entries;
    if (list.length === 0) return 0;
    let taken = 0;
    let exhausted = false;
    for (let i = 0; i < list.length; i++) {
      if (encoder.remaining < 3) break;
      const e = list[i]!;
      if (!encoder.tryAddBroadcast(e.data)) continue;
      taken++;
      e.sent++;
      if (--e.remaining === 0) exhausted = true;
    }
    if (taken === 0) return 0;
    if (exhausted) this.entries = list.filter((e) => e.remaining > 0);
    this.entries.sort(byPriority);
    return taken;
  }

  /** Drops the items longer than `maxLength` bytes (they would never fit a packet again). */
  dropLongerThan(maxLength: number): void {
    this.entries = this.entries.filter((e) => e.data.length <= maxLength);
  }

  /** Queued items, highest priority first (for tests and inspection). */
  peek(): ReadonlyArray<{ readonly key: K; readonly data: Uint8Array; readonly remaining: number }> {
    return this.entries;
  }
}
