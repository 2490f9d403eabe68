import { describe, expect, it } from 'vitest';
import { browser, LONG_TASK_SUSPICION_MS, lan, simple, validateConfig, wan } from './config';
import { InvalidConfigError } from './errors';

describe('config presets', () => {
  it('simple() has foca numbers', () => {
    const c = simple();
    expect([
      c.probePeriodMs,
      c.probeRttMs,
      c.numIndirectProbes,
      c.maxTransmissions,
      c.suspectToDownAfterMs,
    ]).toEqual([1500, 500, 3, 10, 3000]);
    expect(c.removeDownAfterMs).toBe(24 * 3600 * 1000);
    expect(c.maxPacketSize).toBe(1200);
  });

  it('lan(n) scales transmissions and suspicion with log10 of the cluster size', () => {
    expect(lan(10).maxTransmissions).toBe(4);
    expect(lan(100).maxTransmissions).toBe(8);
    expect(lan(1000).maxTransmissions).toBe(12);
    expect(lan(10).suspectToDownAfterMs).toBe(4000);
    expect(lan(100).suspectToDownAfterMs).toBe(8000);
    expect(lan(1).suspectToDownAfterMs).toBe(4000);
    expect(lan(100).periodicGossip).toEqual({ frequencyMs: 200, numMembers: 3 });
    expect(lan(100).periodicAnnounceToDownMembers).toEqual({ frequencyMs: 65_000, numMembers: 2 });
  });

  it('wan(n) probes slower and suspects longer', () => {
    const c = wan(100);
    expect([c.probePeriodMs, c.probeRttMs, c.suspectToDownAfterMs]).toEqual([5000, 3000, 60_000]);
    expect(c.periodicGossip).toEqual({ frequencyMs: 500, numMembers: 4 });
  });

  it('transmissions stay within 1..255 at the extremes', () => {
    expect(lan(0).maxTransmissions).toBe(1);
    expect(lan(1e80).maxTransmissions).toBe(255);
  });

  it('validateConfig refuses a round-trip time as long as the period', () => {
    expect(() => validateConfig({ ...simple(), probeRttMs: 1500 })).toThrow(InvalidConfigError);
    expect(() => validateConfig({ ...simple(), maxTransmissions: 0 })).toThrow(/maxTransmissions/);
    expect(() => validateConfig(lan(100))).not.toThrow();
  });

  it('browser(n) is valid for every room size and leaves a probe half its period for the indirect round', () => {
    for (const n of [1, 2, 5, 16, 100, 1000, 10_000]) expect(() => validateConfig(browser(n))).not.toThrow();
    const c = browser(16);
    expect(c.probeRttMs * 2).toBeLessThanOrEqual(c.probePeriodMs);
    expect(c.notifyDownMembers).toBe(true);
    expect(c.periodicGossip).toBeDefined();
  });

  it('browser(n) suspects for longer and retransmits more as the room grows, at least 4 times', () => {
    expect(browser(1000).suspectToDownAfterMs).toBeGreaterThan(browser(16).suspectToDownAfterMs);
    expect(browser(16).suspectToDownAfterMs).toBeGreaterThanOrEqual(browser(4).suspectToDownAfterMs);
    expect(browser(1000).maxTransmissions).toBeGreaterThan(browser(16).maxTransmissions);
    expect(browser(2).maxTransmissions).toBe(4);
  });

  it('browser(n) never suspects for less than a long task needs, at any size', () => {
    for (const n of [1, 2, 8, 16, 56, 100, 1000]) {
      expect(browser(n).suspectToDownAfterMs).toBeGreaterThanOrEqual(LONG_TASK_SUSPICION_MS);
    }
  });
});
