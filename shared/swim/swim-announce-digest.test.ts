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
import { VersionedHandler, VersionedKey } from './test-support/versioned-handler';
import { itemsDigest, ViewDigest } from './view-digest';

/*
 * Protocol 1.6: with signed statements and anti-entropy, a periodic announce carries the sender's
 * digests of its view and of its retained custom broadcasts, and the Feed answering it leaves out what
 * the sender holds: no members when the views agree, no retained items when the stores agree (a signed
 * Feed lists each member as a 117-byte signed Alive and fills its room with signed metadata items:
 * answering every periodic announce with one cost an 8-tab room most of its bytes). Anything else
 * about the announce stays as it was.
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
    broadcastHandler: new VersionedHandler(),
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

/** The retained store of a member that holds `items`, as its digest. */
function itemsOf(...items: VersionedKey[]): number {
  return itemsDigest(items.map((k) => ({ data: k.bytes() })));
}

/** Runs our periodic announce and returns the announces it sent. */
function periodicAnnounces(n: {
  swim: TestSwim;
  rt: Rt;
}): Array<Extract<Message<TestId>, { type: 'announce' }>> {
  const [timer] = takeTimers(n.rt, 'periodic-announce');
  n.rt.clear();
  n.swim.handleTimer(timer!.timer, n.rt);
  return [A, B, C, D].flatMap((to) =>
    takeTo(n.rt, to).flatMap((p) => (p.header.message.type === 'announce' ? [p.header.message] : [])),
  );
}

/** The Feeds `n` answers `announce` from `from` with: the members each lists and its custom broadcasts. */
function feedsFor(
  n: { swim: TestSwim; rt: Rt },
  from: TestId,
  announce: Message<TestId>,
): Array<{ next: number; members: Member<TestId>[]; items: number }> {
  n.swim.handleData(encode(header(from, n.swim.identity, announce)), n.rt);
  return takeTo(n.rt, from).flatMap((p) =>
    p.header.message.type === 'feed'
      ? [{ next: p.header.message.next, members: p.members, items: p.broadcasts.length }]
      : [],
  );
}

/** B, holding A, C and D and the items `held`, after A had its introductions from B. */
function feeder(held: VersionedKey[] = [], antiEntropy = true): { swim: TestSwim; rt: Rt } {
  const b = nodeWith(B, [A, C, D], { antiEntropy });
  for (const k of held) b.swim.addBroadcast(k.bytes());
  // Their dissemination runs out: they stay only retained, for the Feed's repair.
  while (b.swim.customBroadcastBacklog > 0) b.swim.broadcast(b.rt);
  b.rt.clear();
  for (let i = 0; i < 5; i++) feedsFor(b, A, { type: 'announce' });
  return b;
}

const [ITEM_C, ITEM_D] = [new VersionedKey(3, 1), new VersionedKey(4, 1)];

describe('periodic announce with digests (protocol 1.6)', () => {
  it('a signed member with anti-entropy sends its view and items digests with its periodic announce', () => {
    const a = makeNode(A, {
      config,
      downIsAccusation: true,
      antiEntropy: true,
      statements: testAuth(A),
      broadcastHandler: new VersionedHandler(),
    });
    a.swim.applyMany([signedAlive(B), signedAlive(C)], false, a.rt);
    a.swim.addBroadcast(ITEM_C.bytes());
    expect(periodicAnnounces(a)).toEqual([
      { type: 'announce', digest: { members: digestOf(A, [B, C]), items: itemsOf(ITEM_C) } },
    ]);
  });

  it("without anti-entropy (foca's presets) the periodic announce stays foca's plain one, signed or not", () => {
    for (const signed of [false, true]) {
      const a = makeNode(A, {
        config,
        downIsAccusation: true,
        antiEntropy: false,
        ...(signed ? { statements: testAuth(A) } : {}),
      });
      a.swim.applyMany(signed ? [signedAlive(B), signedAlive(C)] : [member(B), member(C)], false, a.rt);
      expect(periodicAnnounces(a)).toEqual([{ type: 'announce' }]);
    }
  });

  it('unsigned with anti-entropy (the tabs by default), the periodic announce carries the digests too', () => {
    const a = makeNode(A, { config, downIsAccusation: true, antiEntropy: true });
    a.swim.applyMany([member(B), member(C)], false, a.rt);
    const [announce] = periodicAnnounces(a);
    expect(announce).toMatchObject({ type: 'announce', digest: { members: expect.any(Number), items: 0 } });
  });

  it('a member that holds what the announcer holds answers with a Feed that lists no members and no items', () => {
    const b = feeder([ITEM_C, ITEM_D]);
    const digest = { members: digestOf(A, [B, C, D]), items: itemsOf(ITEM_C, ITEM_D) };
    expect(feedsFor(b, A, { type: 'announce', digest })).toEqual([{ next: 0, members: [], items: 0 }]);
  });

  it('a member whose view differs lists its members, each by its own signed Alive, and no items if those agree', () => {
    const b = feeder([ITEM_C]);
    // A lacks D: the Feed lists every member B holds but A.
    const digest = { members: digestOf(A, [B, C]), items: itemsOf(ITEM_C) };
    const [feed] = feedsFor(b, A, { type: 'announce', digest });
    expect(feed!.members.map((m) => m.id.n).sort()).toEqual([C.n, D.n]);
    expect(feed!.members.every((m) => m.proof !== undefined)).toBe(true);
    expect(feed!.items).toBe(0);
  });

  it('a member whose items differ repairs them: no members, its retained items', () => {
    const b = feeder([ITEM_C, ITEM_D]);
    const digest = { members: digestOf(A, [B, C, D]), items: itemsOf(ITEM_C) };
    expect(feedsFor(b, A, { type: 'announce', digest })).toEqual([{ next: 0, members: [], items: 2 }]);
  });

  it('a member without anti-entropy lists its members whatever the view digest says', () => {
    const b = feeder([], false);
    const digest = { members: digestOf(A, [B, C, D]), items: itemsOf() };
    const [feed] = feedsFor(b, A, { type: 'announce', digest });
    expect(feed!.members.map((m) => m.id.n).sort()).toEqual([C.n, D.n]);
  });

  it("a handler's own items digest stands in for the retained store, both ways", () => {
    // The handler took items by a path the core never saw (the browser's metadata held pending).
    class DigestingHandler extends VersionedHandler {
      itemsDigest(): number {
        return 0xabcd;
      }
    }
    const b = makeNode(B, {
      config,
      downIsAccusation: true,
      antiEntropy: true,
      broadcastHandler: new DigestingHandler(),
      statements: testAuth(B),
    });
    b.swim.applyMany([signedAlive(A), signedAlive(C)], false, b.rt);
    b.swim.addBroadcast(ITEM_C.bytes());
    while (b.swim.customBroadcastBacklog > 0) b.swim.broadcast(b.rt);
    for (let i = 0; i < 5; i++) feedsFor(b, A, { type: 'announce' });
    expect(periodicAnnounces(b)[0]).toEqual({
      type: 'announce',
      digest: { members: digestOf(B, [A, C]), items: 0xabcd },
    });
    // Its retained store holds ITEM_C, but the handler's digest is what counts.
    const digest = { members: digestOf(A, [B, C]), items: 0xabcd };
    expect(feedsFor(b, A, { type: 'announce', digest })).toEqual([{ next: 0, members: [], items: 0 }]);
  });
});
