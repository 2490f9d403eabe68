import { afterEach, describe, expect, it } from 'vitest';
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
  seededRandom,
  type TestClient,
} from './test-support';

let servers: RunningServer[] = [];
let clients: TestClient[] = [];

async function start(options: StartServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  return server;
}

async function client(server: RunningServer): Promise<TestClient> {
  const c = await connectClient(server.url);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

describe('join', () => {
  it('answers the first member of a room with no peers', async () => {
    const server = await start();
    const a = await client(server);
    expect(await join(a, 'lobby', addr(1))).toEqual({ ok: true, room: 'lobby', peers: [], size: 1 });
  });

  it('answers with at most K other members, never the joiner itself', async () => {
    const server = await start({ bootstrapPeers: 3 });
    const seen: string[][] = [];
    for (let i = 1; i <= 6; i++) {
      const c = await client(server);
      const result = await join(c, 'lobby', addr(i));
      if (!result.ok) throw new Error(result.message);
      seen.push([...result.peers]);
      expect(result.peers).not.toContain(addr(i));
      expect(new Set(result.peers).size).toBe(result.peers.length);
      expect(result.peers.length).toBe(Math.min(3, i - 1));
      const earlier = Array.from({ length: i - 1 }, (_, j) => addr(j + 1));
      for (const peer of result.peers) expect(earlier).toContain(peer);
    }
    expect(seen[0]).toEqual([]);
  });

  it('picks bootstrap peers at random (seeded, replayable)', async () => {
    const seed = Number(process.env.SEED ?? 0x5eed);
    console.log(`bootstrap randomness seed=${seed} (replay with SEED=${seed})`);
    const server = await start({ bootstrapPeers: 2, random: seededRandom(seed) });
    for (let i = 1; i <= 10; i++) await join(await client(server), 'lobby', addr(i));
    const answers = new Set<string>();
    const picked = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const c = await client(server);
      const result = await join(c, 'lobby', addr(100));
      if (!result.ok) throw new Error(result.message);
      expect(result.peers).toHaveLength(2);
      answers.add([...result.peers].sort().join(','));
      for (const p of result.peers) picked.add(p);
    }
    // 12 draws of 2 out of 10: a fixed answer, or one stuck to a few members, would fail this.
    expect(answers.size).toBeGreaterThan(3);
    expect(picked.size).toBeGreaterThan(5);
  });

  it('keeps rooms apart', async () => {
    const server = await start();
    await join(await client(server), 'red', addr(1));
    expect(await join(await client(server), 'blue', addr(2))).toEqual({
      ok: true,
      room: 'blue',
      peers: [],
      size: 1,
    });
  });

  it('replaces the entry of a reloaded tab that joins again with the same addr from a new socket', async () => {
    const server = await start();
    const old = await client(server);
    const fresh = await client(server);
    const other = await client(server);
    await join(old, 'lobby', addr(1));
    await join(other, 'lobby', addr(2));
    expect(await join(fresh, 'lobby', addr(1))).toEqual({
      ok: true,
      room: 'lobby',
      peers: [addr(2)],
      size: 2,
    });
    const delivered = nextSignal(fresh);
    const oldSignals = collectSignals(old);
    expect(
      await other.emitWithAck('signal', { room: 'lobby', to: addr(1), sessionId: 's', data: 1 }),
    ).toEqual({
      ok: true,
    });
    expect((await delivered).from).toBe(addr(2));
    expect(oldSignals).toEqual([]);
    const stale = await old.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 's', data: 1 });
    expect(stale).toMatchObject({ ok: false, reason: 'not-in-room' });
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 1, members: 2 });
  });

  it('treats a repeated join of the same socket and addr as one membership', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(b, 'lobby', addr(2));
    await join(a, 'lobby', addr(1));
    expect(await join(a, 'lobby', addr(1))).toEqual({ ok: true, room: 'lobby', peers: [addr(2)], size: 2 });
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 1, members: 2 });
  });

  it('moves a socket that joins the same room under a new addr', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(a, 'lobby', addr(3));
    expect(await join(b, 'lobby', addr(2))).toEqual({ ok: true, room: 'lobby', peers: [addr(3)], size: 2 });
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ members: 2 });
  });
});

describe('signal', () => {
  it('relays opaque data to a member of the same room, tagged with the sender and session', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    const data = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    const delivered = nextSignal(b);
    expect(await a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 'abc', data })).toEqual({
      ok: true,
    });
    expect(await delivered).toEqual({ room: 'lobby', from: addr(1), sessionId: 'abc', data });
    const answer = nextSignal(a);
    await b.emitWithAck('signal', { room: 'lobby', to: addr(1), sessionId: 'abc', data: { type: 'answer' } });
    expect(await answer).toEqual({
      room: 'lobby',
      from: addr(2),
      sessionId: 'abc',
      data: { type: 'answer' },
    });
  });

  it('refuses to relay before the sender joined the room', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(b, 'lobby', addr(2));
    await join(a, 'other', addr(1));
    const result = await a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 's', data: 1 });
    expect(result).toMatchObject({ ok: false, reason: 'not-in-room' });
  });

  it('refuses a peer that is not in the room, even if it is in another room', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(b, 'other', addr(2));
    const signals = collectSignals(b);
    const result = await a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 's', data: 1 });
    expect(result).toMatchObject({ ok: false, reason: 'unknown-peer' });
    expect(
      await a.emitWithAck('signal', { room: 'lobby', to: addr(1), sessionId: 's', data: 1 }),
    ).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
    });
    expect(signals).toEqual([]);
  });
});

describe('leave and disconnect', () => {
  it('leave removes the member: no more relays to it, no longer a bootstrap peer', async () => {
    const server = await start();
    const a = await client(server);
    const b = await client(server);
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    expect(await a.emitWithAck('leave', { room: 'lobby' })).toEqual({ ok: true });
    expect(
      await b.emitWithAck('signal', { room: 'lobby', to: addr(1), sessionId: 's', data: 1 }),
    ).toMatchObject({
      ok: false,
      reason: 'unknown-peer',
    });
    expect(await join(await client(server), 'lobby', addr(3))).toEqual({
      ok: true,
      room: 'lobby',
      peers: [addr(2)],
      size: 2,
    });
    expect(await a.emitWithAck('leave', { room: 'lobby' })).toMatchObject({
      ok: false,
      reason: 'not-in-room',
    });
  });

  it('a disconnect removes the socket from all its rooms and empty rooms close', async () => {
    const server = await start();
    const a = await client(server);
    await join(a, 'red', addr(1));
    await join(a, 'blue', addr(1));
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ connections: 1, rooms: 2, members: 2 });
    await disconnectAndSettle(server, a);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ connections: 0, rooms: 0, members: 0 });
    expect(await join(await client(server), 'red', addr(2))).toEqual({
      ok: true,
      room: 'red',
      peers: [],
      size: 1,
    });
  });
});

describe('restart', () => {
  it('rebuilds its soft state from clients that reconnect and join again', async () => {
    const first = await start();
    const port = first.port;
    const tabs = await Promise.all([1, 2, 3].map(() => connectClient(first.url, { reconnection: true })));
    clients.push(...tabs);
    // What a tab does: join on every (re)connection.
    const rejoined = tabs.map(
      (tab, i) =>
        new Promise<void>((resolve) => {
          let connects = 0;
          tab.on('connect', () => {
            connects++;
            void join(tab, 'lobby', addr(i + 1)).then(() => {
              if (connects === 1) resolve();
            });
          });
        }),
    );
    for (const [i, tab] of tabs.entries()) await join(tab, 'lobby', addr(i + 1));
    const dropped = tabs.map(
      (tab) => new Promise<void>((resolve) => tab.once('disconnect', () => resolve())),
    );
    await first.close();
    await Promise.all(dropped);
    const second = await start({ port });
    await Promise.all(rejoined);
    expect(await getJson(`${second.url}/healthz`)).toMatchObject({ rooms: 1, members: 3 });
    const result = await join(await client(second), 'lobby', addr(9));
    if (!result.ok) throw new Error(result.message);
    expect([...result.peers].sort()).toEqual([addr(1), addr(2), addr(3)]);
  });
});
