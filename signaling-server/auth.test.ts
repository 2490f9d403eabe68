import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server';
import type { StartServerOptions } from './server-options';
import { addr, connectClient, join, metricValue, type TestClient } from './test-support';
import { mintRoomToken } from './tokens';

const SECRET = 'test-secret-with-enough-entropy-0123456789';

let servers: RunningServer[] = [];
let clients: TestClient[] = [];

async function start(options: StartServerOptions): Promise<{ server: RunningServer; c: TestClient }> {
  const server = await startServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  const c = await connectClient(server.url);
  clients.push(c);
  return { server, c };
}

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

describe('auth', () => {
  it('leaves rooms open when no secret is configured, and ignores a token', async () => {
    const { c } = await start({});
    expect((await join(c, 'lobby', addr(1))).ok).toBe(true);
    expect((await join(c, 'other', addr(1), 'not-even-a-jwt')).ok).toBe(true);
  });

  it('with a secret, admits a join carrying an unexpired token for its room', async () => {
    const { c } = await start({ tokenSecret: SECRET });
    const token = await mintRoomToken({ secret: SECRET, room: 'lobby', expiresIn: 60 });
    expect(await join(c, 'lobby', addr(1), token)).toEqual({ ok: true, room: 'lobby', peers: [], size: 1 });
  });

  it('with a secret, refuses a join without a token', async () => {
    const { server, c } = await start({ tokenSecret: SECRET });
    expect(await join(c, 'lobby', addr(1))).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(
      await metricValue(
        server,
        'shoal_signaling_rejected_events_total',
        '{event="join",reason="unauthorized"}',
      ),
    ).toBe(1);
  });

  it('refuses a token for another room', async () => {
    const { c } = await start({ tokenSecret: SECRET });
    const token = await mintRoomToken({ secret: SECRET, room: 'elsewhere' });
    expect(await join(c, 'lobby', addr(1), token)).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      message: expect.stringMatching(/another room/),
    });
  });

  it('refuses an expired token', async () => {
    const { c } = await start({ tokenSecret: SECRET });
    const token = await mintRoomToken({
      secret: SECRET,
      room: 'lobby',
      expiresIn: new Date(Date.now() - 3_600_000),
    });
    expect(await join(c, 'lobby', addr(1), token)).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      message: expect.stringMatching(/exp/),
    });
  });

  it('refuses a token signed with another secret, and garbage', async () => {
    const { c } = await start({ tokenSecret: SECRET });
    const forged = await mintRoomToken({ secret: 'some-other-secret', room: 'lobby' });
    expect(await join(c, 'lobby', addr(1), forged)).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(await join(c, 'lobby', addr(1), 'a.b.c')).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  it('refuses an unsigned (alg none) token', async () => {
    const { c } = await start({ tokenSecret: SECRET });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ room: 'lobby', exp: 4_000_000_000 })}.`;
    expect(await join(c, 'lobby', addr(1), unsigned)).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  it('refuses a token without an expiry', async () => {
    const { SignJWT } = await import('jose');
    const { c } = await start({ tokenSecret: SECRET });
    const token = await new SignJWT({ room: 'lobby' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    expect(await join(c, 'lobby', addr(1), token)).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  it('lets a custom authorizer decide per room', async () => {
    const { c } = await start({
      authorize: async ({ room, token }) =>
        room.startsWith('private-') && token !== 'letmein' ? 'no entry' : undefined,
    });
    expect((await join(c, 'public', addr(1))).ok).toBe(true);
    expect(await join(c, 'private-1', addr(1))).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      message: 'no entry',
    });
    expect((await join(c, 'private-1', addr(1), 'letmein')).ok).toBe(true);
  });

  it('answers internal, and stays up, when a custom authorizer throws', async () => {
    const { server, c } = await start({
      authorize: async () => {
        throw new Error('auth backend down');
      },
    });
    expect(await join(c, 'lobby', addr(1))).toMatchObject({ ok: false, reason: 'internal' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
