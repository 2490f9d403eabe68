import { createPublicKey, randomBytes, verify } from 'node:crypto';
import {
  addrOfPublicKey,
  CHALLENGE_BYTES,
  joinChallengeMessage,
  type PeerAddr,
} from '../shared/signaling/index';

/** A fresh join challenge for one socket: 32 random bytes as hex. */
export function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('hex');
}

/**
 * Checks a join's proof of key: `addr` is the hash of `publicKey`, and `signature` is that key's
 * signature over this socket's `challenge`, the room and the addr. Returns the refusal's message, or
 * undefined when the proof holds. Inputs were shape-checked by the schema; nothing here throws.
 * Uses Node's native Ed25519 (OpenSSL), since a server verifies every join.
 */
export function checkJoinProof(
  challenge: string,
  room: string,
  addr: PeerAddr,
  publicKeyHex: string,
  signatureHex: string,
): string | undefined {
  const publicKey = Buffer.from(publicKeyHex, 'hex');
  if (addrOfPublicKey(publicKey) !== addr) return 'addr is not the hash of publicKey';
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
    const message = joinChallengeMessage(challenge, room, addr);
    if (verify(null, message, key, Buffer.from(signatureHex, 'hex'))) return undefined;
  } catch {
    // A point that is not on the curve: as good as a wrong signature.
  }
  return "signature does not verify over this socket's challenge";
}
