import { describe, expect, it } from 'vitest';
import { randomInt, seededRng, shuffle } from './seeded-rng';

function take(seed: number, n: number): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe('seededRng', () => {
  it('gives_the_same_sequence_for_the_same_seed', () => {
    expect(take(42, 100)).toEqual(take(42, 100));
  });

  it('gives_different_sequences_for_neighbouring_seeds', () => {
    const a = take(1, 20);
    const b = take(2, 20);
    expect(a.filter((x, i) => x === b[i]).length).toBe(0);
  });

  it('stays_in_zero_to_one_excluding_one', () => {
    for (const x of take(7, 10_000)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('is_roughly_uniform_over_ten_buckets', () => {
    const n = 100_000;
    const buckets = new Array<number>(10).fill(0);
    for (const x of take(12_345, n)) buckets[Math.floor(x * 10)]!++;
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1% critical value; a fixed seed makes it stable.
    const expected = n / 10;
    const chi2 = buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9);
  });
});

describe('randomInt', () => {
  it('covers_every_value_below_n_and_nothing_else', () => {
    const rng = seededRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomInt(rng, 7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses_a_non_positive_or_fractional_bound', () => {
    const rng = seededRng(3);
    expect(() => randomInt(rng, 0)).toThrow(RangeError);
    expect(() => randomInt(rng, 2.5)).toThrow(RangeError);
  });

  it('stays_below_n_even_when_the_rng_returns_one', () => {
    expect(randomInt({ next: () => 1 }, 5)).toBe(4);
  });
});

describe('shuffle', () => {
  it('permutes_in_place_keeping_every_element', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffle(seededRng(9), a);
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('is_deterministic_per_seed', () => {
    const mk = () => Array.from({ length: 20 }, (_, i) => i);
    expect(shuffle(seededRng(5), mk())).toEqual(shuffle(seededRng(5), mk()));
  });

  it('puts_each_element_first_about_equally_often', () => {
    const rng = seededRng(77);
    const firsts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) firsts[shuffle(rng, [0, 1, 2, 3])[0]!]!++;
    for (const c of firsts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});
