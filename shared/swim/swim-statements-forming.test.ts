import { describe, expect, it } from 'vitest';
import type { Member } from './member';
import { INTRODUCTION_PACKETS, statementBytes } from './statements';
import { encode, header, makeNode, member, type Rt, type TestSwim, takeTo } from './test-support/harness';
import { testAuth } from './test-support/test-auth';
import { id, type TestId, testCodec } from './test-support/test-id';

/*
 * Signed statements without slower forming (statements.ts, PROTOCOL.md 1.3): whoever meets a member
 * can vouch for it at once, so nobody waits for its signed Alive to come round by gossip hops.
 */

const [A, B, C, D] = [id(1), id(2), id(3), id(4)];

function signedNode(me: TestId): { swim: TestSwim; rt: Rt } {
  return makeNode(me, { statements: testAuth(me), seed: me.n });
}

function signedAlive(who: TestId, incarnation = 0): Member<TestId> {
  const update = member(who, 'alive', incarnation);
  return { ...update, proof: testAuth(who).sign(statementBytes(testCodec(), update)) };
}

function ping(from: TestId, to: TestId, probeNumber: number, members: Member<TestId>[] = []): Uint8Array {
  return encode(header(from, to, { type: 'ping', probeNumber }), members);
}

/** Whether a packet carries `who`'s own signed Alive. */
function vouchesFor(members: readonly Member<TestId>[], who: TestId): boolean {
  return members.some((m) => m.id.equals(who) && m.state === 'alive' && m.proof !== undefined);
}

describe('signed statements: introductions', () => {
  it('our first packets to a member carry our signed Alive even after our gossip of it ran out, and only the first few', () => {
    const { swim, rt } = signedNode(A);
    // We learn C from B's gossip: we have never sent C anything.
    swim.handleData(ping(B, A, 1, [signedAlive(B), signedAlive(C)]), rt);
    // B's pings drain the backlog (our own Alive included) and use up B's introductions.
    for (let i = 2; i < 60; i++) swim.handleData(ping(B, A, i), rt);
    const toB = takeTo(rt, B);
    expect(toB.filter((p) => vouchesFor(p.members, A)).length).toBeGreaterThanOrEqual(INTRODUCTION_PACKETS);
    expect(vouchesFor(toB.at(-1)!.members, A)).toBe(false);
    rt.clear();
    // C speaks to us for the first time: the answers carry our word, INTRODUCTION_PACKETS times.
    for (let i = 1; i <= INTRODUCTION_PACKETS + 2; i++) swim.handleData(ping(C, A, i), rt);
    const toC = takeTo(rt, C).map((p) => vouchesFor(p.members, A));
    expect(toC).toEqual(Array.from({ length: INTRODUCTION_PACKETS + 2 }, (_, i) => i < INTRODUCTION_PACKETS));
  });

  it('a new incarnation starts the introductions over', () => {
    const { swim, rt } = signedNode(A);
    swim.handleData(ping(B, A, 1, [signedAlive(B)]), rt);
    for (let i = 2; i < 40; i++) swim.handleData(ping(B, A, i), rt);
    takeTo(rt, B);
    // A suspicion of us (our own word about ourselves changes nothing) makes us refute at inc 1.
    const accusation = member(A, 'suspect', 0);
    const proof = testAuth(B).sign(statementBytes(testCodec(), accusation, B));
    swim.handleData(ping(B, A, 40, [{ ...accusation, accuser: B, proof }]), rt);
    expect(swim.incarnation).toBe(1);
    swim.handleData(ping(B, A, 41), rt);
    const carried = takeTo(rt, B).flatMap((p) => p.members.filter((m) => m.id.equals(A) && m.proof));
    expect(carried.some((m) => m.incarnation === 1)).toBe(true);
  });
});

describe('signed statements: what we pass on', () => {
  it('a member heard only by its header is passed on from the packet that brings its signed Alive', () => {
    const { swim, rt } = signedNode(A);
    swim.handleData(ping(C, A, 1, [signedAlive(C)]), rt);
    swim.handleData(ping(B, A, 1), rt);
    rt.clear();
    expect(swim.member(B.addr)?.state).toBe('alive');
    swim.handleData(ping(B, A, 2, [signedAlive(B)]), rt);
    const toC = takeTo(rt, C);
    swim.gossip(rt);
    const gossiped = [...toC, ...takeTo(rt, C)];
    expect(gossiped.some((p) => vouchesFor(p.members, B))).toBe(true);
  });

  it('a Feed lists a member we hold Suspect as its last signed Alive', () => {
    const { swim, rt } = signedNode(A);
    swim.handleData(ping(B, A, 1, [signedAlive(B)]), rt);
    swim.handleData(ping(C, A, 1, [signedAlive(C)]), rt);
    const accusation = member(B, 'suspect', 0);
    const proof = testAuth(C).sign(statementBytes(testCodec(), accusation, C));
    swim.handleData(ping(C, A, 2, [{ ...accusation, accuser: C, proof }]), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    rt.clear();
    swim.handleData(encode(header(D, A, { type: 'announce' })), rt);
    const feed = takeTo(rt, D).find((p) => p.header.message.type === 'feed')!;
    expect(vouchesFor(feed.members, B)).toBe(true);
    expect(vouchesFor(feed.members, A)).toBe(true);
  });
});

describe('signed statements: an Announce from a stranger', () => {
  it('is answered with a Feed and an Announce of our own, so each side learns the other', () => {
    const { swim, rt } = signedNode(A);
    swim.handleData(ping(B, A, 1, [signedAlive(B)]), rt);
    rt.clear();
    swim.handleData(encode(header(D, A, { type: 'announce' })), rt);
    expect(takeTo(rt, D).map((p) => p.header.message.type)).toEqual(['feed', 'announce']);
    // Known now: a Feed alone.
    swim.handleData(encode(header(D, A, { type: 'announce' })), rt);
    expect(takeTo(rt, D).map((p) => p.header.message.type)).toEqual(['feed']);
  });

  it('without statements, as foca: the Feed alone', () => {
    const { swim, rt } = makeNode(A);
    swim.applyMany([member(B)], false, rt);
    rt.clear();
    swim.handleData(encode(header(D, A, { type: 'announce' })), rt);
    expect(takeTo(rt, D).map((p) => p.header.message.type)).toEqual(['feed']);
  });
});
