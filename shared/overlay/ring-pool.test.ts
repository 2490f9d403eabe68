import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingOverlay } from './overlay';
import { RingPool, ViewFingerprint } from './ring-pool';
import { RingPositionCache } from './ring-position';
import { allLinks, propertySeed, syntheticAddrs } from './test-support/addrs';

const SEED = propertySeed('ring-pool', 20_261_201);

/** A holder of one view, as OverlayTopology holds it: a key, its overlay, changes not applied yet. */
class Holder {
  readonly fp = new ViewFingerprint();
  readonly view = new Set<string>();
  key: string | undefined;
  overlay: RingOverlay | undefined;
  readonly pending = new Map<string, boolean>();

  constructor(private readonly pool: RingPool) {}

  toggle(addr: string): void {
    const joined = !this.view.has(addr);
    if (joined) this.view.add(addr);
    else this.view.delete(addr);
    this.fp.toggle(this.pool.positions.positionsOf(addr), joined);
    if (this.pending.get(addr) === !joined) this.pending.delete(addr);
    else this.pending.set(addr, joined);
  }

  read(): RingOverlay {
    const key = this.fp.key;
    this.overlay = this.pool.move(this.key, this.overlay, key, this.pending);
    this.key = key;
    this.pending.clear();
    return this.overlay;
  }
}

describe('ViewFingerprint', () => {
  it('is the same for the same view reached in any order, and differs when a member differs', () => {
    const cache = new RingPositionCache(8);
    const view = syntheticAddrs(50, 'fp');
    const a = new ViewFingerprint();
    const b = new ViewFingerprint();
    for (const x of view) a.toggle(cache.positionsOf(x), true);
    for (const x of [...view].reverse()) b.toggle(cache.positionsOf(x), true);
    expect(a.key).toBe(b.key);
    b.toggle(cache.positionsOf(view[3]!), false);
    expect(b.key).not.toBe(a.key);
    b.toggle(cache.positionsOf(view[3]!), true);
    expect(b.key).toBe(a.key);
  });
});

describe('RingPool', () => {
  it('gives holders of equal views one overlay between them, and a holder that moves its own', () => {
    const pool = new RingPool(8);
    const view = syntheticAddrs(200, 'pool');
    const holders = Array.from({ length: 5 }, () => new Holder(pool));
    for (const h of holders) for (const a of view) h.toggle(a);
    const first = holders[0]!.read();
    for (const h of holders) expect(h.read()).toBe(first);
    expect(pool.size).toBe(1);
    // One holder's view moves: it gets a copy, the others keep theirs unchanged.
    holders[0]!.toggle(view[10]!);
    const moved = holders[0]!.read();
    expect(moved).not.toBe(first);
    expect(first.has(view[10]!)).toBe(true);
    expect(moved.has(view[10]!)).toBe(false);
    expect(pool.size).toBe(2);
    // A second holder reaching the same view shares the copy.
    holders[1]!.toggle(view[10]!);
    expect(holders[1]!.read()).toBe(moved);
    // A holder alone with its overlay changes it in place.
    for (const h of holders.slice(2)) h.toggle(view[10]!);
    for (const h of holders.slice(2)) h.read();
    expect(pool.size).toBe(1);
    const inPlace = pool.inPlace;
    const solo = new Holder(new RingPool(8));
    for (const a of view) solo.toggle(a);
    const own = solo.read();
    solo.toggle('late');
    expect(solo.read()).toBe(own);
    expect(own.has('late')).toBe(true);
    expect(pool.inPlace).toBe(inPlace);
  });

  it('answers every holder exactly as a fresh overlay over its own view, whatever each one does', () => {
    const universe = syntheticAddrs(120, 'pool-prop');
    const step = fc.record({
      holder: fc.integer({ min: 0, max: 3 }),
      addrs: fc.array(fc.integer({ min: 0, max: universe.length - 1 }), { minLength: 1, maxLength: 12 }),
      read: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const pool = new RingPool(4);
        const holders = Array.from({ length: 4 }, () => new Holder(pool));
        // Every holder starts with the same 60 members.
        for (const h of holders) for (const a of universe.slice(0, 60)) h.toggle(a);
        for (const s of steps) {
          const h = holders[s.holder]!;
          for (const i of s.addrs) h.toggle(universe[i]!);
          if (s.read) h.read();
        }
        for (const h of holders) {
          const fresh = new RingOverlay(h.view, { rings: 4 });
          const got = h.read();
          expect(got.members()).toEqual(fresh.members());
          expect(allLinks(got)).toEqual(allLinks(fresh));
        }
        // Nothing held by nobody is kept.
        expect(pool.size).toBeLessThanOrEqual(holders.length);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
