import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type SignalingLimits } from '../shared/signaling/index';
import { type RunningServer, startServer } from './server';
import {
  addr,
  collectSignals,
  connectClient,
  emitNoAck,
  getJson,
  join,
  metricValue,
  nextSignal,
  type TestClient,
} from './test-support';

let servers: RunningServer[] = [];
let clients: TestClient[] = [];

/** A rate that does not refill during a test: only the burst counts. */
const NO_REFILL = 1e-6;

async function start(limits: Partial<SignalingLimits>): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', limits });
  servers.push(server);
  return server;
}

async function client(server: RunningServer): Promise<TestClient> {
  const c = await connectClient(server.url);
  clients.push(c);
  return c;
}

const rejected = (server: RunningServer, event: string, reason: string) =>
  metricValue(server, 'shoal_signaling_rejected_events_total', `{event="${event}",reason="${reason}"}`);

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

describe('limits', () => {
  it('refuses a payload over maxPayloadBytes with payload-too-large and relays nothing', async () => {
    const server = await start({ maxPayloadBytes: 1024 });
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    const signals = collectSignals(b);
    const big = { room: 'lobby', to: addr(2), sessionId: 's', data: 'x'.repeat(1100) };
    expect(await a.emitWithAck('signal', big)).toMatchObject({ ok: false, reason: 'payload-too-large' });
    const small = nextSignal(b);
    await a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 't', data: 'ok' });
    expect((await small).sessionId).toBe('t');
    expect(signals.map((s) => s.sessionId)).toEqual(['t']);
    expect(await rejected(server, 'signal', 'payload-too-large')).toBe(1);
  });

  it('drops the connection of a message beyond the transport buffer, and keeps serving others', async () => {
    const server = await start({ maxPayloadBytes: 1024 });
    const a = await client(server);
    const b = await client(server);
    await join(b, 'lobby', addr(2));
    const dropped = new Promise<string>((resolve) => a.once('disconnect', resolve));
    emitNoAck(a, 'signal', { room: 'lobby', to: addr(2), sessionId: 's', data: 'x'.repeat(100_000) });
    expect(await dropped).toBe('transport close');
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({
      status: 'ok',
      connections: 1,
      members: 1,
    });
    expect(await join(await client(server), 'lobby', addr(3))).toEqual({
      ok: true,
      room: 'lobby',
      peers: [addr(2)],
      size: 2,
    });
  });

  it('refuses events over the per-socket event bucket with rate-limited', async () => {
    const server = await start({ events: { ratePerSecond: NO_REFILL, burst: 3 } });
    const a = await client(server);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await a.emitWithAck('leave', { room: 'lobby' }));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'not-in-room',
      'not-in-room',
      'not-in-room',
      'rate-limited',
    ]);
    expect(await rejected(server, 'leave', 'rate-limited')).toBe(1);
  });

  it('refuses joins over the per-socket join bucket, and the refused join changes nothing', async () => {
    const server = await start({ joins: { ratePerSecond: NO_REFILL, burst: 2 } });
    const a = await client(server);
    expect((await join(a, 'one', addr(1))).ok).toBe(true);
    expect((await join(a, 'two', addr(1))).ok).toBe(true);
    expect(await join(a, 'three', addr(1))).toMatchObject({ ok: false, reason: 'rate-limited' });
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 2, members: 2 });
  });

  it('refuses relays over the per-socket relay bucket', async () => {
    const server = await start({ relays: { ratePerSecond: NO_REFILL, burst: 2 } });
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    const signals = collectSignals(b);
    const send = (n: number) =>
      a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: `s${n}`, data: n });
    expect([await send(1), await send(2), await send(3)].map((r) => r.ok)).toEqual([true, true, false]);
    expect(await send(4)).toMatchObject({ ok: false, reason: 'rate-limited' });
    // b's own relays are unaffected by a's bucket.
    const back = nextSignal(a);
    expect(await b.emitWithAck('signal', { room: 'lobby', to: addr(1), sessionId: 'r', data: 0 })).toEqual({
      ok: true,
    });
    await back;
    expect(signals.map((s) => s.sessionId)).toEqual(['s1', 's2']);
  });

  it('refuses a join beyond maxRoomsPerSocket, but not a repeated join of a room it is in', async () => {
    const server = await start({ maxRoomsPerSocket: 2 });
    const a = await client(server);
    await join(a, 'one', addr(1));
    await join(a, 'two', addr(1));
    expect(await join(a, 'three', addr(1))).toMatchObject({ ok: false, reason: 'too-many-rooms' });
    expect((await join(a, 'two', addr(1))).ok).toBe(true);
    await a.emitWithAck('leave', { room: 'one' });
    expect((await join(a, 'three', addr(1))).ok).toBe(true);
  });

  it('holds maxRoomsPerSocket against joins sent all at once', async () => {
    const server = await start({ maxRoomsPerSocket: 2 });
    const a = await client(server);
    const results = await Promise.all(['r1', 'r2', 'r3', 'r4', 'r5'].map((room) => join(a, room, addr(1))));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.reason === 'too-many-rooms')).toHaveLength(3);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 2, members: 2 });
  });

  it('holds maxMembersPerRoom against joins from many sockets at once', async () => {
    const server = await start({ maxMembersPerRoom: 3 });
    const sockets = await Promise.all(Array.from({ length: 8 }, () => client(server)));
    const results = await Promise.all(sockets.map((s, i) => join(s, 'lobby', addr(i + 1))));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'room-full')).toHaveLength(5);
  });

  it('refuses a join beyond maxMembersPerRoom with room-full, and admits again after a leave', async () => {
    const server = await start({ maxMembersPerRoom: 2 });
    const [a, b, c] = [await client(server), await client(server), await client(server)];
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    expect(await join(c, 'lobby', addr(3))).toMatchObject({ ok: false, reason: 'room-full' });
    // A reloaded tab replaces its own entry, so a full room still takes it back.
    expect((await join(c, 'lobby', addr(2))).ok).toBe(true);
    await a.emitWithAck('leave', { room: 'lobby' });
    expect((await join(a, 'lobby', addr(3))).ok).toBe(true);
    expect(await rejected(server, 'join', 'room-full')).toBe(1);
  });

  it('refuses a join that would open a room beyond maxRooms with server-full', async () => {
    const server = await start({ maxRooms: 1 });
    const [a, b] = [await client(server), await client(server)];
    await join(a, 'one', addr(1));
    expect(await join(b, 'two', addr(2))).toMatchObject({ ok: false, reason: 'server-full' });
    expect((await join(b, 'one', addr(2))).ok).toBe(true);
  });

  it('refuses connections beyond maxConnections', async () => {
    const server = await start({ maxConnections: 2 });
    await client(server);
    await client(server);
    await expect(connectClient(server.url)).rejects.toThrow();
    expect(
      await metricValue(
        server,
        'shoal_signaling_rejected_events_total',
        '{event="connection",reason="server-full"}',
      ),
    ).toBe(1);
  });

  it('rejects invalid limits with an error naming them', async () => {
    await expect(
      startServer({
        limits: { ...DEFAULT_LIMITS, maxMembersPerRoom: 0, events: { ratePerSecond: -1, burst: 1 } },
      }),
    ).rejects.toThrow(
      /limits\.maxMembersPerRoom.*limits\.events\.ratePerSecond|limits\.events\.ratePerSecond.*limits\.maxMembersPerRoom/,
    );
    await expect(startServer({ port: 70000 })).rejects.toThrow(/port/);
  });
});
