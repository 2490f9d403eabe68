import { describe, expect, it } from 'vitest';
import { MAX_WIRE_ACCUSERS } from './binary-codec';
import { BufferReader, BufferWriter } from './byte-io';
import { DecodeError } from './codec';
import { simple } from './config';
import {
  accuserTag,
  expectedConfirmations,
  LHA_CONFIRMATIONS,
  LHA_MAX_TIMEOUT_MULT,
  lhaTimeoutMs,
} from './lha-suspicion';
import type { Member } from './member';
import {
  decode,
  encode,
  header,
  makeNode,
  member,
  type Rt,
  type TestSwim,
  takeTimers,
} from './test-support/harness';
import { id, type TestId, testCodec } from './test-support/test-id';

const ME = id(1);
const C = simple();
/** What a member that only heard of a suspicion waits at least (`heardSuspicionWaitMs` with simple()). */
const HEARD_MIN = Math.max(C.probePeriodMs, C.suspectToDownAfterMs * 2 - 2 * C.probePeriodMs);

const tag = (n: number) => accuserTag(id(n).addr);

function suspicion(of: TestId, accusers?: number[]): Member<TestId> {
  return accusers === undefined
    ? member(of, 'suspect')
    : { id: of, incarnation: 0, state: 'suspect', accusers };
}

/** A core that knows members 2..5 and hears from `from` that 3 is suspect. */
function hears(lifeguard: boolean, accusers?: number[]): { swim: TestSwim; rt: Rt } {
  const { swim, rt } = makeNode(ME, { lifeguard });
  swim.applyMany(
    [2, 3, 4, 5].map((n) => member(id(n))),
    false,
    rt,
  );
  rt.clear();
  swim.handleData(encode(header(id(2), ME, { type: 'gossip' }), [suspicion(id(3), accusers)]), rt);
  return { swim, rt };
}

function pingsTo(rt: Rt, to: TestId): number {
  return rt.sends.filter((s) => s.to.equals(to) && decode(s.bytes).header.message.type === 'ping').length;
}

describe("LHA-suspicion's timeout (memberlist's formula)", () => {
  it('starts at max with no confirmation and reaches min with K of them', () => {
    const k = LHA_CONFIRMATIONS;
    expect(lhaTimeoutMs(1000, 0, k)).toBe(1000 * LHA_MAX_TIMEOUT_MULT);
    expect(lhaTimeoutMs(1000, k, k)).toBe(1000);
    const one = lhaTimeoutMs(1000, 1, k);
    expect(one).toBeLessThan(1000 * LHA_MAX_TIMEOUT_MULT);
    expect(one).toBeGreaterThan(1000);
    expect(lhaTimeoutMs(1000, 0, 0)).toBe(1000);
  });

  it('expects K = min(2, members − 2) confirmations, counting us and the suspect', () => {
    expect(expectedConfirmations(1)).toBe(0);
    expect(expectedConfirmations(2)).toBe(1);
    expect(expectedConfirmations(50)).toBe(LHA_CONFIRMATIONS);
  });
});

describe('LHA-suspicion in the core (Lifeguard on)', () => {
  it('a suspicion heard from one accuser arms a ladder from the minimum to 6 × it, and is passed on with its accuser', () => {
    const { swim, rt } = hears(true, [tag(2)]);
    const ladder = takeTimers(rt, 'suspicion-level').map((t) => [t.timer.level, t.afterMs]);
    expect(ladder).toEqual([
      [2, HEARD_MIN],
      [1, lhaTimeoutMs(HEARD_MIN, 1, 2)],
      [0, HEARD_MIN * LHA_MAX_TIMEOUT_MULT],
    ]);
    expect(takeTimers(rt, 'change-suspect-to-down')).toEqual([]);
    rt.clear();
    swim.gossip(rt);
    const sent = decode(rt.sends[0]!.bytes).members.find((m) => m.id.equals(id(3)));
    expect(sent?.accusers).toEqual([tag(2)]);
  });

  it('an unconfirmed suspicion does not time out at the minimum', () => {
    const { swim, rt } = hears(true, [tag(2)]);
    const [atMin] = takeTimers(rt, 'suspicion-level');
    rt.clear();
    swim.handleTimer(atMin!.timer, rt);
    expect(pingsTo(rt, id(3))).toBe(0);
    expect(takeTimers(rt, 'check-before-down')).toEqual([]);
  });

  it('confirmations that come after the minimum passed time it out at once: the check begins', () => {
    const { swim, rt } = hears(true, [tag(2)]);
    const [atMin] = takeTimers(rt, 'suspicion-level');
    swim.handleTimer(atMin!.timer, rt);
    rt.clear();
    // 4 and 5 found 3 silent too: three accusers, two confirmations.
    swim.handleData(encode(header(id(4), ME, { type: 'gossip' }), [suspicion(id(3), [tag(4), tag(5)])]), rt);
    expect(pingsTo(rt, id(3))).toBe(1);
    expect(takeTimers(rt, 'check-before-down')).toHaveLength(1);
  });

  it('a suspicion that arrives confirmed times out at the minimum', () => {
    const { swim, rt } = hears(true, [tag(2), tag(4), tag(5)]);
    const [atMin] = takeTimers(rt, 'suspicion-level');
    expect(atMin!.afterMs).toBe(HEARD_MIN);
    rt.clear();
    swim.handleTimer(atMin!.timer, rt);
    expect(pingsTo(rt, id(3))).toBe(1);
  });

  it('a refuted suspicion ignores its ladder', () => {
    const { swim, rt } = hears(true, [tag(2), tag(4), tag(5)]);
    const ladder = takeTimers(rt, 'suspicion-level');
    swim.handleData(encode(header(id(3), ME, { type: 'gossip' }, 1)), rt);
    rt.clear();
    for (const t of ladder) swim.handleTimer(t.timer, rt);
    expect(pingsTo(rt, id(3))).toBe(0);
    expect(swim.member(id(3).addr)?.state).toBe('alive');
  });
});

describe('LHA-suspicion stays out of foca mode (Lifeguard off)', () => {
  it("a heard suspicion arms foca's change-suspect-to-down and is passed on without accusers", () => {
    const { swim, rt } = hears(false, [tag(2)]);
    expect(takeTimers(rt, 'suspicion-level')).toEqual([]);
    expect(takeTimers(rt, 'change-suspect-to-down')).toHaveLength(1);
    rt.clear();
    swim.gossip(rt);
    const sent = decode(rt.sends[0]!.bytes).members.find((m) => m.id.equals(id(3)));
    expect(sent).toEqual(member(id(3), 'suspect'));
  });
});

describe('accusers on the wire (protocol 1.2)', () => {
  const codec = testCodec();
  it('a Suspect with accusers round-trips as state 3, u8 count, u16 tags; without, as foca’s state 1', () => {
    const w = new BufferWriter();
    codec.writeMember(w, suspicion(id(3), [7, 0xffff]));
    const bytes = w.view().slice();
    expect(Array.from(bytes.slice(-6))).toEqual([3, 2, 0, 7, 0xff, 0xff]);
    expect(codec.readMember(new BufferReader(bytes))).toEqual(suspicion(id(3), [7, 0xffff]));
    const plain = new BufferWriter();
    codec.writeMember(plain, suspicion(id(3), []));
    expect(plain.view().at(-1)).toBe(1);
  });

  it('refuses an accuser count of 0 or over MAX_WIRE_ACCUSERS', () => {
    for (const count of [0, MAX_WIRE_ACCUSERS + 1]) {
      const w = new BufferWriter();
      codec.writeMember(w, member(id(3), 'suspect'));
      const bytes = w.view().slice();
      bytes[bytes.length - 1] = 3;
      const withCount = new Uint8Array([...bytes, count, ...new Array(count * 2).fill(1)]);
      expect(() => codec.readMember(new BufferReader(withCount))).toThrow(DecodeError);
    }
  });
});
