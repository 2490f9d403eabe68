/**
 * Issue 11's server rows, attacked through real sockets: a socket claiming another member's address,
 * a thousand sockets that never join, one machine opening sockets and rooms without end. Each test
 * asserts what the honest members and the server's own counters see.
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { joinChallengeMessage, type SignalingLimits } from '../shared/signaling/index';
import { type RunningServer, startServer } from './server';
import {
  addr,
  challengeOf,
  collectSignals,
  connectClient,
  emitRaw,
  getJson,
  join,
  metricValue,
  nextSignal,
  type TestClient,
  testKey,
} from './test-support';

let servers: RunningServer[] = [];
let clients: TestClient[] = [];

async function start(limits: Partial<SignalingLimits> = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', limits });
  servers.push(server);
  return server;
}

async function client(server: RunningServer): Promise<TestClient> {
  const c = await connectClient(server.url);
  clients.push(c);
  return c;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

describe("a socket claiming another member's address", () => {
  const V = addr(1);
  const A = addr(2);
  const MALLORY = 3;

  /** V and A in the lobby; returns their sockets. */
  async function lobby(server: RunningServer): Promise<{ v: TestClient; a: TestClient }> {
    const v = await client(server);
    const a = await client(server);
    expect((await join(v, 'lobby', V)).ok).toBe(true);
    expect((await join(a, 'lobby', A)).ok).toBe(true);
    return { v, a };
  }

  /** V still holds its entry: A's signal to V reaches V's socket, and the room still has two members. */
  async function expectVHoldsItsEntry(server: RunningServer, v: TestClient, a: TestClient): Promise<void> {
    const delivered = nextSignal(v);
    expect(await a.emitWithAck('signal', { room: 'lobby', to: V, sessionId: 's', data: 1 })).toEqual({
      ok: true,
    });
    expect((await delivered).from).toBe(A);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 1, members: 2 });
  }

  it("is refused when its public key is its own (the addr is not that key's hash), and V keeps its entry", async () => {
    const server = await start();
    const { v, a } = await lobby(server);
    const m = await client(server);
    const mallory = testKey(MALLORY);
    const challenge = await challengeOf(m);
    const forged = {
      room: 'lobby',
      addr: V,
      publicKey: bytesToHex(mallory.publicKey),
      signature: bytesToHex(mallory.sign(joinChallengeMessage(challenge, 'lobby', V))),
    };
    expect(await emitRaw(m, 'join', forged)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const mallorySignals = collectSignals(m);
    await expectVHoldsItsEntry(server, v, a);
    expect(mallorySignals).toEqual([]);
    // And it cannot relay as V: it is in no room.
    expect(await m.emitWithAck('signal', { room: 'lobby', to: A, sessionId: 's', data: 1 })).toMatchObject({
      ok: false,
      reason: 'not-in-room',
    });
  });

  it("is refused when it replays V's own join from V's socket (another socket's challenge)", async () => {
    const server = await start();
    const v = await client(server);
    const a = await client(server);
    const key = testKey(1);
    const vChallenge = await challengeOf(v);
    const vJoin = {
      room: 'lobby',
      addr: V,
      publicKey: bytesToHex(key.publicKey),
      signature: bytesToHex(key.sign(joinChallengeMessage(vChallenge, 'lobby', V))),
    };
    expect(await emitRaw(v, 'join', vJoin)).toMatchObject({ ok: true });
    expect((await join(a, 'lobby', A)).ok).toBe(true);
    const m = await client(server);
    expect(await emitRaw(m, 'join', vJoin)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Nor for another room with the same signature.
    expect(await emitRaw(v, 'join', { ...vJoin, room: 'other' })).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    await expectVHoldsItsEntry(server, v, a);
  });

  it('is refused when the signature is garbage or the key is not a curve point, and nothing changes', async () => {
    const server = await start();
    const { v, a } = await lobby(server);
    const m = await client(server);
    const key = testKey(1);
    const bad = [
      { room: 'lobby', addr: V, publicKey: bytesToHex(key.publicKey), signature: '00'.repeat(64) },
      { room: 'lobby', addr: V, publicKey: 'ff'.repeat(32), signature: 'ab'.repeat(64) },
    ];
    for (const payload of bad) {
      expect(await emitRaw(m, 'join', payload)).toMatchObject({ ok: false, reason: 'bad-signature' });
    }
    expect(
      await metricValue(
        server,
        'shoal_signaling_rejected_events_total',
        '{event="join",reason="bad-signature"}',
      ),
    ).toBe(2);
    await expectVHoldsItsEntry(server, v, a);
  });
});

describe('sockets that never join, and one IP opening too much', () => {
  it('1,000 sockets that never join are all dropped after the idle timeout, and a joined member stays', async () => {
    const server = await start({ idleSocketTimeoutMs: 2000, maxSocketsPerIp: 0 });
    const honest = await client(server);
    expect((await join(honest, 'lobby', addr(1))).ok).toBe(true);
    const idle: TestClient[] = [];
    // In batches, so the test's own client side is not what times out.
    for (let batch = 0; batch < 10; batch++) {
      idle.push(...(await Promise.all(Array.from({ length: 100 }, () => client(server)))));
    }
    expect(await metricValue(server, 'shoal_signaling_connections_total')).toBe(1001);
    await until(async () => server.io.of('/').sockets.size === 1, 'the idle sockets to be dropped', 30_000);
    expect(await metricValue(server, 'shoal_signaling_idle_disconnects_total')).toBe(1000);
    await until(async () => idle.every((c) => !c.connected), 'the idle clients to see it');
    expect(honest.connected).toBe(true);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ connections: 1, rooms: 1, members: 1 });
  }, 120_000);

  it('caps the sockets of one IP: past the cap connections are refused and counted', async () => {
    const server = await start({ maxSocketsPerIp: 20 });
    const first = await Promise.all(Array.from({ length: 20 }, () => client(server)));
    expect(first.every((c) => c.connected)).toBe(true);
    const refused = await Promise.allSettled(Array.from({ length: 10 }, () => connectClient(server.url)));
    expect(refused.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.io.of('/').sockets.size).toBe(20);
    expect(
      await metricValue(server, 'shoal_signaling_ip_limit_refusals_total', '{limit="sockets"}'),
    ).toBeGreaterThanOrEqual(10);
    // A socket that goes makes room for one more.
    first[0]!.close();
    await until(async () => server.io.of('/').sockets.size === 19, 'the close to be seen');
    expect((await client(server)).connected).toBe(true);
  });

  it('caps the rooms of one IP: a socket of the same IP cannot open more rooms than maxRoomsPerIp', async () => {
    const server = await start({ maxRoomsPerIp: 3, maxSocketsPerIp: 0 });
    const sockets = await Promise.all(Array.from({ length: 4 }, () => client(server)));
    for (let i = 0; i < 3; i++) expect((await join(sockets[i]!, `room-${i}`, addr(i + 1))).ok).toBe(true);
    expect(await join(sockets[3]!, 'room-3', addr(4))).toMatchObject({ ok: false, reason: 'too-many-rooms' });
    // A room the IP is in already is fine.
    expect((await join(sockets[3]!, 'room-0', addr(4))).ok).toBe(true);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 3, members: 4 });
    expect(await metricValue(server, 'shoal_signaling_ip_limit_refusals_total', '{limit="rooms"}')).toBe(1);
    // Leaving frees the room for the IP.
    expect(await sockets[2]!.emitWithAck('leave', { room: 'room-2' })).toEqual({ ok: true });
    expect((await join(sockets[3]!, 'room-3', addr(4))).ok).toBe(true);
  });
});
