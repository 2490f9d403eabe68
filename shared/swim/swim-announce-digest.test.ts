import { describe, expect, it } from 'vitest';
import { simple } from './config';
import type { Member } from './member';
import type { Message } from './payload';
import { statementBytes } from './statements';
import {
  encode,
  header,
  makeNode,
  member,
  type Rt,
  type TestSwim,
  takeTimers,
  takeTo,
} from './test-support/harness';
import { testAuth } from './test-support/test-auth';
import { id, type TestId, testCodec } from './test-support/test-id';
import { ViewDigest } from './view-digest';

/*
 * Protocol 1.6: with signed statements and anti-entropy, a periodic announce carries the sender's view
 * digest, and a member whose view is the same answers with a Feed of no members (a signed Feed lists
 * each member as a 117-byte signed Alive: answering every periodic announce with one cost an 8-tab
 * room 71 of its 119 B/s a member). Anything else about the announce stays as it was.
 */

const [A, B, C, D] = [id(1), id(2), id(3), id(4)];

const config = { ...simple(), periodicAnnounce: { frequencyMs: 10_000, numMembers: 1 } };

function signedAlive(who: TestId, incarnation = 0): Member<TestId> {
  const update = member(who, 'alive', incarnation);
  return { ...update, proof: testAuth(who).sign(statementBytes(testCodec(), update)) };
}

/** A connected core that holds `others` (each by its own signed Alive), start-up sends cleared. */
function nodeWith(
  self: TestId,
  others: readonly TestId[],
  opts: { signed?: boolean; antiEntropy?: boolean } = {},
): { swim: TestSwim; rt: Rt } {
  const signed = opts.signed ?? true;
  const n = makeNode(self, {
    config,
    downIsAccusation: true,
    antiEntropy: opts.antiEntropy ?? true,
    ...(signed ? { statements: testAuth(self) } : {}),
  });
  n.swim.applyMany(
    others.map((o) => (signed ? signedAlive(o) : member(o))),
    false,
    n.rt,
  );
  n.rt.clear();
  return n;
}

function digestOf(self: TestId, others: readonly TestId[]): number {
  const d = new ViewDigest();
  for (const o of others) d.toggle(o.addr, true);
  return d.total(self.addr);
}

/** Runs our periodic announce and returns the announces it sent. */
function periodicAnnounces(n: {
  swim: TestSwim;
  rt: Rt;
}): Array<Extract<Message<TestId>, { type: 'announce' }>> {
  const [timer] = takeTimers(n.rt, 'periodic-announce');
  n.rt.clear();
  n.swim.handleTimer(timer!.timer, n.rt);
  return [B, C, D].flatMap((to) =>
    takeTo(n.rt, to).flatMap((p) => (p.header.message.type === 'announce' ? [p.header.message] : [])),
  );
}

/** The Feeds `n` answers `announce` from `from` with, and the members each lists. */
function feedsFor(
  n: { swim: TestSwim; rt: Rt },
  from: TestId,
  announce: Message<TestId>,
): Array<{ next: number; members: Member<TestId>[] }> {
  n.swim.handleData(encode(header(from, n.swim.identity, announce)), n.rt);
  return takeTo(n.rt, from).flatMap((p) =>
    p.header.message.type === 'feed' ? [{ next: p.header.message.next, members: p.members }] : [],
  );
}

describe('periodic announce with a view digest (protocol 1.6)', () => {
  it('a signed member with anti-entropy sends its view digest with its periodic announce', () => {
    const a = makeNode(A, { config, downIsAccusation: true, antiEntropy: true, statements: testAuth(A) });
    a.swim.applyMany([signedAlive(B), signedAlive(C)], false, a.rt);
    expect(periodicAnnounces(a)).toEqual([{ type: 'announce', total: digestOf(A, [B, C]) }]);
  });

  it("unsigned, or without anti-entropy, the periodic announce stays foca's plain one", () => {
    for (const opts of [{ signed: false }, { antiEntropy: false }]) {
      const a = makeNode(A, {
        config,
        downIsAccusation: true,
        antiEntropy: opts.antiEntropy ?? true,
        ...(opts.signed === false ? {} : { statements: testAuth(A) }),
      });
      const alive = opts.signed === false ? [member(B), member(C)] : [signedAlive(B), signedAlive(C)];
      a.swim.applyMany(alive, false, a.rt);
      expect(periodicAnnounces(a)).toEqual([{ type: 'announce' }]);
    }
  });

  it('a member whose view is the announcer’s answers with a Feed that lists no members', () => {
    const b = nodeWith(B, [A, C, D]);
    // A already had its introductions from B: only what a Feed brings besides members remains.
    for (let i = 0; i < 5; i++) feedsFor(b, A, { type: 'announce' });
    expect(feedsFor(b, A, { type: 'announce', total: digestOf(A, [B, C, D]) })).toEqual([
      { next: 0, members: [] },
    ]);
  });

  it('a member whose view differs answers with its whole signed Feed, as to a plain announce', () => {
    const b = nodeWith(B, [A, C, D]);
    for (let i = 0; i < 5; i++) feedsFor(b, A, { type: 'announce' });
    // A lacks D: the Feed lists every member B holds but A, each by its own signed Alive.
    const [feed] = feedsFor(b, A, { type: 'announce', total: digestOf(A, [B, C]) });
    expect(feed!.members.map((m) => m.id.n).sort()).toEqual([C.n, D.n]);
    expect(feed!.members.every((m) => m.proof !== undefined)).toBe(true);
  });

  it('a member without anti-entropy answers a digest announce with its whole Feed', () => {
    const b = nodeWith(B, [A, C, D], { antiEntropy: false });
    for (let i = 0; i < 5; i++) feedsFor(b, A, { type: 'announce' });
    const [feed] = feedsFor(b, A, { type: 'announce', total: digestOf(A, [B, C, D]) });
    expect(feed!.members.map((m) => m.id.n).sort()).toEqual([C.n, D.n]);
  });
});
