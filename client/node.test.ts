import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../signaling-server/server';
import { joinRoom, type Room } from './node';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Node member (client/node.ts, @roamhq/wrtc) against the real signaling server', () => {
  let server: RunningServer;
  let url = '';
  const rooms: Array<Room<{ bot: number }>> = [];

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
    url = server.url;
  });

  afterAll(async () => {
    await Promise.all(rooms.map((r) => r.leave()));
    await server.close();
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
