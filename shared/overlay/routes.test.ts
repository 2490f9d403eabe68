import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingOverlay } from './overlay';
import { route } from './routes';
import { propertySeed, syntheticAddrs, viewArb } from './test-support/addrs';

const SEED = propertySeed('routes', 20_261_131);

/** Hop counts from `from` to everyone, by a plain breadth-first search over `links`. */
function distancesFrom(o: RingOverlay, from: string): Map<string, number> {
  const dist = new Map([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i]!;
    for (const y of o.links(x)) {
      if (dist.has(y)) continue;
      dist.set(y, dist.get(x)! + 1);
      queue.push(y);
    }
  }
  return dist;
}

describe('route', () => {
  it('is a shortest path of links, and its next hops are every link one hop closer', () => {
    fc.assert(
      fc.property(viewArb(2, 80), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.nat(), (view, k, i, j) => {
        const o = new RingOverlay(view, { rings: k });
        const from = view[i % view.length]!;
        const to = view[j % view.length]!;
        const r = route(o, from, to)!;
        const toTo = distancesFrom(o, to);
        expect(r.path[0]).toBe(from);
        expect(r.path.at(-1)).toBe(to);
        expect(r.path.length - 1).toBe(toTo.get(from));
        for (let h = 1; h < r.path.length; h++) expect(o.links(r.path[h - 1]!)).toContain(r.path[h]);
        const closer = o.links(from).filter((n) => toTo.get(n) === toTo.get(from)! - 1);
        expect(r.nextHops).toEqual(from === to ? [] : closer.sort());
        if (from !== to) expect(r.nextHops).toContain(r.path[1]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('agrees with a plain breadth-first search in a large view', () => {
    const view = syntheticAddrs(3000, 'large');
    const o = new RingOverlay(view);
    for (let i = 0; i < 20; i++) {
      const from = view[i * 97]!;
      const to = view[i * 89 + 1]!;
      const toTo = distancesFrom(o, to);
      const r = route(o, from, to)!;
      expect(r.path.length - 1).toBe(toTo.get(from));
      expect(r.nextHops).toEqual(o.links(from).filter((n) => toTo.get(n) === toTo.get(from)! - 1));
    }
  });

  it('goes straight to a linked member and nowhere for oneself', () => {
    const view = syntheticAddrs(40);
    const o = new RingOverlay(view);
    const a = view[0]!;
    const b = o.links(a)[0]!;
    expect(route(o, a, b)).toEqual({ path: [a, b], nextHops: [b] });
    expect(route(o, a, a)).toEqual({ path: [a], nextHops: [] });
  });

  it('has no route to or from a member outside the view', () => {
    const [a, b, stranger] = syntheticAddrs(3);
    const o = new RingOverlay([a!, b!]);
    expect(route(o, a!, stranger!)).toBeUndefined();
    expect(route(o, stranger!, a!)).toBeUndefined();
  });
});
