import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/** Most rings an overlay may have: the ring number is hashed as one byte. */
export const MAX_RINGS = 255;

const TWO_POW_21 = 0x20_0000;

/**
 * A member's position on one ring: the first 53 bits of SHA-256(UTF-8 `addr` ‖ one byte `ring`), as
 * an exact integer in 0..2^53-1 (a JS number compares faster than a bigint, and 53 bits leave ties
 * to chance only past ~10^8 members; `compareSlots` breaks them by address anyway). Pure: every member
 * computes the same position from the same address, so everyone derives the same rings from a view.
 * Throws `RangeError` unless `ring` is an integer in 0..MAX_RINGS-1.
 */
export function ringPosition(addr: string, ring: number): number {
  if (!Number.isInteger(ring) || ring < 0 || ring >= MAX_RINGS) {
    throw new RangeError(`ring must be an integer in 0..${MAX_RINGS - 1}, got ${ring}`);
  }
  const text = utf8ToBytes(addr);
  const input = new Uint8Array(text.length + 1);
  input.set(text);
  input[text.length] = ring;
  const d = sha256(input);
  const hi = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  const lo = ((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0;
  return hi * TWO_POW_21 + (lo >>> 11);
}

/** The positions of `addr` on rings 0..k-1 (see `ringPosition`). Doesn't depend on any view. */
export function ringPositions(addr: string, k: number): number[] {
  const out = new Array<number>(k);
  for (let r = 0; r < k; r++) out[r] = ringPosition(addr, r);
  return out;
}

/**
 * Remembers the K positions of every address it was asked for, so overlays that share it hash each
 * address once: a simulator with N members, each holding its own view, would otherwise hash N² K
 * times. Grows with the addresses it has seen; `forget` drops one. Pure, like `ringPosition`.
 */
export class RingPositionCache {
  /** K: how many positions each address gets. */
  readonly rings: number;
  readonly #known = new Map<string, readonly number[]>();

  /** Throws `RangeError` unless `rings` is an integer in 1..MAX_RINGS. */
  constructor(rings: number) {
    if (!Number.isInteger(rings) || rings < 1 || rings > MAX_RINGS) {
      throw new RangeError(`rings must be an integer in 1..${MAX_RINGS}, got ${rings}`);
    }
    this.rings = rings;
  }

  /** How many addresses it holds. */
  get size(): number {
    return this.#known.size;
  }

  /** `ringPositions(addr, rings)`, hashed on the first call for `addr` and remembered. */
  positionsOf(addr: string): readonly number[] {
    let pos = this.#known.get(addr);
    if (pos === undefined) {
      pos = ringPositions(addr, this.rings);
      this.#known.set(addr, pos);
    }
    return pos;
  }

  /** Drops `addr`'s positions (they are hashed again if asked for). */
  forget(addr: string): void {
    this.#known.delete(addr);
  }
}

/** Orders two ring slots: by position, then by address, so every member sorts a ring the same way. */
export function compareSlots(posA: number, addrA: string, posB: number, addrB: string): number {
  if (posA !== posB) return posA < posB ? -1 : 1;
  return addrA < addrB ? -1 : addrA > addrB ? 1 : 0;
}
