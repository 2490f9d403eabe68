import { describe, expect, it } from 'vitest';
import { memberKeyFromSecret } from './member-key';
import { METADATA_LABEL, STATEMENT_PROOF_BYTES, statementAuth } from './statement-auth';

const key = (fill: number) => memberKeyFromSecret(new Uint8Array(32).fill(fill));
const statement = new Uint8Array([1, 2, 3, 4]);

describe('statementAuth', () => {
  it('signs with a proof its own room verifies for the key holder, and nothing else', () => {
    const v = key(1);
    const proof = statementAuth(v, 'room').sign(statement);
    expect(proof.length).toBe(STATEMENT_PROOF_BYTES);
    const here = statementAuth(key(2), 'room');
    expect(here.verify({ addr: v.addr }, statement, proof)).toBe(true);
    // Another room, another signer's addr, another statement, another label, a short proof.
    expect(statementAuth(key(2), 'elsewhere').verify({ addr: v.addr }, statement, proof)).toBe(false);
    expect(here.verify({ addr: key(3).addr }, statement, proof)).toBe(false);
    expect(here.verify({ addr: v.addr }, new Uint8Array([1, 2, 3, 5]), proof)).toBe(false);
    expect(statementAuth(key(2), 'room', METADATA_LABEL).verify({ addr: v.addr }, statement, proof)).toBe(
      false,
    );
    expect(here.verify({ addr: v.addr }, statement, proof.subarray(1))).toBe(false);
  });

  it("a liar's valid signature with its own key does not pass for another's addr", () => {
    const mallory = key(9);
    const proof = statementAuth(mallory, 'room').sign(statement);
    expect(statementAuth(mallory, 'room').verify({ addr: key(1).addr }, statement, proof)).toBe(false);
  });
});
