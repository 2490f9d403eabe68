import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server';
import { addr, connectClient, emitRaw, join, nextSignal } from './test-support';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(joinPath(tmpdir(), 'shoal-static-'));
  await mkdir(joinPath(dir, 'assets'));
  await writeFile(joinPath(dir, 'index.html'), '<!doctype html><title>demo</title><h1>Shoal demo</h1>');
  await writeFile(joinPath(dir, 'assets', 'app-1234.js'), 'console.log("hi");');
  await writeFile(joinPath(tmpdir(), 'shoal-secret.txt'), 'secret');
  server = await startServer({ port: 0, host: '127.0.0.1', staticDir: dir });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('http', () => {
  it('GET /healthz answers 200 with a small JSON body', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', connections: 0, rooms: 0, members: 0, cluster: false });
    expect(typeof body.uptimeSeconds).toBe('number');
  });

  it('GET /metrics counts connections, rooms, joins, relays and rejections in Prometheus text', async () => {
    const a = await connectClient(server.url);
    const b = await connectClient(server.url);
    await join(a, 'lobby', addr(1));
    await join(b, 'lobby', addr(2));
    const delivered = nextSignal(b);
    await a.emitWithAck('signal', { room: 'lobby', to: addr(2), sessionId: 's', data: 1 });
    await delivered;
    await emitRaw(a, 'nonsense', {});
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [
      'shoal_signaling_connections 2',
      'shoal_signaling_connections_total 2',
      'shoal_signaling_rooms 1',
      'shoal_signaling_room_members 2',
      'shoal_signaling_joins_total 2',
      'shoal_signaling_relayed_signals_total 1',
      'shoal_signaling_rejected_events_total{event="unknown",reason="invalid-payload"} 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(/^# TYPE shoal_signaling_rejected_events_total counter$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    a.close();
    b.close();
  });

  it('serves index.html at / and build assets under /assets', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<h1>Shoal demo</h1>');
    const asset = await fetch(`${server.url}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(await asset.text()).toBe('console.log("hi");');
  });

  it('answers 404 for missing files and paths that climb out of the static directory', async () => {
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/%2e%2e/shoal-secret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/%2e%2e%2f%2e%2e%2fshoal-secret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/%00`)).status).toBe(404);
    expect((await fetch(`${server.url}/%E0%A4%A`)).status).toBe(404);
  });

  it('answers 404 to a raw path that climbs out, which a browser would have normalised away', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${server.url}/assets/../../shoal-secret.txt`, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(404);
  });

  it('revalidates a page by its ETag, and routes ignore the query string', async () => {
    const first = await fetch(`${server.url}/`);
    const etag = first.headers.get('etag');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(etag).toBeTruthy();
    const again = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${server.url}/healthz?verbose=1`)).status).toBe(200);
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/`, { method: 'HEAD' })).status).toBe(200);
  });

  it('serves a placeholder page when the demo is not built', async () => {
    const bare = await startServer({
      port: 0,
      host: '127.0.0.1',
      staticDir: joinPath(dir, 'does-not-exist'),
    });
    const response = await fetch(`${bare.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/demo page is not built/);
    expect((await fetch(`${bare.url}/assets/app.js`)).status).toBe(404);
    await bare.close();
  });
});
