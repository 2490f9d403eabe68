import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestCluster } from './test-support/cluster';
import { until } from './test-support/forge';

/** A fresh seed, or SHOAL_SEED to replay a run. */
function newSeed(): number {
  const replay = process.env.SHOAL_SEED;
  const seed = replay === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(replay);
  console.log(`large room test seed=${seed} (replay: SHOAL_SEED=${seed})`);
  return seed;
}

describe('a room larger than maxConnections, on the in-memory mesh', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('14 members with maxConnections 6 converge and hold with no false leave, each within its budget; a silent one is dropped by all', async () => {
    const n = 14;
    const maxConnections = 6;
    const c = new TestCluster(newSeed());
    const tabs: ReturnType<TestCluster['join']>[] = [];
    for (let i = 0; i < n; i++) {
      tabs.push(c.join('large', { n: i }, { maxConnections }));
      await vi.advanceTimersByTimeAsync(500);
    }
    const sees = (k: number) =>
      tabs.every(({ room }) => room.members().filter((m) => m.state !== 'down').length === k);
    const formingFrom = Date.now();
    await until(() => sees(n), `all see ${n}`, 60_000, 250);
    const formedMs = Date.now() - formingFrom;
    for (const { seen } of tabs) seen.leaves.length = 0;
    // Hold: a minute of virtual time with no leave, every member within its budget.
    let linksMax = 0;
    for (let t = 0; t < 60_000; t += 1_000) {
      await vi.advanceTimersByTimeAsync(1_000);
      for (const { room } of tabs)
        linksMax = Math.max(linksMax, room.stats().mesh.open + room.stats().mesh.pending);
    }
    const falseLeaves = tabs.reduce((sum, { seen }) => sum + seen.leaves.length, 0);
    const created = tabs.map(({ room }) => room.stats().mesh.linksCreated);
    console.log('large room in memory', {
      formedMs,
      linksMax,
      falseLeaves,
      linksCreatedMax: Math.max(...created),
    });
    expect(falseLeaves).toBe(0);
    expect(linksMax).toBeLessThanOrEqual(maxConnections);
    expect(sees(n)).toBe(true);

    // A member goes silent (its tab dies): every other member drops it.
    const silent = tabs.at(-1)!;
    c.kill(silent.room);
    const rest = tabs.slice(0, -1);
    await until(
      () => rest.every(({ seen }) => seen.leaves.some((m) => m.id === silent.room.self.id)),
      'the silent member dropped by all',
      30_000,
      250,
    );
    expect(rest.every(({ seen }) => seen.leaves.length === 1)).toBe(true);
  }, 120_000);
  it('40 members joining ten at a time on 12 links: all see all with metadata, and hold with no false leave', async () => {
    // The shape of the Chromium large-room bench (pages of ten joining at once), where a joiner's
    // bootstrap peers were full of lingering links and metadata broadcasts missed members for good.
    const n = 40;
    const maxConnections = 12;
    const c = new TestCluster(newSeed());
    const tabs: ReturnType<TestCluster['join']>[] = [];
    for (let i = 0; i < n; i++) {
      tabs.push(c.join('large', { n: i }, { maxConnections }));
      if (i % 10 === 9) await vi.advanceTimersByTimeAsync(1_000);
    }
    const withMetadata = ({ room }: (typeof tabs)[number]) =>
      room.members().filter((m) => m.state !== 'down' && m.metadata !== undefined).length;
    const formingFrom = Date.now();
    await until(() => tabs.every((t) => withMetadata(t) === n), `all see ${n} with metadata`, 60_000, 500);
    const formedMs = Date.now() - formingFrom;
    for (const { seen } of tabs) seen.leaves.length = 0;
    let linksMax = 0;
    for (let t = 0; t < 30_000; t += 1_000) {
      await vi.advanceTimersByTimeAsync(1_000);
      for (const { room } of tabs) linksMax = Math.max(linksMax, room.stats().mesh.open);
    }
    const falseLeaves = tabs.reduce((sum, { seen }) => sum + seen.leaves.length, 0);
    const asked = tabs.reduce((sum, { room }) => sum + room.stats().metadataPull.membersAsked, 0);
    console.log('forty joining in tens', { formedMs, linksMax, falseLeaves, metadataAsked: asked });
    expect(falseLeaves).toBe(0);
    expect(linksMax).toBeLessThanOrEqual(maxConnections);
    expect(tabs.every((t) => withMetadata(t) === n)).toBe(true);
  }, 300_000);
});
