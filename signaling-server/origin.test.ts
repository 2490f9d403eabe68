import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server';

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function tryConnect(url: string, origin: string | undefined): Promise<boolean> {
  const client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(origin !== undefined ? { extraHeaders: { origin } } : {}),
  });
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.close();
      resolve(true);
    });
    client.once('connect_error', () => {
      client.close();
      resolve(false);
    });
  });
}

describe('allowed origins', () => {
  it('admits any origin by default', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
    expect(await tryConnect(server.url, 'https://anywhere.example')).toBe(true);
  });

  it('with --cors-origin, admits listed origins, its own page and non-browser clients, and refuses others', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', corsOrigins: ['https://app.example'] });
    expect(await tryConnect(server.url, 'https://app.example')).toBe(true);
    expect(await tryConnect(server.url, server.url)).toBe(true);
    expect(await tryConnect(server.url, undefined)).toBe(true);
    expect(await tryConnect(server.url, 'https://evil.example')).toBe(false);
    const text = await server.metrics.registry.metrics();
    expect(text).toContain(
      'shoal_signaling_rejected_events_total{event="connection",reason="unauthorized"} 1',
    );
  });
});
