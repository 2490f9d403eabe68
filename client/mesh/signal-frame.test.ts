import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRelayedSignal,
  encodeRelayedSignal,
  MAX_RELAY_TTL,
  MAX_SIGNAL_FRAME_BYTES,
  type RelayedSignal,
} from './signal-frame';
import { formatSessionId, parseSessionId, parseSignalMessage } from './signal-message';
import { testAddr } from './test-support/helpers';

const offer: RelayedSignal = {
  sessionId: '0a1b2c3d-42',
  seq: 7,
  from: testAddr(1),
  to: testAddr(2),
  ttl: 3,
  data: { type: 'offer', signal: { type: 'offer', sdp: 'v=0\r\n' } },
};

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

describe('relayed signal frames', () => {
  it('round trip every signal message type', () => {
    const datas: RelayedSignal['data'][] = [
      offer.data,
      { type: 'answer', signal: { type: 'answer', sdp: 'x' } },
      { type: 'answer', signal: { type: 'answer', sdp: 'x' }, instance: '0123abcd' },
      { type: 'unreachable' },
      { type: 'connect' },
      { type: 'busy' },
    ];
    for (const data of datas) {
      const signal = { ...offer, data };
      expect(decodeRelayedSignal(encodeRelayedSignal(signal))).toEqual(signal);
    }
  });

  it('every strict prefix of an encoded signal, and the signal with trailing junk, decode to nothing', () => {
    const bytes = encodeRelayedSignal(offer);
    for (let length = 0; length < bytes.length; length++) {
      expect(decodeRelayedSignal(bytes.subarray(0, length))).toBeUndefined();
    }
    const junk = new Uint8Array(bytes.length + 3);
    junk.set(bytes);
    junk.set([0x7b, 0x7d, 0xff], bytes.length);
    expect(decodeRelayedSignal(junk)).toBeUndefined();
  });

  it('reject bad fields: addrs, self-addressed, ttl, seq, session id, message', () => {
    const bad: Record<string, unknown>[] = [
      { ...offer, from: 'ABC' },
      { ...offer, to: testAddr(1).toUpperCase() },
      { ...offer, to: offer.from },
      { ...offer, ttl: -1 },
      { ...offer, ttl: MAX_RELAY_TTL + 1 },
      { ...offer, ttl: 1.5 },
      { ...offer, seq: -1 },
      { ...offer, seq: '1' },
      { ...offer, sessionId: 'nope' },
      { ...offer, data: { type: 'offer' } },
      { ...offer, data: { type: 'offer', signal: [1] } },
      { ...offer, data: { type: 'hello' } },
      { ...offer, data: { type: 'answer', signal: {}, instance: 'XYZ' } },
      { ...offer, data: null },
    ];
    for (const value of bad) expect(decodeRelayedSignal(json(value))).toBeUndefined();
    expect(decodeRelayedSignal(json(null))).toBeUndefined();
    expect(decodeRelayedSignal(json([offer]))).toBeUndefined();
    expect(decodeRelayedSignal(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });

  it('refuse to encode, and drop on decode, signals past the size limit', () => {
    const big = {
      ...offer,
      data: { type: 'offer' as const, signal: { sdp: 'x'.repeat(MAX_SIGNAL_FRAME_BYTES) } },
    };
    expect(() => encodeRelayedSignal(big)).toThrow(RangeError);
    expect(decodeRelayedSignal(json(big))).toBeUndefined();
  });

  it('decoding arbitrary bytes or JSON never throws', () => {
    const seed = Number(process.env.MESH_SEED ?? Date.now() % 2 ** 31);
    console.log(`signal frame property seed ${seed} (replay with MESH_SEED=${seed})`);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.json().map((text) => encoder.encode(text)),
        ),
        (bytes) => {
          decodeRelayedSignal(bytes);
        },
      ),
      { seed },
    );
  });
});

describe('session ids and signal messages', () => {
  it('a session id is its instance and counter, and parses back', () => {
    expect(formatSessionId({ instance: '0a1b2c3d', counter: 12 })).toBe('0a1b2c3d-12');
    expect(parseSessionId('0a1b2c3d-12')).toEqual({ instance: '0a1b2c3d', counter: 12 });
    expect(parseSessionId('0a1b2c3d-')).toBeUndefined();
    expect(parseSessionId('0A1B2C3D-1')).toBeUndefined();
    expect(parseSessionId(12)).toBeUndefined();
  });

  it('signal messages keep only what they define', () => {
    expect(parseSignalMessage({ type: 'connect', extra: 1 })).toEqual({ type: 'connect' });
    expect(parseSignalMessage({ type: 'answer', signal: { sdp: 's' }, x: 2 })).toEqual({
      type: 'answer',
      signal: { sdp: 's' },
    });
    expect(parseSignalMessage('offer')).toBeUndefined();
  });
});
