import { describe, expect, it } from 'vitest';
import { canChange, type MemberRecord, Members } from './members';
import { randomInt, seededRng } from './seeded-rng';
import { id, type TestId } from './test-support/test-id';

const rng = () => seededRng(0xf0ca);

function probeListIsConsistent(members: Members<TestId>): void {
  const active = [...members.iterActive()];
  const all = [...members.iterAll()];
  expect(active.length).toBe(members.numActive);
  const byAddr = (a: MemberRecord<TestId>, b: MemberRecord<TestId>) => a.id.addr.localeCompare(b.id.addr);
  expect([...active].sort(byAddr)).toEqual(all.filter((m) => m.state !== 'down').sort(byAddr));
  active.forEach((m, i) => {
    expect(m.slot).toBe(i);
  });
  for (const m of all) if (m.state === 'down') expect(m.slot).toBe(-1);
}

describe('state transitions (SWIM 4.2)', () => {
  it('alive yields to a higher alive, to suspect at the same or higher incarnation, and to down always', () => {
    expect(canChange('alive', 1, 'alive', 2)).toBe(true);
    expect(canChange('alive', 1, 'alive', 1)).toBe(false);
    expect(canChange('alive', 1, 'alive', 0)).toBe(false);
    expect(canChange('alive', 1, 'suspect', 1)).toBe(true);
    expect(canChange('alive', 1, 'suspect', 0)).toBe(false);
    for (const inc of [0, 1, 2]) expect(canChange('alive', 1, 'down', inc)).toBe(true);
  });

  it('suspect yields only to a higher incarnation, or to down', () => {
    expect(canChange('suspect', 1, 'suspect', 2)).toBe(true);
    expect(canChange('suspect', 1, 'suspect', 1)).toBe(false);
    expect(canChange('suspect', 1, 'alive', 1)).toBe(false);
    expect(canChange('suspect', 1, 'alive', 2)).toBe(true);
    for (const inc of [0, 1, 2]) expect(canChange('suspect', 1, 'down', inc)).toBe(true);
  });

  it('down never changes', () => {
    for (const s of ['alive', 'suspect', 'down'] as const) {
      for (const inc of [0, 1, 2]) expect(canChange('down', 1, s, inc)).toBe(false);
    }
  });
});

describe('the membership table', () => {
  it('summarises each apply like foca', () => {
    const m = new Members<TestId>();
    const r = rng();
    expect({ ...m.apply(id(1), 0, 'suspect', r) }).toMatchObject({
      isActiveNow: true,
      applySuccessful: true,
      changedActiveSet: true,
      conflict: 'none',
    });
    expect({ ...m.apply(id(1), 0, 'alive', r) }).toMatchObject({
      applySuccessful: false,
      changedActiveSet: false,
    });
    expect({ ...m.apply(id(1), 1, 'alive', r) }).toMatchObject({
      applySuccessful: true,
      changedActiveSet: false,
    });
    expect({ ...m.apply(id(1), 0, 'down', r) }).toMatchObject({
      isActiveNow: false,
      applySuccessful: true,
      changedActiveSet: true,
    });
    expect({ ...m.apply(id(2), 0, 'down', r) }).toMatchObject({
      isActiveNow: false,
      applySuccessful: true,
      changedActiveSet: false,
    });
    expect(m.size).toBe(2);
    expect(m.numActive).toBe(0);
  });

  it('applies to an existing member only when asked to, and only if the condition holds', () => {
    const m = new Members<TestId>();
    expect(m.applyExistingIf(id(1), 0, 'alive', undefined, rng())).toBeUndefined();
    m.apply(id(1), 0, 'alive', rng());
    expect(m.applyExistingIf(id(1), 0, 'down', () => false, rng())?.applySuccessful).toBe(false);
    expect(m.numActive).toBe(1);
    expect(m.applyExistingIf(id(1), 0, 'down', () => true, rng())?.applySuccessful).toBe(true);
    expect(m.numActive).toBe(0);
  });

  it('resolves addr conflicts: the winner replaces, a failed condition or the loser changes nothing', () => {
    const m = new Members<TestId>();
    m.apply(id(1, 0), 0, 'alive', rng());
    const renamed = m.applyExistingIf(id(1, 1), 0, 'alive', () => true, rng())!;
    expect(renamed.applySuccessful).toBe(true);
    expect(renamed.conflict).toBe('replaced');
    expect(renamed.replaced?.toString()).toBe('m1#0');
    expect(m.applyExistingIf(id(1, 2), 0, 'alive', () => false, rng())!.conflict).toBe('failed-condition');
    const lost = m.applyExistingIf(id(1, 0), 0, 'alive', () => true, rng())!;
    expect(lost.conflict).toBe('lost');
    expect(lost.applySuccessful).toBe(false);
    expect(m.get('m1')?.id.toString()).toBe('m1#1');
  });

  it('removes a member only if it is that identity and Down', () => {
    const m = new Members<TestId>();
    expect(m.removeIfDown(id(1))).toBe(false);
    m.apply(id(1), 0, 'alive', rng());
    expect(m.removeIfDown(id(1))).toBe(false);
    m.apply(id(1), 0, 'down', rng());
    expect(m.removeIfDown(id(1, 1))).toBe(false);
    expect(m.removeIfDown(id(1))).toBe(true);
    expect(m.size).toBe(0);
  });

  it('next() yields nothing without active members, and the only active member every time', () => {
    const m = new Members<TestId>();
    const r = rng();
    expect(m.next(r)).toBeUndefined();
    for (const n of [1, 2, 3]) m.apply(id(n), 0, 'down', r);
    expect(m.next(r)).toBeUndefined();
    m.apply(id(9), 0, 'alive', r);
    for (let i = 0; i < 5; i++) expect(m.next(r)?.id.addr).toBe('m9');
  });

  it('a member leaving mid-round never makes another one miss its turn', () => {
    const m = new Members<TestId>();
    const r = rng();
    for (let n = 1; n <= 10; n++) m.apply(id(n), 0, 'alive', r);
    // Finish a first round so the list is shuffled and the cursor is at 0.
    for (let k = 0; k < 10; k++) m.next(r);
    const first = m.next(r)!;
    const probed = [first, m.next(r)!, m.next(r)!, m.next(r)!].map((x) => x.id.addr);
    const all = [...m.iterActive()].map((x) => x.id.addr);
    const pending = all.filter((a) => !probed.includes(a));
    // One already probed and one pending go down.
    m.apply(id(Number(probed[1]!.slice(1))), 0, 'down', r);
    m.apply(id(Number(pending[2]!.slice(1))), 0, 'down', r);
    probeListIsConsistent(m);
    const rest = Array.from({ length: 5 }, () => m.next(r)!.id.addr);
    expect(rest.sort()).toEqual(pending.filter((_, i) => i !== 2).sort());
  });

  it('keeps the probe list equal to the active members through random changes', () => {
    const m = new Members<TestId>();
    const r = seededRng(42);
    for (let step = 0; step < 3000; step++) {
      const n = 1 + randomInt(r, 30);
      const roll = randomInt(r, 10);
      if (roll < 4) m.apply(id(n, randomInt(r, 3)), randomInt(r, 4), 'alive', r);
      else if (roll < 6) m.apply(id(n, randomInt(r, 3)), randomInt(r, 4), 'suspect', r);
      else if (roll < 7) m.apply(id(n, randomInt(r, 3)), 0, 'down', r);
      else if (roll < 8) {
        const rec = m.get(`m${n}`);
        if (rec !== undefined) m.removeIfDown(rec.id);
      } else m.next(r);
      probeListIsConsistent(m);
    }
  });

  it('chooses distinct active members, honouring the filter, in small and large tables', () => {
    for (const size of [7, 200]) {
      const m = new Members<TestId>();
      const r = rng();
      for (let n = 1; n <= size; n++)
        m.apply(id(n), 0, n % 5 === 0 ? 'down' : n % 3 === 0 ? 'suspect' : 'alive', r);
      const out: TestId[] = [];
      m.chooseActive(0, out, r, undefined);
      expect(out).toEqual([]);
      m.chooseActive(10, out, r, () => false);
      expect(out).toEqual([]);
      m.chooseActive(size, out, r, undefined);
      expect(out.length).toBe(m.numActive);
      m.chooseActive(2, out, r, undefined);
      expect(out.length).toBe(2);
      m.chooseActive(3, out, r, (x) => x.n > size - 3);
      expect(out.every((x) => x.n > size - 3)).toBe(true);
      expect(new Set(out.map((x) => x.addr)).size).toBe(out.length);
      for (const x of out) expect(m.get(x.addr)?.state).not.toBe('down');
    }
  });

  it('chooses Down members for announcing to them', () => {
    const m = new Members<TestId>();
    const r = rng();
    for (let n = 1; n <= 7; n++) m.apply(id(n), 0, n > 5 ? 'down' : 'alive', r);
    const out: TestId[] = [];
    m.chooseDown(3, out, r);
    expect(out.map((x) => x.addr).sort()).toEqual(['m6', 'm7']);
  });

  it('records are the members themselves: no copy per read', () => {
    const m = new Members<TestId>();
    m.apply(id(1), 0, 'alive', rng());
    const a: MemberRecord<TestId> = m.get('m1')!;
    expect([...m.iterActive()][0]).toBe(a);
  });
});
