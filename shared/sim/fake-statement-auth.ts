import { type BrowserIdentity, PROOF_BYTES, type StatementAuth } from '../swim/index';

/*
 * Signed statements in the simulator (`ClusterInit.statements`) at a hash's cost. A proof has the real
 * size (PROOF_BYTES: an Ed25519 key and signature), so packets carry what a signed room's carry, but it
 * is FNV-1a lanes over the signer's addr and the message: a real verification costs 1-2.5 ms, and
 * 10,000 members would not run in a sane wall time. Anyone can forge it: it measures forming and load,
 * never trust (client/api's attack tests use real keys).
 */

function lane(addr: string, message: Uint8Array, k: number): number {
  let h = Math.imul(0x811c9dc5 ^ k, 0x01000193) >>> 0;
  for (let i = 0; i < addr.length; i++) h = Math.imul(h ^ addr.charCodeAt(i), 0x01000193) >>> 0;
  for (let i = 0; i < message.length; i++) h = Math.imul(h ^ message[i]!, 0x01000193) >>> 0;
  return h;
}

/** The 96-byte stand-in proof of `addr` over `message`. Doesn't change state. */
function proofOf(addr: string, message: Uint8Array): Uint8Array {
  const proof = new Uint8Array(PROOF_BYTES);
  const dv = new DataView(proof.buffer);
  // Four distinct lanes fill the proof; the rest repeats them (the size is what matters here).
  for (let k = 0; k < 4; k++) dv.setUint32(4 * k, lane(addr, message, k));
  for (let i = 16; i < PROOF_BYTES; i++) proof[i] = proof[i % 16]!;
  return proof;
}

/** A member's stand-in statement auth: signs as `self`, checks a proof against its signer's addr. */
export function fakeStatementAuth(self: BrowserIdentity): StatementAuth<BrowserIdentity> {
  return {
    sign: (message) => proofOf(self.addr, message),
    verify: (signer, message, proof) => {
      if (proof.length !== PROOF_BYTES) return false;
      const expected = proofOf(signer.addr, message);
      for (let i = 0; i < 16; i++) if (proof[i] !== expected[i]) return false;
      return true;
    },
  };
}
