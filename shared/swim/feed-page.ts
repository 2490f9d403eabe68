import type { Identity } from './identity';
import type { MemberRecord } from './members';

/**
 * Where a member sits in the paged Feed: a stable 16-bit key from its addr, in 1..65535 (0 means
 * "last page" on the wire). Pages walk members in key order, so members joining or leaving between
 * two requests neither shift the pages nor make them repeat; only members whose key equals the
 * boundary key may be sent twice.
 */
export function feedKey(addr: string): number {
  return keyOfHash(addrHash(addr));
}

/** FNV-1a over the UTF-16 code units of `addr`: cheap, deterministic, well spread for random addrs. */
export function addrHash(addr: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < addr.length; i++) {
    h ^= addr.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** `feedKey` from an `addrHash`. */
export function keyOfHash(hash: number): number {
  return 1 + (hash % 0xffff);
}

/** The feed keys of bucket `index` when the key space is cut into 2^`bits` equal buckets: [lo, hi]. */
export function bucketRange(bits: number, index: number): { lo: number; hi: number } {
  const shift = 16 - bits;
  return { lo: Math.max(1, index << shift), hi: ((index + 1) << shift) - 1 };
}

/** One candidate of a feed page with its key. */
export interface KeyedRecord<T extends Identity> {
  readonly rec: MemberRecord<T>;
  readonly key: number;
}

/**
 * The active members from `cursor` on (key ≥ cursor), `exclude`'s addr left out, in key order: the
 * candidates of the page answering `feed-request {cursor}`.
 */
export function feedCandidates<T extends Identity>(
  active: Iterable<MemberRecord<T>>,
  cursor: number,
  exclude: string,
): KeyedRecord<T>[] {
  const out: KeyedRecord<T>[] = [];
  for (const rec of active) {
    if (rec.id.addr === exclude) continue;
    const key = feedKey(rec.id.addr);
    if (key >= cursor) out.push({ rec, key });
  }
  out.sort((a, b) => a.key - b.key);
  return out;
}

/**
 * The cursor a page sends as `next`: the key of the first member left out, or 0 when none was.
 * Always moves past `cursor`, so a joiner's requests end even if many members shared one key.
 */
export function nextCursor<T extends Identity>(
  candidates: readonly KeyedRecord<T>[],
  included: number,
  cursor: number,
): number {
  const first = candidates[included];
  if (first === undefined) return 0;
  const next = Math.max(first.key, cursor + 1);
  return next > 0xffff ? 0 : next;
}
