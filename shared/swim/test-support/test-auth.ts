import { PROOF_BYTES, type StatementAuth } from '../statements';
import type { TestId } from './test-id';

/*
 * A stand-in for Ed25519 in the core's tests (shared/swim imports no crypto): a member's proof is its
 * number and a keyed hash of the room and the message under a secret only its own `testAuth` uses.
 * A test that plays a liar signs only with the liar's own auth (or replays proofs it captured), as a
 * real attacker holds only its own key. The browser host's real signatures are tested in client/.
 */

function secretOf(n: number): number {
  return Math.imul(n + 0x9e37, 0x85ebca6b) >>> 0;
}

function mac(secret: number, room: string, message: Uint8Array, lane: number): number {
  let h = (0x811c9dc5 ^ secret ^ Math.imul(lane, 0x27d4eb2d)) >>> 0;
  for (let i = 0; i < room.length; i++) h = Math.imul(h ^ room.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ 0xff, 0x01000193) >>> 0;
  for (let i = 0; i < message.length; i++) h = Math.imul(h ^ message[i]!, 0x01000193) >>> 0;
  return h;
}

function proofOf(n: number, room: string, message: Uint8Array): Uint8Array {
  const proof = new Uint8Array(PROOF_BYTES);
  const dv = new DataView(proof.buffer);
  dv.setUint16(0, n);
  for (let lane = 0; lane < 8; lane++) dv.setUint32(2 + 4 * lane, mac(secretOf(n), room, message, lane));
  return proof;
}

/** The statement auth of member `self` in `room`. */
export function testAuth(self: TestId, room = 'room'): StatementAuth<TestId> {
  return {
    sign: (message) => proofOf(self.n, room, message),
    verify: (signer, message, proof) => {
      if (proof.length !== PROOF_BYTES) return false;
      const expected = proofOf(signer.n, room, message);
      for (let i = 0; i < PROOF_BYTES; i++) if (proof[i] !== expected[i]) return false;
      return true;
    },
  };
}
