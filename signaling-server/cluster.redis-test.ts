/**
 * Several instances sharing rooms through a real Redis. Run with `npm run test:redis`
 * (not part of `npm test`); it starts its own redis-server, which must be installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from './redis-process';
import { type RunningServer, startServer } from './server';
import type { StartServerOptions } from './server-options';
import {
  addr,
  collectSignals,
  connectClient,
  disconnectAndSettle,
  getJson,
  join,
  nextSignal,
  type TestClient,
} from './test-support';

let redis: RedisProcess;
let servers: RunningServer[] = [];
let clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

async function start(options: StartServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', redisUrl: redis.url, ...options });
  servers.push(server);
  return server;
}

async function client(server: RunningServer): Promise<TestClient> {
  const c = await connectClient(server.url);
  clients.push(c);
  return c;
}

/** A unique room per test: all tests share one Redis. */
let roomCounter = 0;
const freshRoom = () => `room-${++roomCounter}`;

describe('several instances through Redis', () => {
  it('report cluster mode in /healthz', async () => {
    const s1 = await start();
    expect(await getJson(`${s1.url}/healthz`)).toMatchObject({ status: 'ok', cluster: true });
  });

  it('share room membership: a joiner on one instance gets members of the others as peers', async () => {
    const [s1, s2, s3] = [await start(), await start(), await start()];
    const room = freshRoom();
    await join(await client(s1), room, addr(1));
    expect(await join(await client(s2), room, addr(2))).toEqual({
      ok: true,
      room,
      peers: [addr(1)],
      size: 2,
    });
    const third = await join(await client(s3), room, addr(3));
    if (!third.ok) throw new Error(third.message);
    expect([...third.peers].sort()).toEqual([addr(1), addr(2)]);
  });

  it('relay signals between sockets on different instances, and refuse unknown peers', async () => {
    const [s1, s2] = [await start(), await start()];
    const room = freshRoom();
    const a = await client(s1);
    const b = await client(s2);
    await join(a, room, addr(1));
    await join(b, room, addr(2));
    const toA = nextSignal(a);
    expect(
      await b.emitWithAck('signal', { room, to: addr(1), sessionId: 'x', data: { type: 'offer' } }),
    ).toEqual({
      ok: true,
    });
    expect(await toA).toEqual({ room, from: addr(2), sessionId: 'x', data: { type: 'offer' } });
    const toB = nextSignal(b);
    await a.emitWithAck('signal', { room, to: addr(2), sessionId: 'x', data: { type: 'answer' } });
    expect((await toB).data).toEqual({ type: 'answer' });
    expect(await a.emitWithAck('signal', { room, to: addr(9), sessionId: 'x', data: 1 })).toMatchObject({
      ok: false,
      reason: 'unknown-peer',
    });
  });

  it('replace a reloaded tab whose old socket lives on another instance', async () => {
    const [s1, s2] = [await start(), await start()];
    const room = freshRoom();
    const old = await client(s1);
    const fresh = await client(s2);
    const other = await client(s2);
    await join(old, room, addr(1));
    await join(other, room, addr(2));
    const oldSignals = collectSignals(old);
    expect(await join(fresh, room, addr(1))).toEqual({ ok: true, room, peers: [addr(2)], size: 2 });
    const delivered = nextSignal(fresh);
    await other.emitWithAck('signal', { room, to: addr(1), sessionId: 'reload', data: 1 });
    await delivered;
    // A fetch from s2 is answered by s1 only after s1 handled the earlier messages on Redis.
    const probe = await join(await client(s2), room, addr(3));
    if (!probe.ok) throw new Error(probe.message);
    expect([...probe.peers].sort()).toEqual([addr(1), addr(2)]);
    expect(await old.emitWithAck('signal', { room, to: addr(2), sessionId: 's', data: 1 })).toMatchObject({
      ok: false,
      reason: 'not-in-room',
    });
    expect(oldSignals).toEqual([]);
  });

  it('forget a member that disconnected from another instance', async () => {
    const [s1, s2] = [await start(), await start()];
    const room = freshRoom();
    const a = await client(s1);
    await join(a, room, addr(1));
    await join(await client(s2), room, addr(2));
    await disconnectAndSettle(s1, a);
    expect(await join(await client(s2), room, addr(3))).toEqual({
      ok: true,
      room,
      peers: [addr(2)],
      size: 2,
    });
  });

  it('forget every member of an instance that shut down, and keep serving', async () => {
    const [s1, s2] = [await start(), await start()];
    const room = freshRoom();
    await join(await client(s1), room, addr(1));
    await join(await client(s1), room, addr(2));
    await join(await client(s2), room, addr(3));
    await s1.close();
    expect(await join(await client(s2), room, addr(4))).toEqual({
      ok: true,
      room,
      peers: [addr(3)],
      size: 2,
    });
  });

  it('enforce maxMembersPerRoom over the whole cluster', async () => {
    const limits = { maxMembersPerRoom: 2 };
    const [s1, s2] = [await start({ limits }), await start({ limits })];
    const room = freshRoom();
    await join(await client(s1), room, addr(1));
    await join(await client(s2), room, addr(2));
    expect(await join(await client(s1), room, addr(3))).toMatchObject({ ok: false, reason: 'room-full' });
  });

  it('leave removes the member cluster-wide', async () => {
    const [s1, s2] = [await start(), await start()];
    const room = freshRoom();
    const a = await client(s1);
    const b = await client(s2);
    await join(a, room, addr(1));
    await join(b, room, addr(2));
    expect(await a.emitWithAck('leave', { room })).toEqual({ ok: true });
    expect(await b.emitWithAck('signal', { room, to: addr(1), sessionId: 's', data: 1 })).toMatchObject({
      ok: false,
      reason: 'unknown-peer',
    });
  });

  it('fail to start with a clear error when Redis is unreachable', async () => {
    await expect(startServer({ port: 0, redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /cannot reach Redis|ECONNREFUSED/,
    );
  });
});
