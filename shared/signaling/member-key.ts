/**
 * A member is its key (DESIGN.md §9): an Ed25519 key pair whose public key hashes to the member's
 * address. This module holds what both sides of the server need to agree on: how an address is
 * derived from a public key, and the exact bytes a joining socket signs. Pure: no clock, no I/O.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PeerAddr } from './events';

/** Bytes of an Ed25519 public key, secret key (seed) and signature. */
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Bytes of the server's join challenge (a random nonce per socket). */
export const CHALLENGE_BYTES = 32;

/** Public keys travel as 64 lowercase hex digits. */
export const PUBLIC_KEY_PATTERN = /^[0-9a-f]{64}$/;
/** Signatures travel as 128 lowercase hex digits. */
export const SIGNATURE_PATTERN = /^[0-9a-f]{128}$/;
/** The challenge travels as 64 lowercase hex digits. */
export const CHALLENGE_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The address of a public key: the first 16 bytes of SHA-256(public key), as 32 lowercase hex digits.
 * The wire keeps its 16-byte address; only its origin changed (random before, a key's hash now).
 */
export function addrOfPublicKey(publicKey: Uint8Array): PeerAddr {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new TypeError(`a public key is ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`);
  }
  return bytesToHex(sha256(publicKey).subarray(0, 16));
}

/**
 * What a socket signs to join a room: a label that no other Shoal signature starts with (so a join
 * signature can never be replayed as a statement, and the reverse), the server's challenge for this
 * socket (so it can't be replayed on another socket), the room and the address. Room names hold no
 * `:` and the other fields are fixed-length hex, so the encoding is unambiguous.
 */
export function joinChallengeMessage(challenge: string, room: string, addr: PeerAddr): Uint8Array {
  return utf8ToBytes(`shoal-join-v1:${challenge}:${room}:${addr}`);
}

/** A member's key pair, held in memory. Signing is synchronous (the core's path will need that). */
export interface MemberKey {
  readonly publicKey: Uint8Array;
  /** `addrOfPublicKey(publicKey)`. */
  readonly addr: PeerAddr;
  /** Signs `message`; returns the 64-byte Ed25519 signature. Doesn't change state. */
  sign(message: Uint8Array): Uint8Array;
  /** The 32-byte secret seed as hex, for a store that keeps the key across reloads. */
  exportSecret(): string;
}

/**
 * The key for a 32-byte Ed25519 secret (seed). Throws `TypeError` on a wrong length. The seed must
 * come from a CSPRNG (`randomSecretKey`) or from a store that got it from one.
 */
export function memberKeyFromSecret(secret: Uint8Array): MemberKey {
  if (secret.length !== SECRET_KEY_BYTES) {
    throw new TypeError(`a secret key is ${SECRET_KEY_BYTES} bytes, got ${secret.length}`);
  }
  const seed = secret.slice();
  const publicKey = ed25519.getPublicKey(seed);
  const addr = addrOfPublicKey(publicKey);
  return {
    publicKey,
    addr,
    sign: (message) => ed25519.sign(message, seed),
    exportSecret: () => bytesToHex(seed),
  };
}

/** The key for a hex secret as `exportSecret` writes it; `undefined` when it is not 64 hex digits. */
export function memberKeyFromHex(secretHex: unknown): MemberKey | undefined {
  if (typeof secretHex !== 'string' || !PUBLIC_KEY_PATTERN.test(secretHex)) return undefined;
  return memberKeyFromSecret(hexToBytes(secretHex));
}

/** Verifies an Ed25519 signature; false (never a throw) on malformed input. Doesn't change state. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The signed fields a join carries, as hex, for `publicKey` and `signature`. */
export function signJoin(
  key: MemberKey,
  challenge: string,
  room: string,
): { addr: PeerAddr; publicKey: string; signature: string } {
  const signature = key.sign(joinChallengeMessage(challenge, room, key.addr));
  return { addr: key.addr, publicKey: bytesToHex(key.publicKey), signature: bytesToHex(signature) };
}
