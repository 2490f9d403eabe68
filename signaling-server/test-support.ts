/** Helpers for the signaling server's tests: real socket.io clients against a real server. */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import {
  addrOfPublicKey,
  type ClientToServerEvents,
  type JoinResult,
  type MemberKey,
  type ServerToClientEvents,
  type SignalDelivery,
  signJoin,
} from '../shared/signaling/index';
import type { RunningServer } from './server';

export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** A seeded PRNG (mulberry32) so random tests replay from their printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keysByIndex = new Map<number, MemberKey>();
const keysByAddr = new Map<string, MemberKey>();

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The i-th test member's key: derived from i, so every test run has the same addresses. Signs with
 * Node's native Ed25519 (the same signatures as the clients' noble), so a bench of thousands of joins
 * measures the server, not the test's own signing.
 */
export function testKey(i: number): MemberKey {
  let key = keysByIndex.get(i);
  if (key === undefined) {
    const seed = createHash('sha256').update(`shoal-test-key:${i}`).digest();
    const privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
    key = {
      publicKey,
      addr: addrOfPublicKey(publicKey),
      sign: (message) => new Uint8Array(sign(null, message, privateKey)),
      exportSecret: () => seed.toString('hex'),
    };
    keysByIndex.set(i, key);
    keysByAddr.set(key.addr, key);
  }
  return key;
}

/** The i-th test address: the hash of the i-th test key (32 lowercase hex digits). */
export function addr(i: number): string {
  return testKey(i).addr;
}

const challenges = new WeakMap<TestClient, Promise<string>>();

/** The join challenge the server sent `client` when it connected. */
export function challengeOf(client: TestClient): Promise<string> {
  const challenge = challenges.get(client);
  if (challenge === undefined) throw new Error('client was not made by connectClient');
  return challenge;
}

/** Records the join challenges the server sends `client`; call before it connects (it comes right after). */
export function trackChallenge(client: TestClient): void {
  let resolveChallenge: (c: string) => void = () => {};
  const expect = () => challenges.set(client, new Promise((r) => (resolveChallenge = r)));
  expect();
  client.on('challenge', ({ challenge }) => resolveChallenge(challenge));
  // After a reconnection the server sends a fresh one: a join then waits for it.
  client.on('disconnect', expect);
}

/** Connects a websocket-only client and resolves once connected. */
export async function connectClient(
  url: string,
  options: { reconnection?: boolean } = {},
): Promise<TestClient> {
  const client: TestClient = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
  });
  trackChallenge(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', (error) => {
      client.close();
      reject(error);
    });
  });
  return client;
}

/**
 * Joins `room` as `address` (an `addr(i)`, whose key is known here), signing the socket's challenge as
 * a real client does.
 */
export async function join(
  client: TestClient,
  room: string,
  address: string,
  token?: string,
): Promise<JoinResult> {
  const key = keysByAddr.get(address);
  if (key === undefined) throw new Error(`no test key for ${address}: use addr(i)`);
  const proof = signJoin(key, await challengeOf(client), room);
  return client.emitWithAck('join', token === undefined ? { room, ...proof } : { room, ...proof, token });
}

/** Emits any event with any arguments and waits for its ack (for malformed input). */
export function emitRaw(client: TestClient, event: string, ...args: unknown[]): Promise<unknown> {
  const untyped = client as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  return untyped.emitWithAck(event, ...args);
}

/** Emits any event without asking for an ack. */
export function emitNoAck(client: TestClient, event: string, ...args: unknown[]): void {
  (client as unknown as { emit(event: string, ...args: unknown[]): void }).emit(event, ...args);
}

/** Resolves with the next `signal` delivered to `client`. */
export function nextSignal(client: TestClient): Promise<SignalDelivery> {
  return new Promise((resolve) => client.once('signal', resolve));
}

/** Collects every `signal` delivered to `client`, in order. */
export function collectSignals(client: TestClient): SignalDelivery[] {
  const received: SignalDelivery[] = [];
  client.on('signal', (delivery) => received.push(delivery));
  return received;
}

/** Disconnects `client` and resolves once the server has run its disconnect cleanup. */
export async function disconnectAndSettle(server: RunningServer, client: TestClient): Promise<void> {
  const serverSide = server.io.of('/').sockets.get(client.id ?? '');
  if (serverSide === undefined) throw new Error('client has no socket on this server');
  const gone = new Promise<void>((resolve) => serverSide.once('disconnect', () => resolve()));
  client.disconnect();
  await gone;
}

/** The value of one Prometheus sample line, or 0 when absent. */
export async function metricValue(server: RunningServer, name: string, labels = ''): Promise<number> {
  const text = await server.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

export async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}
