import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graphStats, linkChangesOnJoin, linkChangesOnLeave } from './graph-stats';
import { RingOverlay } from './overlay';
import { addrArb, allLinks, propertySeed, syntheticAddrs, viewArb } from './test-support/addrs';

const SEED = propertySeed('graph-stats', 20_261_132);

describe('graphStats', () => {
  it('sees a full mesh as one hop between any two members', () => {
    const s = graphStats(new RingOverlay(syntheticAddrs(5), { rings: 4 }));
    expect(s).toEqual({
      members: 5,
      linksPerMemberMin: 4,
      linksPerMemberMax: 4,
      linksPerMemberMean: 4,
      diameter: 1,
      meanHops: 1,
      sources: 5,
    });
  });

  it('sees one ring of ten as a cycle', () => {
    const s = graphStats(new RingOverlay(syntheticAddrs(10), { rings: 1, meshUpTo: 0 }));
    expect(s.linksPerMemberMax).toBe(2);
    expect(s.diameter).toBe(5);
    expect(s.meanHops).toBeCloseTo(25 / 9);
  });

  it('samples sources evenly when asked for fewer', () => {
    const o = new RingOverlay(syntheticAddrs(300));
    const all = graphStats(o);
    const some = graphStats(o, { sources: 30 });
    expect(some.sources).toBe(30);
    expect(some.diameter).toBeLessThanOrEqual(all.diameter);
    expect(Math.abs(some.meanHops - all.meanHops)).toBeLessThan(0.2);
  });

  it('counts nothing in an empty view', () => {
    expect(graphStats(new RingOverlay())).toMatchObject({ members: 0, linksPerMemberMean: 0, meanHops: 0 });
  });
});

describe('link changes', () => {
  it('name exactly the members whose links differ, and leave the overlay as it was', () => {
    fc.assert(
      fc.property(viewArb(1, 40), addrArb, fc.integer({ min: 1, max: 6 }), (view, joiner, k) => {
        fc.pre(!view.includes(joiner));
        const o = new RingOverlay(view, { rings: k });
        const before = allLinks(o);
        const onJoin = linkChangesOnJoin(o, joiner);
        expect(allLinks(o)).toEqual(before);
        const joined = new RingOverlay([...view, joiner], { rings: k });
        const differ = view.filter((a) => JSON.stringify(before[a]) !== JSON.stringify(joined.links(a)));
        expect(onJoin).toEqual(differ.sort());
        expect(linkChangesOnLeave(joined, joiner)).toEqual(onJoin);
        expect(joined.has(joiner)).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('refuse a join of a member already in the view and a leave of a stranger', () => {
    const [a, b] = syntheticAddrs(2);
    const o = new RingOverlay([a!]);
    expect(() => linkChangesOnJoin(o, a!)).toThrow(RangeError);
    expect(() => linkChangesOnLeave(o, b!)).toThrow(RangeError);
  });
});
