import { describe, expect, it } from 'vitest';
import { NetworkModel } from './network';
import { testRng } from './test-support/fake-node';

describe('NetworkModel', () => {
  it('loses about the configured share of packets and delays the rest within base + jitter', () => {
    const seed = 3;
    console.log(`network seed ${seed}`);
    const net = new NetworkModel(testRng(seed), { loss: 0.25, delayMs: 10, jitterMs: 5 });
    let lost = 0;
    for (let i = 0; i < 10_000; i++) {
      const d = net.transit(0, 1);
      if (d < 0) lost++;
      else {
        expect(d).toBeGreaterThanOrEqual(10);
        expect(d).toBeLessThan(15);
      }
    }
    expect(lost / 10_000).toBeGreaterThan(0.23);
    expect(lost / 10_000).toBeLessThan(0.27);
    expect(net.lost).toBe(lost);
  });

  it('cuts a one-way partition in one direction only, and heals it', () => {
    const net = new NetworkModel(testRng(1), { loss: 0, delayMs: 1, jitterMs: 0 });
    const p = net.partition([0, 1], [2, 3], { oneWay: true });
    expect(net.transit(0, 2)).toBe(-1);
    expect(net.transit(3, 1)).toBe(1);
    expect(net.transit(0, 1)).toBe(1);
    net.heal(p);
    expect(net.transit(0, 2)).toBe(1);
  });

  it('cuts a two-way partition both ways, and heals both directions together', () => {
    const net = new NetworkModel(testRng(1), { loss: 0, delayMs: 1, jitterMs: 0 });
    const p = net.partition([0], [1]);
    expect([net.transit(0, 1), net.transit(1, 0)]).toEqual([-1, -1]);
    net.heal(p);
    expect([net.transit(0, 1), net.transit(1, 0)]).toEqual([1, 1]);
  });

  it('applies a per-link override in one direction until it is cleared', () => {
    const net = new NetworkModel(testRng(1), { loss: 0, delayMs: 1, jitterMs: 0 });
    net.setLink(0, 1, { loss: 1, delayMs: 1, jitterMs: 0 });
    expect([net.transit(0, 1), net.transit(1, 0)]).toEqual([-1, 1]);
    net.clearLink(0, 1);
    expect(net.transit(0, 1)).toBe(1);
  });

  it('refuses bad link parameters', () => {
    expect(() => new NetworkModel(testRng(1), { loss: 1.5, delayMs: 1, jitterMs: 0 })).toThrow(/loss/);
    const net = new NetworkModel(testRng(1));
    expect(() => net.setLink(0, 1, { loss: 0, delayMs: -1, jitterMs: 0 })).toThrow(/delayMs/);
  });
});
