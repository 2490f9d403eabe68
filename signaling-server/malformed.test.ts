import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server';
import {
  addr,
  collectSignals,
  connectClient,
  emitNoAck,
  emitRaw,
  getJson,
  join,
  metricValue,
  type TestClient,
} from './test-support';

let server: RunningServer;
let a: TestClient;
let b: TestClient;
let bSignals: ReturnType<typeof collectSignals>;

const A = addr(0xa);
const B = addr(0xb);
const rejected = (event: string, reason: string) =>
  metricValue(server, 'shoal_signaling_rejected_events_total', `{event="${event}",reason="${reason}"}`);

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    limits: { events: { ratePerSecond: 1000, burst: 10_000 } },
  });
  a = await connectClient(server.url);
  b = await connectClient(server.url);
  await join(a, 'lobby', A);
  await join(b, 'lobby', B);
  bSignals = collectSignals(b);
});

afterAll(async () => {
  a.close();
  b.close();
  await server.close();
});

/** The server's state is unchanged: still one room with a and b, and b received no signal. */
async function expectNothingChanged(): Promise<void> {
  expect(await getJson(`${server.url}/healthz`)).toMatchObject({ rooms: 1, members: 2, connections: 2 });
  const probe = await join(await connectClient(server.url), 'lobby', addr(0xc)).then((r) => r);
  expect(probe.ok).toBe(true);
  if (probe.ok) expect([...probe.peers].sort()).toEqual([A, B]);
  expect(bSignals).toEqual([]);
}

const validJoin = { room: 'lobby', addr: A };
const validSignal = { room: 'lobby', to: B, sessionId: 's1', data: { type: 'offer', sdp: 'v=0' } };

const badJoins: Array<[string, unknown]> = [
  ['a string', 'lobby'],
  ['null', null],
  ['an array', ['lobby', A]],
  ['a numeric room', { room: 5, addr: A }],
  ['an empty room', { room: '', addr: A }],
  ['a 65-character room', { room: 'r'.repeat(65), addr: A }],
  ['a room with a space', { room: 'the lobby', addr: A }],
  ['a room with a slash', { room: 'a/b', addr: A }],
  ['an uppercase addr', { room: 'lobby', addr: A.toUpperCase().replace(/^0/, 'F') }],
  ['a short addr', { room: 'lobby', addr: 'abc' }],
  ['a non-hex addr', { room: 'lobby', addr: 'g'.repeat(32) }],
  ['a missing addr', { room: 'lobby' }],
  ['an unknown key', { ...validJoin, admin: true }],
  ['a numeric token', { ...validJoin, token: 5 }],
  ['an oversized token', { ...validJoin, token: 't'.repeat(3000) }],
];

const badSignals: Array<[string, unknown]> = [
  ['no data', { room: 'lobby', to: B, sessionId: 's' }],
  ['an empty session id', { ...validSignal, sessionId: '' }],
  ['a 129-character session id', { ...validSignal, sessionId: 's'.repeat(129) }],
  ['a bad recipient', { ...validSignal, to: 'nobody' }],
  ['a bad room', { ...validSignal, room: '' }],
  ['an unknown key', { ...validSignal, from: A }],
];

describe('malformed events', () => {
  it.each(badJoins)('refuses a join with %s', async (_name, payload) => {
    const before = await rejected('join', 'invalid-payload');
    expect(await emitRaw(a, 'join', payload)).toMatchObject({ ok: false, reason: 'invalid-payload' });
    expect(await rejected('join', 'invalid-payload')).toBe(before + 1);
  });

  it.each(badSignals)('refuses a signal with %s', async (_name, payload) => {
    expect(await emitRaw(a, 'signal', payload)).toMatchObject({ ok: false, reason: 'invalid-payload' });
  });

  it('refuses a leave with a bad room', async () => {
    expect(await emitRaw(a, 'leave', { room: 'no spaces allowed' })).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
    });
    expect(await emitRaw(a, 'leave', {})).toMatchObject({ ok: false, reason: 'invalid-payload' });
  });

  it('refuses an unknown event name, with an ack when one was asked for and a count either way', async () => {
    const before = await rejected('unknown', 'invalid-payload');
    const result = await emitRaw(a, 'become-admin', { room: 'lobby' });
    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
      message: expect.stringMatching(/unknown event/),
    });
    emitNoAck(a, 'no-ack-here', {});
    // Events of one socket are handled in order, so once this ack is back the one above was counted.
    await emitRaw(a, 'leave', { room: 'nowhere' });
    expect(await rejected('unknown', 'invalid-payload')).toBe(before + 2);
  });

  it('refuses a wrong number of arguments', async () => {
    expect(await emitRaw(a, 'join')).toMatchObject({ ok: false, reason: 'invalid-payload' });
    expect(await emitRaw(a, 'join', validJoin, validJoin)).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
    });
  });

  it('accepts nesting up to maxPayloadDepth and refuses deeper payloads', async () => {
    // The payload object is level 1, `data` level 2: seven nested arrays reach level 8, the default limit.
    const nest = (levels: number): unknown => (levels === 0 ? 'x' : [nest(levels - 1)]);
    const okDelivery = new Promise((resolve) => b.once('signal', resolve));
    expect(await emitRaw(a, 'signal', { ...validSignal, sessionId: 'deep-ok', data: nest(6) })).toEqual({
      ok: true,
    });
    expect(await okDelivery).toMatchObject({ sessionId: 'deep-ok' });
    bSignals.length = 0;
    expect(await emitRaw(a, 'signal', { ...validSignal, data: nest(8) })).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
      message: expect.stringMatching(/deeper/),
    });
  });

  it('survives a payload nested 15,000 levels deep, sent raw since the client library recurses', async () => {
    const before = await rejected('signal', 'invalid-payload');
    const depth = 15_000;
    a.io.engine.send(`2["signal",${'['.repeat(depth)}${']'.repeat(depth)}]`);
    // One socket's events are handled in order: when this ack is back, the raw one was handled.
    await emitRaw(a, 'leave', { room: 'nowhere' });
    expect(await rejected('signal', 'invalid-payload')).toBe(before + 1);
    expect(a.connected).toBe(true);
  });

  it.each([
    [
      '__proto__ at the top',
      '{"room":"lobby","addr":"0000000000000000000000000000000a","__proto__":{"polluted":1}}',
    ],
    [
      'constructor at the top',
      '{"room":"lobby","addr":"0000000000000000000000000000000a","constructor":{"prototype":1}}',
    ],
  ])('refuses a join holding %s', async (_name, json) => {
    expect(await emitRaw(a, 'join', JSON.parse(json))).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
      message: expect.stringMatching(/forbidden key/),
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['__proto__', '{"type":"offer","nested":{"__proto__":{"polluted":1}}}'],
    ['constructor', '{"constructor":{"prototype":{"polluted":1}}}'],
    ['prototype', '[{"prototype":1}]'],
  ])('refuses opaque signal data holding %s anywhere', async (_name, json) => {
    expect(await emitRaw(a, 'signal', { ...validSignal, data: JSON.parse(json) })).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses binary attachments', async () => {
    expect(await emitRaw(a, 'signal', { ...validSignal, data: new Uint8Array([1, 2, 3]) })).toMatchObject({
      ok: false,
      reason: 'invalid-payload',
      message: expect.stringMatching(/binary/),
    });
  });

  it('treats room names like __proto__ as plain names', async () => {
    const c = await connectClient(server.url);
    expect(await join(c, '__proto__', addr(1))).toEqual({ ok: true, room: '__proto__', peers: [], size: 1 });
    expect(await join(c, 'constructor', addr(1))).toEqual({
      ok: true,
      room: 'constructor',
      peers: [],
      size: 1,
    });
    c.close();
    expect(({} as Record<string, unknown>)[addr(1)]).toBeUndefined();
  });

  it.each([
    ['a reserved event name', '2["disconnecting",{}]'],
    ['broken JSON', '2["join",{"room":'],
    ['an unknown packet type', '9[]'],
  ])(
    'closes a connection that sends a packet socket.io cannot parse (%s), and counts it',
    async (_name, raw) => {
      const before = await rejected('unknown', 'invalid-payload');
      const c = await connectClient(server.url);
      const serverSide = server.io.of('/').sockets.get(c.id ?? '');
      const closed = new Promise<string>((resolve) => serverSide?.once('disconnect', resolve));
      c.io.engine.send(raw);
      expect(await closed).toBe('forced close');
      expect(await rejected('unknown', 'invalid-payload')).toBe(before + 1);
      c.close();
    },
  );

  it('changed nothing through all of the above', async () => {
    await expectNothingChanged();
  });
});
