import { describe, expect, it } from 'vitest';
import { browser, seededRng } from '../swim/index';
import { Cluster, mixSeed } from './cluster';
import { scenarioSeed } from './test-support/seed';

/**
 * e2e/jank.spec.ts in the simulator, with the tabs' preset: two of five members block their event
 * loop for 200–1,500 ms every 2–5 s (packets queue and are handled on resume, as in a tab's long
 * task). Returns the Downs of running members and the longest block.
 */
function longTasks(seed: number, minutes: number) {
  const size = 5;
  const cluster = new Cluster({ size, seed, config: browser(size), downIsAccusation: true });
  const sim = cluster.sim;
  cluster.preconverge();
  const rng = seededRng(mixSeed(seed, 0x7a5c));
  const janky = [3, 4];
  let falseDowns = 0;
  let longest = 0;
  sim.onNotification((_member, n) => {
    if (n.type !== 'member-down') return;
    const about = sim.indexOf(n.id.addr);
    if (about !== undefined && sim.isAlive(about)) falseDowns++;
  });
  const end = sim.now + minutes * 60_000;
  const stall = (i: number) => {
    const ms = 200 + rng.next() * 1300;
    longest = Math.max(longest, ms);
    sim.hang(i, ms, { queueInbound: true });
    const next = ms + 2000 + rng.next() * 3000;
    if (sim.now + next < end) sim.after(next, () => stall(i));
  };
  for (const i of janky) sim.after(rng.next() * 2000, () => stall(i));
  sim.runUntil(end);
  return { falseDowns, longest };
}

describe('long tasks in the tabs (the browser preset)', () => {
  it('members whose event loop blocks for up to 1.5 s at a time are never declared Down', () => {
    const seed = scenarioSeed('long tasks', 5);
    const { falseDowns, longest } = longTasks(seed, 10);
    console.log(
      `[sim] long tasks up to ${Math.round(longest)} ms over 10 minutes: ${falseDowns} false Downs`,
    );
    expect(longest).toBeGreaterThan(1400);
    expect(falseDowns).toBe(0);
  });
});
