/**
 * Signed signals through the server (issue 11): `data` stays opaque, so a signal's proof (its
 * sender's public key and signature) passes through untouched; but the server will not carry a proof
 * whose key is not the sending socket's, nor malformed proof fields.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { signalSigningMessage } from '../shared/signaling/index';
import { type RunningServer, startServer } from './server';
import { addr, collectSignals, connectClient, join, type TestClient, testKey } from './test-support';

let server: RunningServer | undefined;
let clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  await server?.close();
  clients = [];
});

async function lobby() {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  const a = await connectClient(server.url);
  const b = await connectClient(server.url);
  clients.push(a, b);
  expect((await join(a, 'lobby', addr(1))).ok).toBe(true);
  expect((await join(b, 'lobby', addr(2))).ok).toBe(true);
  return { a, b };
}

/** A connect request from member `i` to member 2, signed by member `signer`. */
function signedRequest(i: number, signer = i) {
  const key = testKey(signer);
  const sessionId = '0a1b2c3d-1';
  const fields = {
    type: 'connect',
    room: 'lobby',
    from: addr(i),
    to: addr(2),
    sessionId,
    binding: '',
  } as const;
  const data = {
    type: 'connect',
    publicKey: bytesToHex(key.publicKey),
    signature: bytesToHex(key.sign(signalSigningMessage(fields))),
  };
  return { room: 'lobby', to: addr(2), sessionId, data };
}

describe('signed signals through the server', () => {
  it("a signal carrying its sender's proof is delivered with the proof intact", async () => {
    const { a, b } = await lobby();
    const received = collectSignals(b);
    const request = signedRequest(1);
    expect(await a.emitWithAck('signal', request)).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([
      { room: 'lobby', from: addr(1), sessionId: request.sessionId, data: request.data },
    ]);
  });

  it("a proof by another member's key, or malformed proof fields, is refused and not delivered", async () => {
    const { a, b } = await lobby();
    const received = collectSignals(b);
    const other = signedRequest(1, 3);
    expect(await a.emitWithAck('signal', other)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const bad = [
      { type: 'connect', publicKey: 'zz', signature: other.data.signature },
      { type: 'connect', publicKey: other.data.publicKey },
      { type: 'connect', publicKey: bytesToHex(testKey(1).publicKey), signature: 7 },
    ];
    for (const data of bad) {
      expect(await a.emitWithAck('signal', { ...other, data })).toMatchObject({
        ok: false,
        reason: 'bad-signature',
      });
    }
    // Opaque data without a proof still passes, as before.
    expect(await a.emitWithAck('signal', { ...other, data: { type: 'offer', sdp: 'v=0' } })).toEqual({
      ok: true,
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(received.map((s) => s.data)).toEqual([{ type: 'offer', sdp: 'v=0' }]);
  });
});
