import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../shared/swim/config';
import { browserPreset } from './preset';

describe('browserPreset', () => {
  it('is a valid config for every room size', () => {
    for (const n of [1, 2, 5, 16, 100, 1000, 10_000])
      expect(() => validateConfig(browserPreset(n))).not.toThrow();
  });

  it('suspects for longer and retransmits more as the room grows', () => {
    expect(browserPreset(16).suspectToDownAfterMs).toBeGreaterThan(browserPreset(4).suspectToDownAfterMs);
    expect(browserPreset(1000).maxTransmissions).toBeGreaterThan(browserPreset(16).maxTransmissions);
    expect(browserPreset(2).maxTransmissions).toBeGreaterThanOrEqual(4);
  });

  it('leaves a probe half its period for the indirect round and notifies Down members', () => {
    const c = browserPreset(16);
    expect(c.probeRttMs * 2).toBeLessThanOrEqual(c.probePeriodMs);
    expect(c.notifyDownMembers).toBe(true);
    expect(c.periodicGossip).toBeDefined();
  });
});
