import { describe, expect, it } from 'vitest';
import { BoundedSet } from './bounded-set';

describe('BoundedSet', () => {
  it('reports whether an item was new, and forgets the least recently added past capacity', () => {
    const set = new BoundedSet<string>(2);
    expect(set.add('a')).toBe(true);
    expect(set.add('b')).toBe(true);
    expect(set.add('a')).toBe(false); // refreshes 'a'
    expect(set.add('c')).toBe(true); // evicts 'b'
    expect(set.has('a')).toBe(true);
    expect(set.has('b')).toBe(false);
    expect(set.has('c')).toBe(true);
    expect(set.size).toBe(2);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new BoundedSet(0)).toThrow(RangeError);
    expect(() => new BoundedSet(1.5)).toThrow(RangeError);
  });
});
