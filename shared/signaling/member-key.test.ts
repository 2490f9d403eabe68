import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  addrOfPublicKey,
  joinChallengeMessage,
  memberKeyFromHex,
  memberKeyFromSecret,
  signJoin,
  verifySignature,
} from './member-key';
import { signedJoinRequestSchema } from './schemas';

const key = memberKeyFromSecret(new Uint8Array(32).fill(7));
const challenge = 'c1'.repeat(32);

describe('member keys', () => {
  it("an address is the first 16 bytes of SHA-256 of the public key, as the core's 32 hex digits", () => {
    expect(key.addr).toBe(bytesToHex(sha256(key.publicKey).subarray(0, 16)));
    expect(addrOfPublicKey(key.publicKey)).toMatch(/^[0-9a-f]{32}$/);
    expect(() => addrOfPublicKey(new Uint8Array(31))).toThrow(TypeError);
  });

  it('a key survives its hex export, and anything else is not a key', () => {
    expect(memberKeyFromHex(key.exportSecret())?.addr).toBe(key.addr);
    for (const bad of [undefined, 5, '', 'zz'.repeat(32), 'ab'.repeat(31)]) {
      expect(memberKeyFromHex(bad)).toBeUndefined();
    }
  });

  it('a join signature verifies for its challenge, room and addr only', () => {
    const sig = hexToBytes(signJoin(key, challenge, 'lobby').signature);
    const message = (c: string, room: string) => joinChallengeMessage(c, room, key.addr);
    expect(verifySignature(key.publicKey, message(challenge, 'lobby'), sig)).toBe(true);
    expect(verifySignature(key.publicKey, message(challenge, 'other'), sig)).toBe(false);
    expect(verifySignature(key.publicKey, message('00'.repeat(32), 'lobby'), sig)).toBe(false);
    expect(verifySignature(new Uint8Array(32).fill(0xff), new Uint8Array(1), sig)).toBe(false);
  });

  it('the signed join schema takes exactly the proof fields, in lowercase hex of the right length', () => {
    const ok = { room: 'lobby', ...signJoin(key, challenge, 'lobby') };
    expect(signedJoinRequestSchema.safeParse(ok).success).toBe(true);
    expect(signedJoinRequestSchema.safeParse({ ...ok, token: 't' }).success).toBe(true);
    const bad = [
      { room: 'lobby', addr: key.addr },
      { ...ok, publicKey: ok.publicKey.toUpperCase() },
      { ...ok, publicKey: ok.publicKey.slice(2) },
      { ...ok, signature: `${ok.signature}00` },
      { ...ok, signature: 5 },
      { ...ok, extra: true },
    ];
    for (const payload of bad) expect(signedJoinRequestSchema.safeParse(payload).success).toBe(false);
  });
});
