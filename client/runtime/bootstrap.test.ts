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
  const member = (maxConnections?: number) => {
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
    const bootstrap = new Bootstrapper({ host, mesh, signaling, clock, tickMs: 1000 });
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
});
