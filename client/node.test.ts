import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinRoom, type Room } from './node';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Node member (client/node.ts, @roamhq/wrtc) against the real signaling server', () => {
  let server: ChildProcess;
  let url = '';
  const rooms: Array<Room<{ bot: number }>> = [];

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(TSX, ['signaling-server/main.ts', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {}
      if (Date.now() > deadline) throw new Error('signaling server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await Promise.all(rooms.map((r) => r.leave()));
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  });

  it('three members join, see each other with metadata, and see one leave', async () => {
    for (let i = 0; i < 3; i++) {
      // ws:// is accepted as well as http://
      const signaling = i === 2 ? url.replace('http:', 'ws:') : url;
      rooms.push(joinRoom({ signaling, room: 'node-room', metadata: { bot: i } }));
    }
    await waitFor(() => rooms.every((r) => r.members().length === 3), 'three see three');
    await waitFor(
      () => rooms.every((r) => r.members().every((m) => typeof m.metadata?.bot === 'number')),
      'metadata everywhere',
    );
    for (const r of rooms) expect(r.status).toBe('connected');
    const leaver = rooms.pop()!;
    await leaver.leave();
    expect(leaver.status).toBe('lost');
    await waitFor(() => rooms.every((r) => r.members().length === 2), 'the leave spreads');
    expect(rooms.every((r) => !r.members().some((m) => m.id === leaver.self.id))).toBe(true);
  });
});
