import { describe, expect, it } from 'vitest';
import { bucketRange, feedKey } from './feed-page';
import { seededRng } from './seeded-rng';
import { digestBits, itemsDigest, MAX_DIGEST_BITS, ViewDigest } from './view-digest';

const SEED = Number(process.env.SEED ?? 20_261_201);
console.log(`view-digest: seed ${SEED} (replay with SEED=${SEED})`);

function addrs(n: number, salt: number): string[] {
  const rng = seededRng(SEED ^ salt);
  return Array.from({ length: n }, () =>
    Array.from({ length: 4 }, () =>
      Math.floor(rng.next() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join(''),
  );
}

function digestOf(members: readonly string[]): ViewDigest {
  const d = new ViewDigest();
  for (const a of members) d.toggle(a, true);
  return d;
}

describe('the view digest', () => {
  it('two members holding the same view, each with itself in it, agree on the total and every bucket', () => {
    const all = addrs(300, 1);
    const [x, y] = [all[0]!, all[1]!];
    const atX = digestOf(all.filter((a) => a !== x).reverse());
    const atY = digestOf(all.filter((a) => a !== y));
    expect(atX.total(x)).toBe(atY.total(y));
    for (let bits = 0; bits <= MAX_DIGEST_BITS; bits++) {
      expect(atX.buckets(bits, x, bits * 7)).toEqual(atY.buckets(bits, y, bits * 7));
    }
  });

  it('a member missing from one view changes the total and exactly the bucket that holds its key', () => {
    const all = addrs(500, 2);
    const me = all[0]!;
    const missing = all[7]!;
    const full = digestOf(all.slice(1));
    const short = digestOf(all.slice(1).filter((a) => a !== missing));
    expect(short.total(me)).not.toBe(full.total(me));
    const bits = 5;
    const a = full.buckets(bits, me, 1);
    const b = short.buckets(bits, me, 1);
    const differing = [...a.keys()].filter((i) => a[i] !== b[i]);
    // One in 256 the byte of a bucket agrees by chance; not with this seed.
    expect(differing).toHaveLength(1);
    const { lo, hi } = bucketRange(bits, differing[0]!);
    const key = feedKey(missing);
    expect(key >= lo && key <= hi).toBe(true);
  });

  it('no member is invisible to the buckets: over salts, a difference is missed about 1 time in 256', () => {
    const all = addrs(400, 4);
    const me = all[0]!;
    const full = digestOf(all.slice(1));
    let missedTotal = 0;
    for (const missing of all.slice(1, 41)) {
      const short = digestOf(all.slice(1).filter((a) => a !== missing));
      let missed = 0;
      for (let salt = 0; salt < 64; salt++) {
        const a = full.buckets(3, me, salt);
        const b = short.buckets(3, me, salt);
        if (a.every((v, i) => v === b[i])) missed++;
      }
      // With one salt a member can be missed; never with most of them.
      expect(missed).toBeLessThan(8);
      missedTotal += missed;
    }
    expect(missedTotal / (40 * 64)).toBeLessThan(0.02);
  });

  it('removing a member undoes adding it', () => {
    const all = addrs(50, 3);
    const d = digestOf(all);
    const before = d.total('self');
    d.toggle('extra', true);
    d.toggle('extra', false);
    expect(d.total('self')).toBe(before);
    expect(d.size).toBe(50);
  });

  it('the buckets cut the whole key space: every feed key falls in exactly one', () => {
    for (let bits = 0; bits <= MAX_DIGEST_BITS; bits++) {
      let next = 1;
      for (let i = 0; i < 1 << bits; i++) {
        const { lo, hi } = bucketRange(bits, i);
        expect(lo).toBe(next);
        next = hi + 1;
      }
      expect(next).toBe(0x10000);
    }
  });

  it('views are cut into buckets of about 32 members, at most 256 buckets', () => {
    expect(digestBits(1)).toBe(0);
    expect(digestBits(32)).toBe(0);
    expect(digestBits(100)).toBe(2);
    expect(digestBits(1000)).toBe(5);
    expect(digestBits(100_000)).toBe(MAX_DIGEST_BITS);
  });

  it('an items digest is order-free and tells apart stores that differ by one byte, one item or a split', () => {
    const item = (...bytes: number[]) => ({ data: new Uint8Array(bytes) });
    const store = [item(1, 2, 3), item(4, 5), item(6)];
    expect(itemsDigest(store)).toBe(itemsDigest([...store].reverse()));
    expect(itemsDigest([])).toBe(0);
    expect(itemsDigest(store)).not.toBe(itemsDigest([item(1, 2, 3), item(4, 5), item(7)]));
    expect(itemsDigest(store)).not.toBe(itemsDigest(store.slice(1)));
    // The same bytes cut into other items.
    expect(itemsDigest([item(1, 2), item(3)])).not.toBe(itemsDigest([item(1), item(2, 3)]));
  });
});
