import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleDistinct } from './room-directory';
import { seededRandom } from './test-support';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
console.log(`sampleDistinct properties: seed=${seed} (replay with SEED=${seed})`);

describe('sampleDistinct', () => {
  it('returns min(k, n) distinct items of the input, leaving the input untouched', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer(), { maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer(),
        (items, k, rngSeed) => {
          const copy = [...items];
          const picked = sampleDistinct(items, k, seededRandom(rngSeed));
          expect(picked).toHaveLength(Math.min(k, items.length));
          expect(new Set(picked).size).toBe(picked.length);
          for (const p of picked) expect(items).toContain(p);
          expect(items).toEqual(copy);
        },
      ),
      { seed, numRuns: 500 },
    );
  });

  it('reaches every item: over many draws of 4 from 100, each is picked at least once', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const random = seededRandom(seed);
    const seen = new Set<number>();
    for (let draw = 0; draw < 500; draw++) for (const p of sampleDistinct(items, 4, random)) seen.add(p);
    expect(seen.size).toBe(100);
  });
});
