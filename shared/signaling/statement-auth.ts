/**
 * Signed statements for the SWIM core (DESIGN.md §9, `SwimInit.statements` in shared/swim): the
 * browser host's proof is the member's Ed25519 public key (32 bytes) and its signature (64 bytes)
 * over a label, the room and the core's statement bytes. The key must hash to the signer's address,
 * so only the owner of an address can sign for it, and the room is inside the signature, so a
 * statement made in one room is worthless in another. Pure: no clock, no I/O.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  addrOfPublicKey,
  type MemberKey,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  verifySignature,
} from './member-key';

/** The label of the core's statements, and of metadata items (signed by the layer that owns them). */
export const STATEMENT_LABEL = 'shoal-stmt-v1';
export const METADATA_LABEL = 'shoal-meta-v1';

/** Bytes of a statement proof: public key, then signature. */
export const STATEMENT_PROOF_BYTES = PUBLIC_KEY_BYTES + SIGNATURE_BYTES;

/**
 * The bytes signed for a core statement in `room`. The label differs from the join's and the
 * signals' (`shoal-join-v1`, `shoal-signal-v1`), so no other Shoal signature can stand for one; room
 * names hold no `:`, and the core's bytes come last.
 */
export function statementSigningMessage(
  room: string,
  statement: Uint8Array,
  label = STATEMENT_LABEL,
): Uint8Array {
  const prefix = utf8ToBytes(`${label}:${room}:`);
  const out = new Uint8Array(prefix.length + statement.length);
  out.set(prefix);
  out.set(statement, prefix.length);
  return out;
}

/** What the core's `StatementAuth` needs of a signer: its address. */
interface Signer {
  readonly addr: string;
}

/**
 * The core's `StatementAuth` (or, with `METADATA_LABEL`, the metadata store's) for a member holding `key` in `room`: `sign` returns our proof,
 * `verify` checks that a proof's key hashes to the signer's address and its signature covers the
 * statement in this room. Neither throws nor changes state.
 */
export function statementAuth(
  key: MemberKey,
  room: string,
  label = STATEMENT_LABEL,
): {
  sign(statement: Uint8Array): Uint8Array;
  verify(signer: Signer, statement: Uint8Array, proof: Uint8Array): boolean;
} {
  return {
    sign(statement) {
      const proof = new Uint8Array(STATEMENT_PROOF_BYTES);
      proof.set(key.publicKey);
      proof.set(key.sign(statementSigningMessage(room, statement, label)), PUBLIC_KEY_BYTES);
      return proof;
    },
    verify(signer, statement, proof) {
      if (proof.length !== STATEMENT_PROOF_BYTES) return false;
      const publicKey = proof.subarray(0, PUBLIC_KEY_BYTES);
      if (addrOfPublicKey(publicKey) !== signer.addr) return false;
      return verifySignature(
        publicKey,
        statementSigningMessage(room, statement, label),
        proof.subarray(PUBLIC_KEY_BYTES),
      );
    },
  };
}
