/**
 * Issue 11's table, the rows a hostile member plays with SWIM packets and app frames of its own,
 * against rooms on the in-memory mesh (virtual time). Mallory is a member like any other: its packets
 * carry its own src on its own links (the mesh drops anything else). Each test asserts what the
 * honest members see.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserIdentity, type Member, seededRng } from '../../shared/swim/index';
import { encodeMetadataItem } from './metadata';
import type { Room } from './room';
import { TestCluster } from './test-support/cluster';
import { gossip, json, until, untilFormed } from './test-support/forge';

/**
 * Honest A, B and V and Mallory, all seeing each other, in a room that opted out of signed statements
 * (protocol 1.2): what the bounds and the accusation rule hold on their own. The default, signed room
 * meets the same rows in room-statements.attack.test.ts.
 */
async function room(c: TestCluster, limits?: { maxMembers?: number }) {
  const unsigned = { signedStatements: false };
  const a = c.join('bounds', { name: 'A' }, limits === undefined ? unsigned : { ...unsigned, limits });
  const b = c.join('bounds', { name: 'B' }, unsigned);
  const v = c.join('bounds', { name: 'V' }, unsigned);
  const m = c.join('bounds', { name: 'Mallory' }, unsigned);
  // Metadata reaches everyone (directly on member-up).
  await untilFormed([a, b, v, m]);
  return { a, b, v, m };
}

describe('attacks on a room (in memory)', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    });
  });
  afterEach(() => vi.useRealTimers());

  it('one forged gossip {V, down}: nobody drops V (it renames once), and V stays connected', async () => {
    const c = new TestCluster(11);
    const { a, b, v, m } = await room(c);
    const vId = v.room.self.id;
    const vGeneration = v.room.self.generation;
    const down: Member<BrowserIdentity> = {
      id: BrowserIdentity.fromHex(vId, vGeneration),
      incarnation: 0,
      state: 'down',
    };
    expect(c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, [down]))).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    for (const honest of [a, b]) {
      expect(honest.seen.leaves.map((x) => x.id)).not.toContain(vId);
      expect(honest.room.members().find((x) => x.id === vId)).toMatchObject({
        state: 'alive',
        generation: vGeneration + 1,
      });
    }
    expect(v.room.self.generation).toBe(vGeneration + 1);
    expect(v.room.status).toBe('connected');
    expect(a.room.stats().bounds.downsAccused).toBe(1);
  });

  it('a custom-broadcast item for V with version 0xFFFFFFFF: V is shown with its own metadata, and its updates get through', async () => {
    const c = new TestCluster(12);
    const { a, b, v, m } = await room(c);
    const vId = v.room.self.id;
    const forged = encodeMetadataItem(
      BrowserIdentity.fromHex(vId, v.room.self.generation),
      0xffffffff,
      json({ name: 'Mallory', admin: true }),
    );
    for (const target of [a, b]) {
      c.meshOf(m.room).sendSwim(target.room.self.id, gossip(m.room, target.room, [], [forged]));
    }
    v.room.setMetadata({ name: 'V2' });
    const shows = (r: Room) => r.members().find((x) => x.id === vId)?.metadata;
    await until(
      () => [a, b].every(({ room }) => (shows(room) as { name?: string } | undefined)?.name === 'V2'),
      "V's own update shown by A and B",
    );
    await vi.advanceTimersByTimeAsync(5_000);
    for (const honest of [a, b]) expect(shows(honest.room)).toEqual({ name: 'V2' });
    expect(v.room.self.metadata).toEqual({ name: 'V2' });
  });

  it('packets of 42 metadata items for new addrs, repeated: nothing is shown or passed on, the store stays bounded', async () => {
    const c = new TestCluster(13);
    const { a, m } = await room(c);
    const rng = seededRng(13);
    const before = a.room.members().length;
    let sent = 0;
    for (let p = 0; p < 200; p++) {
      const items: Uint8Array[] = [];
      for (let k = 0; k < 42; k++) items.push(encodeMetadataItem(BrowserIdentity.random(rng), 1, json({})));
      if (c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, [], items))) sent++;
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(sent).toBe(200);
    await vi.advanceTimersByTimeAsync(2_000);
    const stats = a.room.stats();
    expect(a.room.members().length).toBe(before);
    // Items for members the core doesn't hold wait in a bounded store and are not disseminated.
    expect(stats.bounds.metadataPendingDropped).toBe(200 * 42 - 256);
    expect(stats.customBroadcastBacklog).toBeLessThan(4);
  });

  it('5,500 random alive members in 110 gossip packets: at most maxMembers joins, the rest refused and counted', async () => {
    const c = new TestCluster(14);
    const maxMembers = 64;
    const { a, m } = await room(c, { maxMembers });
    const rng = seededRng(14);
    const joinsBefore = a.seen.joins.length;
    for (let p = 0; p < 110; p++) {
      const fakes: Member<BrowserIdentity>[] = [];
      for (let k = 0; k < 50; k++)
        fakes.push({ id: BrowserIdentity.random(rng), incarnation: 0, state: 'alive' });
      c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, fakes));
      await vi.advanceTimersByTimeAsync(5);
    }
    const joins = a.seen.joins.length - joinsBefore;
    const stats = a.room.stats();
    expect(stats.membersHeld).toBeLessThanOrEqual(maxMembers);
    expect(joins).toBeLessThanOrEqual(maxMembers - 3);
    expect(stats.bounds.membersRefused).toBeGreaterThanOrEqual(5_500 - maxMembers);
  });

  it('app messages: one link is held to its rate and size; other links are not affected', async () => {
    const c = new TestCluster(15);
    const { a, b, m } = await room(c);
    for (let k = 0; k < 1_000; k++) m.room.send(a.room.self.id, { k });
    b.room.send(a.room.self.id, 'hello');
    m.room.send(a.room.self.id, 'x'.repeat(2_000));
    await vi.advanceTimersByTimeAsync(50);
    const fromMallory = a.seen.messages.filter((x) => x.from === m.room.self.id).length;
    const stats = a.room.stats().bounds;
    // The default bucket: a burst of 200, then 100 a second.
    expect(fromMallory).toBeGreaterThanOrEqual(200);
    expect(fromMallory).toBeLessThanOrEqual(210);
    expect(stats.appRateLimited).toBeGreaterThanOrEqual(790);
    expect(a.seen.messages.some((x) => x.from === b.room.self.id && x.data === 'hello')).toBe(true);
  });
});
