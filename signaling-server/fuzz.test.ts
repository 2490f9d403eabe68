import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server';
import { addr, connectClient, emitRaw, getJson, join, type TestClient } from './test-support';

const REASONS = [
  'invalid-payload',
  'payload-too-large',
  'rate-limited',
  'room-full',
  'too-many-rooms',
  'unauthorized',
  'not-in-room',
  'unknown-peer',
  'server-full',
  'internal',
];

let server: RunningServer;
let fuzzer: TestClient;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    limits: { events: { ratePerSecond: 1e6, burst: 1e6 }, joins: { ratePerSecond: 1e6, burst: 1e6 } },
  });
  fuzzer = await connectClient(server.url);
  await join(await connectClient(server.url), 'lobby', addr(1));
});

afterAll(async () => {
  fuzzer.close();
  await server.close();
});

/** Valid payloads with one field replaced by anything, so the schemas see near-misses, not just noise. */
const nearMiss = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { room: 'lobby', addr: addr(2) },
      { room: 'lobby', to: addr(1), sessionId: 's', data: { type: 'offer', sdp: 'v=0' } },
      { room: 'lobby' },
    ),
    fc.constantFrom('room', 'addr', 'to', 'sessionId', 'data', 'token', '__proto__', 'constructor', 'extra'),
    fc.jsonValue({ maxDepth: 12 }),
  )
  .map(([base, key, value]) => JSON.parse(JSON.stringify({ ...base, [key]: value })) as unknown);

const event = fc.tuple(
  fc.oneof(fc.constantFrom('join', 'leave', 'signal'), fc.string({ maxLength: 20 })),
  fc.oneof(nearMiss, fc.jsonValue({ maxDepth: 12 })),
);

describe('fuzzed events', () => {
  it('always get a well-formed ack, never crash the server, never drop the connection', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
    console.log(`signaling fuzz seed=${seed} (replay with SEED=${seed})`);
    const events = fc.sample(event, { seed, numRuns: 400 });
    for (const [name, payload] of events) {
      const ack = (await emitRaw(fuzzer, name, payload)) as {
        ok: boolean;
        reason?: string;
        message?: string;
      };
      expect(typeof ack.ok).toBe('boolean');
      if (!ack.ok) {
        expect(REASONS).toContain(ack.reason);
        expect(typeof ack.message).toBe('string');
      }
    }
    expect(fuzzer.connected).toBe(true);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ status: 'ok', connections: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
