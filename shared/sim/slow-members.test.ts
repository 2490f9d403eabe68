import { describe, expect, it } from 'vitest';
import { runSlowMembers } from './slow-members';

describe('slow members (stalls, hidden timers, a starved CPU)', () => {
  it('with Lifeguard, slow members accuse less and are declared Down far less often', () => {
    const seed = 2;
    console.log(`slow-members seed ${seed}`);
    const base = { size: 60, seed, slowShare: 0.2, durationMs: 180_000, crashes: 2 } as const;
    const without = runSlowMembers({ ...base, lifeguard: false });
    const withLg = runSlowMembers({ ...base, lifeguard: true });
    console.log(
      `[sim] false Downs without / with Lifeguard: ${without.falseDownsOfSlow} / ${withLg.falseDownsOfSlow}, rejoins ${without.rejoins} / ${withLg.rejoins}`,
    );
    // Healthy members are never condemned either way (the checks see to that); slow ones far less.
    expect(withLg.falseDownsOfHealthy + without.falseDownsOfHealthy).toBe(0);
    expect(withLg.falseDownsOfSlow * 4).toBeLessThan(without.falseDownsOfSlow);
    expect(withLg.rejoins).toBeLessThan(without.rejoins);
    expect(withLg.falseSuspicionsBySlow).toBeLessThan(without.falseSuspicionsBySlow);
    expect(withLg.meanSlowHealth).toBeGreaterThan(0);
    expect(without.meanSlowHealth).toBe(0);
    // Detection of a healthy member's crash is not slower for it.
    expect(withLg.crashesDetected).toBe(withLg.crashes);
    expect(withLg.detectionSeconds!).toBeLessThanOrEqual(without.detectionSeconds! + 1);
  });
});
