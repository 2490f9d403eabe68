import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingOverlay } from './overlay';
import { MAX_RINGS, RingPositionCache, ringPosition, ringPositions } from './ring-position';
import { addrArb, allLinks, propertySeed, syntheticAddrs, viewArb } from './test-support/addrs';

const SEED = propertySeed('overlay', 20_261_130);
const kArb = fc.integer({ min: 1, max: 10 });

describe('ring positions', () => {
  it('are the first 53 bits of SHA-256 over the address then the ring byte', () => {
    const addr = '0123456789abcdef0123456789abcdef';
    for (const ring of [0, 1, 7, 254]) {
      const d = createHash('sha256')
        .update(Buffer.concat([Buffer.from(addr, 'utf8'), Buffer.from([ring])]))
        .digest();
      expect(ringPosition(addr, ring)).toBe(Number(d.readBigUInt64BE(0) >> 11n));
    }
  });

  it('reject a ring outside 0..254', () => {
    expect(() => ringPosition('a', MAX_RINGS)).toThrow(RangeError);
    expect(() => ringPosition('a', -1)).toThrow(RangeError);
    expect(() => ringPosition('a', 1.5)).toThrow(RangeError);
  });
});

describe('RingOverlay', () => {
  it('gives every member exactly K subjects and K observers once it holds two members', () => {
    fc.assert(
      fc.property(viewArb(2, 40), kArb, (view, k) => {
        const o = new RingOverlay(view, { rings: k });
        for (const a of view) {
          const { subjects, observers } = o.neighbours(a);
          expect(subjects).toHaveLength(k);
          expect(observers).toHaveLength(k);
          expect(subjects).not.toContain(a);
          expect(observers).not.toContain(a);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('makes B the subject of A on a ring exactly when A is the observer of B on it', () => {
    fc.assert(
      fc.property(viewArb(2, 40), kArb, (view, k) => {
        const o = new RingOverlay(view, { rings: k });
        const watched = new Map(view.map((a) => [a, o.neighbours(a)]));
        for (const [a, { subjects }] of watched) {
          subjects.forEach((b, r) => {
            expect(watched.get(b)!.observers[r]).toBe(a);
          });
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('computes symmetric links, at most 2K of them, never to oneself', () => {
    fc.assert(
      fc.property(viewArb(1, 60), kArb, (view, k) => {
        const o = new RingOverlay(view, { rings: k });
        const links = allLinks(o);
        for (const [a, mine] of Object.entries(links)) {
          expect(mine).not.toContain(a);
          expect(new Set(mine).size).toBe(mine.length);
          expect(mine.length).toBeLessThanOrEqual(Math.max(2 * k, o.meshUpTo - 1));
          for (const b of mine) expect(links[b]).toContain(a);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('links every member to every other up to K+1 members, and to its ring neighbours past that', () => {
    const k = 4;
    const view = syntheticAddrs(k + 2);
    const mesh = new RingOverlay(view.slice(0, k + 1), { rings: k });
    expect(mesh.isMesh).toBe(true);
    for (const a of mesh.members()) expect(mesh.links(a)).toHaveLength(k);
    const rings = new RingOverlay(view, { rings: k });
    expect(rings.isMesh).toBe(false);
    for (const a of view) {
      const { subjects, observers } = rings.neighbours(a);
      expect(rings.links(a)).toEqual([...new Set([...subjects, ...observers])].sort());
    }
  });

  it('changes the links of at most 2K members on a join or a leave, all of them reported', () => {
    fc.assert(
      fc.property(viewArb(2, 50), addrArb, kArb, (view, joiner, k) => {
        fc.pre(!view.includes(joiner));
        const o = new RingOverlay(view, { rings: k });
        const before = allLinks(o);
        const touchedByJoin = o.add(joiner);
        const after = allLinks(o);
        const changed = view.filter((a) => JSON.stringify(before[a]) !== JSON.stringify(after[a]));
        expect(changed.length).toBeLessThanOrEqual(Math.max(2 * k, o.meshUpTo));
        for (const a of changed) expect(touchedByJoin).toContain(a);

        const touchedByLeave = o.remove(joiner);
        expect(allLinks(o)).toEqual(before);
        for (const a of changed) expect(touchedByLeave).toContain(a);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('ends where a fresh overlay over the same view starts, whatever the joins and leaves', () => {
    const opArb = fc.record({ addr: fc.integer({ min: 0, max: 29 }), join: fc.boolean() });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (ops, k) => {
        const pool = syntheticAddrs(30, `ops-${k}`);
        const o = new RingOverlay([], { rings: k });
        const view = new Set<string>();
        for (const { addr, join } of ops) {
          const a = pool[addr]!;
          if (join) {
            o.add(a);
            view.add(a);
          } else {
            o.remove(a);
            view.delete(a);
          }
        }
        const fresh = new RingOverlay([...view].reverse(), { rings: k });
        expect(o.members()).toEqual(fresh.members());
        for (let r = 0; r < k; r++) expect(o.ringOrder(r)).toEqual(fresh.ringOrder(r));
        expect(allLinks(o)).toEqual(allLinks(fresh));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('syncs to a new view and reports every member whose links changed', () => {
    fc.assert(
      fc.property(viewArb(0, 30), viewArb(0, 30), (a, b) => {
        const o = new RingOverlay(a, { rings: 3 });
        const before = allLinks(o);
        const touched = o.sync(b);
        const fresh = new RingOverlay(b, { rings: 3 });
        expect(allLinks(o)).toEqual(allLinks(fresh));
        for (const m of o.members()) {
          if (JSON.stringify(before[m]) !== JSON.stringify(o.links(m))) expect(touched).toContain(m);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('ignores a join of a member already in the view and a leave of one not in it', () => {
    const [a, b, c] = syntheticAddrs(3);
    const o = new RingOverlay([a!, b!]);
    expect(o.add(a!)).toEqual([]);
    expect(o.remove(c!)).toEqual([]);
    expect(o.size).toBe(2);
  });

  it('has no neighbours for a member alone, and refuses to answer for a stranger', () => {
    const [a, b] = syntheticAddrs(2);
    const o = new RingOverlay([a!]);
    expect(o.neighbours(a!)).toEqual({ subjects: [], observers: [] });
    expect(o.links(a!)).toEqual([]);
    expect(() => o.links(b!)).toThrow(RangeError);
    expect(() => o.neighbours(b!)).toThrow(RangeError);
  });

  it('shares one position cache between overlays, hashing each address once', () => {
    const view = syntheticAddrs(50);
    const positions = new RingPositionCache(4);
    const a = new RingOverlay(view.slice(0, 30), { positions });
    const b = new RingOverlay(view.slice(20), { positions });
    expect(a.rings).toBe(4);
    expect(positions.size).toBe(50);
    expect(b.positionsOf(view[25]!)).toEqual(ringPositions(view[25]!, 4));
    expect(allLinks(b)).toEqual(allLinks(new RingOverlay(view.slice(20), { rings: 4 })));
    positions.forget(view[0]!);
    expect(positions.size).toBe(49);
    expect(() => new RingOverlay([], { rings: 8, positions })).toThrow(RangeError);
  });

  it('rejects a bad ring count or mesh size', () => {
    expect(() => new RingOverlay([], { rings: 0 })).toThrow(RangeError);
    expect(() => new RingOverlay([], { rings: 256 })).toThrow(RangeError);
    expect(() => new RingOverlay([], { meshUpTo: -1 })).toThrow(RangeError);
  });
});
