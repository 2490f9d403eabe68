import { describe, expect, it } from 'vitest';
import type { Member } from './member';
import { type StatementAuth, statementBytes } from './statements';
import { encode, header, makeNode, member, takeTo } from './test-support/harness';
import { testAuth } from './test-support/test-auth';
import { id, type TestId, testCodec } from './test-support/test-id';

/*
 * What signed statements cost on the paths a user times: a graceful leave signs nothing when the page
 * closes (the leave is signed ahead, once per life), and a member's own statement in its own packet
 * (its leave, its introduction) is taken as its header is, over its own link, without a verification;
 * passed on by anyone else it is verified as before.
 */

const [A, B, C, D] = [id(1), id(2), id(3), id(4)];

/** `testAuth(self)` that counts its signatures and verifications. */
function countingAuth(self: TestId): StatementAuth<TestId> & { signs: number; verifies: number } {
  const inner = testAuth(self);
  const auth = {
    signs: 0,
    verifies: 0,
    sign(message: Uint8Array) {
      auth.signs++;
      return inner.sign(message);
    },
    verify(signer: TestId, message: Uint8Array, proof: Uint8Array) {
      auth.verifies++;
      return inner.verify(signer, message, proof);
    },
  };
  return auth;
}

function signedBy(signer: TestId, update: Member<TestId>): Member<TestId> {
  return { ...update, proof: testAuth(signer).sign(statementBytes(testCodec(), update)) };
}

function gossip(from: TestId, to: TestId, members: Member<TestId>[]): Uint8Array {
  return encode(header(from, to, { type: 'gossip' }), members);
}

describe('signed statements: cost on the timed paths', () => {
  it('leaveCluster signs nothing: its leave was signed when the life began, and it verifies', () => {
    const auth = countingAuth(A);
    const { swim, rt } = makeNode(A, { statements: auth, downIsAccusation: true });
    swim.applyMany([signedBy(B, member(B)), signedBy(C, member(C))], false, rt);
    rt.clear();
    const signsBefore = auth.signs;
    swim.leaveCluster(rt);
    expect(auth.signs).toBe(signsBefore);
    const leave = takeTo(rt, B)[0]!.members.find((m) => m.id.equals(A) && m.state === 'down');
    expect(leave?.proof).toBeDefined();
    expect(testAuth(A).verify(A, statementBytes(testCodec(), member(A, 'down')), leave!.proof!)).toBe(true);
  });

  it("a member's signed leave in its own packet is applied without a verification; relayed, it is verified", () => {
    const auth = countingAuth(A);
    const { swim, rt } = makeNode(A, { statements: auth, downIsAccusation: true });
    swim.applyMany([signedBy(B, member(B)), signedBy(C, member(C)), signedBy(D, member(D))], false, rt);
    const leave = signedBy(B, member(B, 'down'));
    const before = auth.verifies;
    swim.handleData(gossip(B, A, [leave]), rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(auth.verifies).toBe(before);
    // C's leave, passed on by D: C's own word must be checked.
    swim.handleData(gossip(D, A, [signedBy(C, member(C, 'down'))]), rt);
    expect(swim.member(C.addr)?.state).toBe('down');
    expect(auth.verifies).toBe(before + 1);
    expect(swim.statementStats.rejected).toBe(0);
  });

  it('a leave relayed with a bad proof is still refused', () => {
    const { swim, rt } = makeNode(A, { statements: testAuth(A), downIsAccusation: true });
    swim.applyMany([signedBy(B, member(B)), signedBy(C, member(C))], false, rt);
    // B signs C's leave with its own key: not C's word.
    swim.handleData(gossip(B, A, [signedBy(B, member(C, 'down'))]), rt);
    expect(swim.member(C.addr)?.state).toBe('alive');
    expect(swim.statementStats.rejected).toBe(1);
  });
});
