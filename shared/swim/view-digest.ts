import type { Invalidates } from './broadcast';
import { addrHash, keyOfHash } from './feed-page';
import type { Identity } from './identity';
import type { StateMachine } from './state-machine';

/** Most bucket bits a digest is cut into on the wire: 256 buckets. */
export const MAX_DIGEST_BITS = 8;

/** A digest's buckets hold about this many members each, so one bucket's page fits a packet. */
const MEMBERS_PER_BUCKET = 32;

/**
 * An order-free digest of a view (the addrs of the active members, ourselves included), kept up to
 * date one change at a time, for anti-entropy (anti-entropy.ts): two members whose digests agree hold
 * the same members. Each addr adds a well-mixed 32-bit hash by XOR, so adding and removing are one
 * operation, and it is kept per fine bucket (the top 8 bits of the addr's feed key) so that the
 * digest of any coarser cut is a few XORs away. Generations are not in it: a missed rename leaves
 * the member present, which is what a view is for.
 */
export class ViewDigest {
  private readonly fine = new Int32Array(1 << MAX_DIGEST_BITS);
  private xor = 0;
  /** Active members in it (ourselves not counted). */
  size = 0;

  /** `addr` joined (`present`) or left the active set. */
  toggle(addr: string, present: boolean): void {
    const h = addrHash(addr);
    const mixed = mix(h);
    this.fine[keyOfHash(h) >>> 8]! ^= mixed;
    this.xor ^= mixed;
    this.size += present ? 1 : -1;
  }

  /** The 32-bit digest of the whole view with `self` in it. */
  total(self: string): number {
    return (this.xor ^ mix(addrHash(self))) >>> 0;
  }

  /**
   * One byte per bucket when the key space is cut into 2^`bits` buckets (`bucketRange`), `self` in
   * its bucket, salted: a bucket whose byte differs between two members holds a difference, and one
   * whose byte agrees almost surely none (1 in 256 is missed). The byte is a hash of the bucket's
   * whole XOR and the `salt`, not the XOR's low bits: a member whose own hash had zero low bits would
   * be invisible to every exchange; with a new salt each time, a miss is found at the next one.
   */
  buckets(bits: number, self: string, salt: number): Uint8Array {
    const out = new Uint8Array(1 << bits);
    const per = 1 << (MAX_DIGEST_BITS - bits);
    const h = addrHash(self);
    const selfAt = (keyOfHash(h) >>> 8) >>> (MAX_DIGEST_BITS - bits);
    const spread = Math.imul(salt, 0x9e3779b1);
    for (let i = 0; i < out.length; i++) {
      let x = i === selfAt ? mix(h) : 0;
      for (let j = i * per; j < (i + 1) * per; j++) x ^= this.fine[j]!;
      out[i] = mix(x ^ spread) & 0xff;
    }
    return out;
  }
}

/** Bucket bits for a view of `members` (ourselves included): about `MEMBERS_PER_BUCKET` per bucket. */
export function digestBits(members: number): number {
  if (members <= MEMBERS_PER_BUCKET) return 0;
  return Math.min(MAX_DIGEST_BITS, Math.ceil(Math.log2(members / MEMBERS_PER_BUCKET)));
}

/** murmur3's finalizer: spreads FNV's weak low bits over the word. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

/**
 * An order-free digest of custom broadcast items (a member's retained store, the newest item per
 * key): two members whose digests agree hold the same items, byte for byte. XOR of each item's
 * well-mixed FNV-1a; 0 for none.
 */
export function itemsDigest(items: Iterable<{ readonly data: Uint8Array }>): number {
  let x = 0;
  for (const { data } of items) {
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    x ^= mix(h ^ data.length);
  }
  return x >>> 0;
}

/** The items digest a periodic announce carries (protocol 1.6): the handler's, or the retained store's. */
export function heldItemsDigest<T extends Identity, K extends Invalidates>(m: StateMachine<T, K>): number {
  const own = m.handler?.itemsDigest?.();
  return own === undefined ? itemsDigest(m.out.customs.peekRetained()) : own >>> 0;
}

/** A well-mixed u32 of `parts` (strings and u32s), in order: for a handler's `itemsDigest` entries. */
export function digestEntry(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'string' ? part : String(part >>> 0);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  }
  return mix(h) >>> 0;
}
