import { describe, expect, it } from 'vitest';
import { runScenario } from './run-scenario';
import { scenarioSeed } from './test-support/seed';

describe('runScenario', () => {
  it('measures a cold start, two crashes and their broadcasts, and gives the same report for the same seed', () => {
    const seed = scenarioSeed('runScenario', 51);
    const init = {
      size: 20,
      seed,
      coldStartCapMs: 30_000,
      crashes: 2,
      steadyMs: 10_000,
      throttledShare: 0.25,
    };
    const report = runScenario(init);
    console.log(`[sim] ${JSON.stringify(report)}`);
    expect(report.allSeeAllSeconds).not.toBeNull();
    expect(report.crashesDetected).toBe(2);
    expect(report.firstDetectionPeriods).toBeGreaterThan(0);
    expect(report.detectionSeconds).toBeGreaterThan(report.firstDetectionPeriods!);
    expect(report.disseminationSeconds).not.toBeNull();
    expect(report.falseDowns).toBe(0);
    expect(report.packetsPerMemberSecond).toBeGreaterThan(0);
    expect(runScenario(init)).toEqual(report);
  });
});
