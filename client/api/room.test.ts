import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PausableClock } from '../runtime/test-support/pausable-clock';
import { makeJoinRoom } from './join-room';
import { MetadataError } from './metadata';
import { RoomOptionsError } from './options';
import { RELOAD_GRACE_MS } from './reload-holds';
import { RoomClosedError } from './room';
import { ids, MemoryStorage, TestCluster } from './test-support/cluster';

/** Advances the fake clock in small steps until `condition` holds (or fails after `maxMs` of virtual time). */
async function until(condition: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  for (let t = 0; t <= maxMs; t += 50) {
    if (condition()) return;
    await vi.advanceTimersByTimeAsync(50);
  }
  throw new Error(`never happened within ${maxMs} ms of virtual time: ${what}`);
}

/** A fresh seed, or SHOAL_SEED to replay a run. */
function newSeed(): number {
  const replay = process.env.SHOAL_SEED;
  const seed = replay === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(replay);
  console.log(`room test seed=${seed} (replay: SHOAL_SEED=${seed})`);
  return seed;
}

describe('Room on the in-memory mesh', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
  });

  it('five members of one room each see all five alive; another room never sees them', async () => {
    const c = new TestCluster(newSeed());
    const a = Array.from({ length: 5 }, (_, i) => c.join('alpha', { name: `a${i}` }));
    const b = Array.from({ length: 2 }, (_, i) => c.join('beta', { name: `b${i}` }));
    await until(() => a.every(({ room }) => room.members().length === 5), 'alpha converges');
    await until(() => b.every(({ room }) => room.members().length === 2), 'beta converges');
    const alphaIds = ids(a[0]!.room);
    for (const { room } of a) {
      expect(ids(room)).toEqual(alphaIds);
      expect(room.members().every((m) => m.state === 'alive')).toBe(true);
      expect(room.status).toBe('connected');
    }
    for (const { room } of b) for (const id of ids(room)) expect(alphaIds).not.toContain(id);
  });

  it('a member that leaves is gone from every other member, with a leave event', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 4 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 4), 'converges');
    const leaver = tabs[0]!.room.self.id;
    const left = tabs[0]!.room.leave();
    await vi.advanceTimersByTimeAsync(300);
    await left;
    expect(tabs[0]!.room.status).toBe('lost');
    const rest = tabs.slice(1);
    await until(() => rest.every(({ room }) => room.members().length === 3), 'leave spreads');
    for (const { seen } of rest) expect(seen.leaves.map((m) => m.id)).toContain(leaver);
    expect(() => tabs[0]!.room.setMetadata({ n: 9 })).toThrow(RoomClosedError);
  });

  it('a member that goes silent is declared down by every other member', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 4 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 4), 'converges');
    const victim = tabs[3]!.room;
    const victimId = victim.self.id;
    victim.setLoss(1); // every frame in and out dropped: a crash as the others see it
    const rest = tabs.slice(0, 3);
    await until(() => rest.every(({ room }) => !ids(room).includes(victimId)), 'crash detected');
    for (const { seen } of rest) {
      expect(seen.notifications.some((n) => n.type === 'member-down' && n.id.addr === victimId)).toBe(true);
    }
  });

  it('metadata set in one member shows in every other, and a late joiner gets it too', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 3 }, (_, i) => c.join('room', { name: `t${i}` }));
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    const writer = tabs[0]!.room;
    writer.setMetadata({ name: 'renamed', colour: 'red' });
    writer.setMetadata({ colour: 'blue' }); // throttled: the latest value wins
    const seenBy = (room: (typeof tabs)[0]['room']) =>
      room.members().find((m) => m.id === writer.self.id)?.metadata;
    await until(() => tabs.slice(1).every(({ room }) => seenBy(room)?.colour === 'blue'), 'metadata spreads');
    expect(seenBy(tabs[1]!.room)).toEqual({ name: 'renamed', colour: 'blue' });
    const late = c.join('room', { name: 'late' });
    await until(() => seenBy(late.room)?.colour === 'blue', 'late joiner gets metadata');
    await until(
      () =>
        tabs.every(
          ({ room }) => room.members().find((m) => m.id === late.room.self.id)?.metadata?.name === 'late',
        ),
      'everyone gets the late joiner metadata',
    );
  });

  it('metadata over 512 bytes is refused with a clear error and changes nothing', async () => {
    const c = new TestCluster(newSeed());
    const { room } = c.join('room', { name: 'x' });
    expect(() => room.setMetadata({ name: 'y'.repeat(600) })).toThrow(MetadataError);
    expect(() => room.setMetadata({ name: 'y'.repeat(600) })).toThrow(/512-byte limit/);
    expect(room.self.metadata).toEqual({ name: 'x' });
  });

  it('an app message reaches its member; a broadcast reaches all', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 3 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    const [a, b, d] = tabs;
    await until(() => a!.room.send(b!.room.self.id, { hello: 'b' }), 'link open');
    await until(() => b!.seen.messages.length > 0, 'message arrives');
    expect(b!.seen.messages[0]).toEqual({ from: a!.room.self.id, data: { hello: 'b' } });
    expect(d!.seen.messages).toEqual([]);
    await until(() => a!.room.broadcast(new Uint8Array([1, 2, 3])) === 2, 'links open');
    await until(() => d!.seen.messages.length > 0, 'broadcast arrives');
    expect(d!.seen.messages[0]!.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('membership holds without the server, a crash is still detected, and a newcomer joins once it is back', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 4 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 4), 'converges');
    c.server.setOnline(false);
    await vi.advanceTimersByTimeAsync(5000);
    for (const { room } of tabs) {
      expect(room.members().length).toBe(4);
      expect(room.status).toBe('connected');
    }
    const victim = tabs[3]!.room;
    victim.setLoss(1);
    const rest = tabs.slice(0, 3);
    await until(() => rest.every(({ room }) => room.members().length === 3), 'crash detected without server');
    c.server.setOnline(true);
    await vi.advanceTimersByTimeAsync(1000);
    const newcomer = c.join('room', { n: 'new' });
    await until(() => newcomer.room.members().length === 4, 'newcomer joins after restart');
    await until(
      () => rest.every(({ room }) => ids(room).includes(newcomer.room.self.id)),
      'all see newcomer',
    );
  });

  it('a dropped link between two members is re-made through the mesh while the server is down', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 4 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.connections().length === 3), 'full mesh');
    c.server.setOnline(false);
    const [a, b] = [tabs[0]!.room, tabs[1]!.room];
    const viaMeshBefore = a.stats().mesh.signaledViaMesh + b.stats().mesh.signaledViaMesh;
    a.dropConnection(b.self.id);
    expect(a.connections()).not.toContain(b.self.id);
    await until(
      () => a.connections().includes(b.self.id) && b.connections().includes(a.self.id),
      'link re-made',
    );
    expect(a.stats().mesh.signaledViaMesh + b.stats().mesh.signaledViaMesh).toBeGreaterThan(viaMeshBefore);
    for (const { room } of tabs) expect(room.members().length).toBe(4);
  });

  it('a member hung past its suspicion is declared down, then rejoins with its next generation', async () => {
    const c = new TestCluster(newSeed());
    const clock = new PausableClock();
    const hung = c.join('room', { n: 'hung' }, { clock });
    const others = Array.from({ length: 3 }, (_, i) => c.join('room', { n: i }));
    const all = [hung, ...others];
    await until(() => all.every(({ room }) => room.members().length === 4), 'converges');
    const id = hung.room.self.id;
    const generation = hung.room.self.generation;
    // The page stops running script; its links stay up but nothing it would send or handle happens.
    clock.pause();
    c.meshOf(hung.room).setLoss(1);
    await until(() => others.every(({ room }) => !ids(room).includes(id)), 'declared down while hung');
    await vi.advanceTimersByTimeAsync(3000);
    c.meshOf(hung.room).setLoss(0);
    clock.resume();
    await until(
      () => others.every(({ room }) => room.members().find((m) => m.id === id)?.state === 'alive'),
      'alive again everywhere',
    );
    expect(hung.room.self.generation).toBeGreaterThan(generation);
    expect(hung.room.stats().pauses).toBeGreaterThan(0);
    expect(hung.seen.notifications.some((n) => n.type === 'rejoin')).toBe(true);
    for (const { room } of others) {
      expect(room.members().find((m) => m.id === id)?.generation).toBe(hung.room.self.generation);
    }
  });

  it('reports packets (direction, peer, type) and stats', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 3 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    const packets: Array<{ direction: string; peer: string; type: string }> = [];
    tabs[0]!.room.on('packet', (p) => packets.push(p));
    await vi.advanceTimersByTimeAsync(2000);
    const peers = ids(tabs[0]!.room).filter((x) => x !== tabs[0]!.room.self.id);
    expect(packets.some((p) => p.direction === 'out' && p.type === 'ping')).toBe(true);
    expect(packets.some((p) => p.direction === 'in' && p.type === 'ack')).toBe(true);
    expect(packets.every((p) => peers.includes(p.peer))).toBe(true);
    const stats = tabs[0]!.room.stats();
    expect(stats.members).toBe(3);
    expect(stats.mesh.open).toBe(2);
    expect(stats.mesh.packetsOut).toBeGreaterThan(0);
    expect(stats.connectionState).toBe('connected');
    expect(() => tabs[0]!.room.setLoss(2)).toThrow(RangeError);
  });

  it('a reload keeps the address: others see a rename, not a leave', async () => {
    const c = new TestCluster(newSeed());
    const storage = new MemoryStorage();
    const first = c.join('room', { v: 1 }, { storage });
    const others = Array.from({ length: 2 }, (_, i) => c.join('room', { n: i }));
    const all = [first, ...others];
    await until(() => all.every(({ room }) => room.members().length === 3), 'converges');
    const before = first.room.self;
    // The page goes away without a goodbye (a reload), and comes back with the same storage.
    c.kill(first.room);
    const again = c.join('room', { v: 2 }, { storage });
    expect(again.room.self.id).toBe(before.id);
    expect(again.room.self.generation).toBe(before.generation + 1);
    await until(
      () =>
        others.every(
          ({ room }) => room.members().find((m) => m.id === before.id)?.generation === before.generation + 1,
        ),
      'others see the new generation',
    );
    for (const { seen } of others) {
      expect(seen.notifications.some((n) => n.type === 'rename' && n.new.addr === before.id)).toBe(true);
      expect(seen.leaves.map((m) => m.id)).not.toContain(before.id);
    }
    await until(
      () => others.every(({ room }) => room.members().find((m) => m.id === before.id)?.metadata?.v === 2),
      'new metadata after reload',
    );
  });

  it('a reload that outlasts crash detection: the notice holds its place, so others see a rename, not a leave', async () => {
    const c = new TestCluster(newSeed());
    const storage = new MemoryStorage();
    const first = c.join('room', { v: 1 }, { storage });
    const others = Array.from({ length: 2 }, (_, i) => c.join('room', { n: i }));
    const all = [first, ...others];
    await until(() => all.every(({ room }) => room.members().length === 3), 'converges');
    const before = first.room.self;
    c.reload(first.room);
    // Longer than crash detection: every other core declares the old life Down meanwhile.
    await until(
      () =>
        others.every(({ seen }) =>
          seen.notifications.some((n) => n.type === 'member-down' && n.id.addr === before.id),
        ),
      'the old life Down everywhere',
      RELOAD_GRACE_MS / 2,
    );
    for (const { room, seen } of others) {
      expect(seen.notifications.some((n) => n.type === 'member-down' && n.id.addr === before.id)).toBe(true);
      expect(ids(room)).toContain(before.id);
      expect(seen.leaves).toEqual([]);
    }
    const joinsBefore = others.map(({ seen }) => seen.joins.length);
    const again = c.join('room', { v: 2 }, { storage });
    await until(
      () =>
        others.every(
          ({ room }) => room.members().find((m) => m.id === before.id)?.generation === before.generation + 1,
        ),
      'others see the new generation',
    );
    await until(
      () => others.every(({ room }) => room.members().find((m) => m.id === before.id)?.metadata?.v === 2),
      'new metadata after reload',
    );
    for (const [i, { seen }] of others.entries()) {
      expect(seen.leaves).toEqual([]);
      expect(seen.joins.length).toBe(joinsBefore[i]);
      expect(seen.updates.some((m) => m.id === before.id && m.generation === before.generation + 1)).toBe(
        true,
      );
    }
    // Long after the grace: still there, in its new life.
    await vi.advanceTimersByTimeAsync(15_000);
    for (const { room, seen } of others) {
      expect(ids(room)).toEqual(ids(again.room));
      expect(seen.leaves).toEqual([]);
      expect(room.stats().reloads).toEqual({ notices: 1, downsHeld: 1, back: 1, shownLate: 0 });
    }
  });

  /** Three members that see each other; the first is the one that goes. */
  async function roomOfThree() {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 3 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    return { c, goer: tabs[0]!.room, gone: tabs[0]!.room.self.id, rest: tabs.slice(1) };
  }

  it('a reload notice with no new life after it: the leave comes when the grace ends', async () => {
    const { c, goer, gone, rest } = await roomOfThree();
    c.reload(goer);
    await vi.advanceTimersByTimeAsync(RELOAD_GRACE_MS - 500);
    for (const { room, seen } of rest) {
      expect(ids(room)).toContain(gone);
      expect(seen.leaves).toEqual([]);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    for (const { room, seen } of rest) {
      expect(ids(room)).not.toContain(gone);
      expect(seen.leaves.map((m) => m.id)).toEqual([gone]);
      expect(room.stats().reloads).toEqual({ notices: 1, downsHeld: 1, back: 0, shownLate: 1 });
    }
  });

  it('without the notice (a crash), the silent member leaves at crash-detection speed', async () => {
    const { c, goer, gone, rest } = await roomOfThree();
    c.kill(goer);
    await vi.advanceTimersByTimeAsync(6_000);
    for (const { seen } of rest) expect(seen.leaves.map((m) => m.id)).toEqual([gone]);
  });

  it('a handler that throws does not stop the room or the other handlers', async () => {
    const c = new TestCluster(newSeed());
    const first = c.join('room', {});
    first.room.on('join', () => {
      throw new Error('app bug');
    });
    first.room.on('notification', () => {
      throw new Error('app bug');
    });
    const tabs = [first, ...Array.from({ length: 2 }, (_, i) => c.join('room', { n: i }))];
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    expect(first.seen.joins).toHaveLength(2);
  });

  it('late subscribers get the current status and members replayed', async () => {
    const c = new TestCluster(newSeed());
    const tabs = Array.from({ length: 3 }, (_, i) => c.join('room', { n: i }));
    await until(() => tabs.every(({ room }) => room.members().length === 3), 'converges');
    const statuses: string[] = [];
    const joins: string[] = [];
    const notes: string[] = [];
    tabs[0]!.room.on('status', (s) => statuses.push(s));
    tabs[0]!.room.on('join', (m) => joins.push(m.id));
    tabs[0]!.room.on('notification', (n) => notes.push(n.type));
    expect(statuses).toEqual(['connected']);
    expect(joins.sort()).toEqual(ids(tabs[0]!.room).filter((id) => id !== tabs[0]!.room.self.id));
    expect(notes.filter((t) => t === 'member-up').length).toBeGreaterThanOrEqual(2);
    expect(tabs[0]!.seen.statuses).toEqual(['connecting', 'connected']);
  });

  it('a member alone in its room is reconnecting while the server is gone, connected once it is back', async () => {
    const c = new TestCluster(newSeed());
    const { room, seen } = c.join('room', {});
    await until(() => room.status === 'connected', 'connected alone');
    c.server.setOnline(false);
    await until(() => room.status === 'reconnecting', 'reconnecting');
    c.server.setOnline(true);
    await until(() => room.status === 'connected', 'connected again');
    expect(seen.statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('a join the server refuses for good ends in status lost with an error event', async () => {
    const c = new TestCluster(newSeed());
    c.server.refuseWith = 'unauthorized';
    const { room } = c.join('room', {});
    const errors: Error[] = [];
    room.on('error', (e) => errors.push(e));
    await until(() => room.status === 'lost', 'lost');
    expect(errors.map((e) => e.name)).toEqual(['JoinRefusedError']);
  });
});

describe('joinRoom options', () => {
  const joinRoom = makeJoinRoom({
    createMesh: () => {
      throw new Error('must not be reached');
    },
    createSignaling: () => {
      throw new Error('must not be reached');
    },
  });

  it('refuses bad options at once with a message naming the field', () => {
    expect(() => joinRoom({ signaling: 'not a url', room: 'r' })).toThrow(RoomOptionsError);
    expect(() => joinRoom({ signaling: 'not a url', room: 'r' })).toThrow(/signaling/);
    expect(() => joinRoom({ signaling: 'http://x', room: 'bad room!' })).toThrow(/room/);
    expect(() => joinRoom({ signaling: 'http://x', room: 'r', metadata: { big: 'x'.repeat(600) } })).toThrow(
      /512-byte limit/,
    );
    expect(() => joinRoom({ signaling: 'http://x', room: 'r', config: { probeRttMs: 900 } })).toThrow(
      /probeRttMs/,
    );
    expect(() => joinRoom({ signaling: 'http://x', room: 'r', roomm: 'typo' } as never)).toThrow(/roomm/);
    expect(() => joinRoom(undefined as never)).toThrow(RoomOptionsError);
  });
});
