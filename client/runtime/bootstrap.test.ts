import { describe, expect, it } from 'vitest';
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
  const member = () => {
    const identity = BrowserIdentity.random(rng);
    const signaling = server.client('room', identity.addr);
    const mesh = network.createMesh({
      self: identity.addr,
      swimSrcAddr,
      server: signaling,
      clock,
      rng,
    });
    const host = new SwimHost({ identity, config: lan(4), mesh, rng, clock });
    const bootstrap = new Bootstrapper({ host, mesh, signaling, clock, tickMs: 1000 });
    return { identity, host, bootstrap, signaling };
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
});
