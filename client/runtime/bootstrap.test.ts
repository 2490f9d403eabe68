import { describe, expect, it, vi } from 'vitest';
import { BinaryCodec, BrowserIdentity, browserIdentityCodec, lan, seededRng } from '../../shared/swim/index';
import { createInMemoryNetwork } from '../mesh/in-memory-network';
import { Bootstrapper } from './bootstrap';
import type { JoinRefusedError } from './signaling-client';
import { SwimHost } from './swim-host';
import { FakeSignalingServer } from './test-support/fake-signaling';
import { ManualClock } from './test-support/manual-clock';

const codec = new BinaryCodec(browserIdentityCodec);
const swimSrcAddr = (bytes: Uint8Array) => codec.readSource(bytes)?.addr;

/** Members that bootstrap through a fake signaling server, on an in-process network and one virtual clock. */
function world(seed: number) {
  console.log(`bootstrap seed ${seed}`);
  const clock = new ManualClock();
  const rng = seededRng(seed);
  const network = createInMemoryNetwork({ clock, delayMs: 1 });
  const server = new FakeSignalingServer(network.hub);
  const member = (maxConnections?: number, announceBackoffCapMs?: number) => {
    const identity = BrowserIdentity.random(rng);
    const signaling = server.client('room', identity.addr);
    const mesh = network.createMesh({
      self: identity.addr,
      swimSrcAddr,
      server: signaling,
      clock,
      rng,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    });
    const host = new SwimHost({ identity, config: lan(4), mesh, rng, clock });
    const bootstrap = new Bootstrapper({
      host,
      mesh,
      signaling,
      clock,
      tickMs: 1000,
      ...(announceBackoffCapMs === undefined ? {} : { announceBackoffCapMs }),
    });
    return { identity, host, bootstrap, signaling, mesh };
  };
  /** Moves the virtual clock in steps, letting the fake server's promises settle in between. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { clock, server, member, run };
}

describe('Bootstrapper', () => {
  it('joins the server room, connects to the peers it gives, and announces: the two become members', async () => {
    const w = world(11);
    const a = w.member();
    a.bootstrap.start();
    await w.run(200);
    expect(a.bootstrap.serverJoined).toBe(true);
    const b = w.member();
    b.bootstrap.start();
    await w.run(3000);
    expect(b.host.member(a.identity.addr)?.state).toBe('alive');
    expect(a.host.member(b.identity.addr)?.state).toBe('alive');
  });

  it('tells of the joins and of the server going away', async () => {
    const w = world(12);
    const a = w.member();
    const joined: number[] = [];
    let changes = 0;
    a.bootstrap.on('joined', (peers) => joined.push(peers.length));
    a.bootstrap.on('change', () => changes++);
    a.bootstrap.start();
    await w.run(200);
    expect(joined).toEqual([0]);
    w.server.setOnline(false);
    expect(a.bootstrap.serverJoined).toBe(false);
    expect(changes).toBeGreaterThanOrEqual(2);
  });

  it('a permanent refusal is told once and not retried', async () => {
    const w = world(13);
    w.server.refuseWith = 'unauthorized';
    const a = w.member();
    const refusals: JoinRefusedError[] = [];
    a.bootstrap.on('refused', (e) => refusals.push(e));
    a.bootstrap.start();
    await w.run(10_000);
    expect(refusals.map((e) => e.reason)).toEqual(['unauthorized']);
    expect(a.bootstrap.refused).toBe(true);
  });

  it('stop ends the ticks: no more joins are asked for', async () => {
    const w = world(14);
    const a = w.member();
    a.bootstrap.start();
    await w.run(200);
    const joins = w.server.joins;
    a.bootstrap.stop();
    await w.run(10_000);
    expect(w.server.joins).toBe(joins);
  });

  it('keeps asking full peers for a link once active, for a while: a room that formed beside a full one merges with it', async () => {
    const w = world(15);
    // A, B and E fill their budgets (2 links each) with each other.
    const full = [w.member(2), w.member(2), w.member(2)];
    for (const m of full) {
      m.bootstrap.start();
      await w.run(1000);
    }
    await w.run(3000);
    for (const m of full) expect(m.mesh.links().size).toBe(2);
    // C is refused by all three; D, after it, links to C: C and D are a room of their own.
    const c = w.member();
    c.bootstrap.start();
    await w.run(2000);
    const d = w.member();
    d.bootstrap.start();
    await w.run(3000);
    expect(c.host.member(d.identity.addr)?.state).toBe('alive');
    const [a, b, e] = full as [(typeof full)[0], (typeof full)[0], (typeof full)[0]];
    expect(a.host.member(c.identity.addr)).toBeUndefined();
    // Active now, C still asks for its links to the peers the server gave it.
    const asked = vi.spyOn(c.mesh, 'connect');
    await w.run(3000);
    expect(asked.mock.calls.map(([p]) => p)).toContain(a.identity.addr);
    // E leaves: A and B each have a free link; nobody of the two rooms is idle.
    e.bootstrap.stop();
    e.host.leaveCluster();
    e.mesh.close();
    await w.run(20_000);
    for (const m of [a, b]) expect(m.host.member(c.identity.addr)?.state).toBe('alive');
    expect(c.host.member(a.identity.addr)?.state).toBe('alive');
  });

  it('an island (members whose links to the room all failed) asks the server for fresh peers and merges', async () => {
    const w = world(17);
    const room = [w.member(), w.member(), w.member(), w.member()];
    for (const m of room) m.bootstrap.start();
    await w.run(5000);
    for (const m of room) expect(m.host.isActive).toBe(true);
    // C and D are given only each other, as if every link to the room had failed.
    const [c, d] = [w.member(), w.member()];
    const island = new Set([c.identity.addr, d.identity.addr]);
    w.server.pickPeers = (_, others) => others.filter((a) => island.has(a));
    c.bootstrap.start();
    await w.run(500);
    d.bootstrap.start();
    await w.run(3000);
    expect(c.host.member(d.identity.addr)?.state).toBe('alive');
    expect([c.signaling.roomSize, d.signaling.roomSize]).toEqual([5, 6]);
    // Two of five or six: under half the room, so they ask again; the server still answers the island.
    await w.run(8000);
    expect(c.bootstrap.stats().refreshesBehind + d.bootstrap.stats().refreshesBehind).toBeGreaterThan(0);
    expect(room[0]!.host.member(c.identity.addr)).toBeUndefined();
    // Once the server's answer reaches the room, the next refresh merges the two.
    w.server.pickPeers = undefined;
    await w.run(20_000);
    for (const m of [...room, c, d]) {
      const alive = [...m.host.members()].filter((x) => x.state === 'alive').length;
      expect(alive).toBe(5);
    }
  });

  it('a member that holds the room the server counts does not ask again', async () => {
    const w = world(18);
    const room = [w.member(), w.member(), w.member()];
    for (const m of room) m.bootstrap.start();
    const joins = () => w.server.joins;
    await w.run(5000);
    const before = joins();
    await w.run(30_000);
    expect(joins()).toBe(before);
    for (const m of room) expect(m.bootstrap.stats().refreshesBehind).toBe(0);
  });

  it('gives up on a server-given peer that never became a member after candidateTtlMs', async () => {
    const w = world(16);
    const c = w.member();
    c.bootstrap.start();
    await w.run(500);
    const a = w.member();
    a.bootstrap.start();
    await w.run(500);
    a.bootstrap.stop();
    a.host.stop();
    a.mesh.close(); // A's tab died, but the server still lists it
    const b = w.member();
    const asked = vi.spyOn(b.mesh, 'connect');
    b.bootstrap.start();
    await w.run(5000);
    expect(b.host.member(c.identity.addr)?.state).toBe('alive');
    expect(asked.mock.calls.map(([p]) => p)).toContain(a.identity.addr);
    await w.run(120_000);
    asked.mockClear();
    await w.run(5000);
    expect(asked.mock.calls.map(([p]) => p)).not.toContain(a.identity.addr);
  });

  /**
   * A peer the server gave us whose link is open but that never lets us in (starved, or its Feeds
   * lost): `announce` on our host is counted and goes nowhere, so it stays a candidate.
   */
  async function announcesToASilentPeer(seed: number, announceBackoffCapMs?: number) {
    const w = world(seed);
    const a = w.member();
    // A never announces either (the server gives it B too, later): the two never meet.
    vi.spyOn(a.host, 'announce').mockImplementation(() => {});
    a.bootstrap.start();
    await w.run(500);
    const b = w.member(undefined, announceBackoffCapMs);
    const at: number[] = [];
    vi.spyOn(b.host, 'announce').mockImplementation(() => {
      at.push(w.clock.now());
    });
    const startedAt = w.clock.now();
    b.bootstrap.start();
    await w.run(60_000);
    return { at: at.map((t) => t - startedAt), stats: b.bootstrap.stats() };
  }

  it('announces to a peer that never lets us in back off (1, 2, 4, 8 s, then every 8 s), the first at once', async () => {
    const { at, stats } = await announcesToASilentPeer(17);
    console.log(`announces in 60 s with the backoff: ${at.length} (${at.join(', ')} ms)`);
    // The first goes as soon as the link opens: a normal join is not slowed.
    expect(at[0]!).toBeLessThan(1000);
    expect(at.length).toBeGreaterThanOrEqual(8);
    expect(at.length).toBeLessThanOrEqual(11);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(8_000 + 1000);
    expect(stats.announces).toBe(at.length);
    expect(stats.announcesHeld).toBeGreaterThan(40);
  });

  it('with announceBackoffCapMs 0, such a peer gets an Announce every tick (the storm the backoff bounds)', async () => {
    const { at, stats } = await announcesToASilentPeer(18, 0);
    expect(at.length).toBeGreaterThanOrEqual(55);
    expect(stats.announcesHeld).toBe(0);
  });

  it('a normal join takes as long with the backoff as without', async () => {
    const joinTime = async (announceBackoffCapMs?: number) => {
      const w = world(19);
      const a = w.member();
      a.bootstrap.start();
      await w.run(500);
      const b = w.member(undefined, announceBackoffCapMs);
      b.bootstrap.start();
      let ms = 0;
      while (b.host.member(a.identity.addr)?.state !== 'alive' && ms < 10_000) {
        await w.run(50);
        ms += 50;
      }
      return ms;
    };
    const withBackoff = await joinTime();
    expect(withBackoff).toBeLessThan(2000);
    expect(withBackoff).toBe(await joinTime(0));
  });
});
