import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memberKeyFromSecret } from '../../shared/signaling/member-key';
import { type RunningServer, startServer } from '../../signaling-server/server';
import { SocketSignalingClient } from './signaling-client';

/** A fixed test key: the client signs the server's challenge with it. */
const KEY = memberKeyFromSecret(new Uint8Array(32).fill(7));

/** A free loopback port (bound then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}
const servers: RunningServer[] = [];
const clients: SocketSignalingClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(port = 0): Promise<RunningServer> {
  const s = await startServer({ port, host: '127.0.0.1' });
  servers.push(s);
  return s;
}

function client(url: string | readonly string[]): SocketSignalingClient {
  const c = new SocketSignalingClient({ url, room: 'r', key: KEY });
  clients.push(c);
  return c;
}

function connected(c: SocketSignalingClient): Promise<void> {
  return new Promise((resolve) => {
    if (c.connected) resolve();
    else {
      const off = c.on('connect', () => {
        off();
        resolve();
      });
    }
  });
}

describe('SocketSignalingClient with several servers', () => {
  it('moves on to the next URL when the first cannot be reached, and joins there', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const live = await server();
    const c = client([dead, live.url]);
    await connected(c);
    expect(c.url).toBe(live.url);
    expect(await c.join()).toEqual([]);
  });

  it('moves to the next server when the one in use goes away', async () => {
    const first = await server();
    const second = await server();
    const c = client([first.url, second.url]);
    await connected(c);
    expect(c.url).toBe(first.url);
    servers.splice(servers.indexOf(first), 1);
    await first.close();
    await expect.poll(() => c.connected && c.url === second.url, { timeout: 15_000 }).toBe(true);
  });

  it('with one URL, keeps reconnecting to it (the server restarts on the same port)', async () => {
    const port = await freePort();
    const s = await server(port);
    const c = client(s.url);
    await connected(c);
    servers.splice(servers.indexOf(s), 1);
    await s.close();
    await expect.poll(() => c.connected, { timeout: 5_000 }).toBe(false);
    await server(port);
    await expect.poll(() => c.connected, { timeout: 15_000 }).toBe(true);
    expect(c.url).toBe(s.url);
  });
});
