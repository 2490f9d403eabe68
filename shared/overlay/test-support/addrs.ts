import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import type { RingOverlay } from '../overlay';

/** `n` distinct random-looking 32-hex-char addresses, the same for the same `salt`: SHA-256 of a counter. */
export function syntheticAddrs(n: number, salt = 'overlay'): string[] {
  return Array.from({ length: n }, (_, i) => bytesToHex(sha256(utf8ToBytes(`${salt}/${i}`))).slice(0, 32));
}

/** A browser address: 32 lowercase hex chars. */
export const addrArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => bytesToHex(b));

/** A view of distinct addresses. */
export function viewArb(minLength: number, maxLength: number): fc.Arbitrary<string[]> {
  return fc.uniqueArray(addrArb, { minLength, maxLength });
}

/** The fast-check seed: `SEED` from the environment (to replay), else `fallback`; printed either way. */
export function propertySeed(name: string, fallback: number): number {
  const seed = Number(process.env.SEED ?? fallback);
  console.log(`${name} properties: fast-check seed ${seed} (replay with SEED=${seed})`);
  return seed;
}

/** Every member's links, as one record that `toEqual` can compare. */
export function allLinks(o: RingOverlay): Record<string, string[]> {
  return Object.fromEntries(o.members().map((a) => [a, o.links(a)]));
}
