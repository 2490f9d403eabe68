import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { memberKeyFromSecret } from './member-key';
import {
  type SignalSigningFields,
  sdpFingerprints,
  signalBinding,
  signalSigningMessage,
  verifySignalProof,
} from './signed-signal';

const key = memberKeyFromSecret(new Uint8Array(32).fill(1));
const other = memberKeyFromSecret(new Uint8Array(32).fill(2));
const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  'a=fingerprint:sha-256 AB:CD:EF',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=fingerprint:SHA-256 01:02:03 ',
  'a=ice-ufrag:x',
].join('\r\n');

const fields: SignalSigningFields = {
  type: 'offer',
  room: 'lobby',
  from: key.addr,
  to: other.addr,
  sessionId: '0a1b2c3d-1700000000000',
  binding: sdpFingerprints(SDP),
};

function sign(f: SignalSigningFields, by = key): { publicKey: string; signature: string } {
  return { publicKey: bytesToHex(by.publicKey), signature: bytesToHex(by.sign(signalSigningMessage(f))) };
}

describe('signed signals', () => {
  it("an SDP's binding is its DTLS fingerprint lines, in order, trimmed and lowercased", () => {
    expect(sdpFingerprints(SDP)).toBe('a=fingerprint:sha-256 ab:cd:ef\na=fingerprint:sha-256 01:02:03');
    expect(signalBinding({ type: 'offer', sdp: SDP })).toBe(sdpFingerprints(SDP));
    // The candidates and ICE credentials are not covered: a changed one cannot pass DTLS anyway.
    expect(signalBinding({ type: 'offer', sdp: SDP.replace('ice-ufrag:x', 'ice-ufrag:y') })).toBe(
      sdpFingerprints(SDP),
    );
  });

  it('a signal without fingerprints (in-memory, BroadcastChannel) is bound to all of itself', () => {
    expect(signalBinding({ type: 'offer', sdp: 'memory:3' })).toBe('{"type":"offer","sdp":"memory:3"}');
    expect(signalBinding({ type: 'answer', link: 'ab' })).toBe('{"type":"answer","link":"ab"}');
  });

  it("a signature by the sender's key over exactly these fields verifies", () => {
    const { publicKey, signature } = sign(fields);
    expect(verifySignalProof(publicKey, signature, fields)).toBe(true);
  });

  it('any field changed, another key, or malformed hex fails, never throws', () => {
    const { publicKey, signature } = sign(fields);
    const changed: SignalSigningFields[] = [
      { ...fields, type: 'answer' },
      { ...fields, room: 'lobby2' },
      { ...fields, to: key.addr, from: other.addr },
      { ...fields, to: 'f'.repeat(32) },
      { ...fields, sessionId: '0a1b2c3d-1700000000001' },
      { ...fields, instance: '0a1b2c3d' },
      { ...fields, binding: fields.binding.replace('ab:cd:ef', 'ab:cd:ee') },
    ];
    for (const f of changed) expect(verifySignalProof(publicKey, signature, f)).toBe(false);
    // Signed by another key: that key does not hash to `from`, whatever it signed.
    const byOther = sign(fields, other);
    expect(verifySignalProof(byOther.publicKey, byOther.signature, fields)).toBe(false);
    for (const [k, s] of [
      ['', signature],
      [publicKey, ''],
      [publicKey.toUpperCase(), signature],
      [publicKey, `${signature.slice(0, -2)}zz`],
      ['00'.repeat(32), signature],
    ] as const) {
      expect(verifySignalProof(k, s, fields)).toBe(false);
    }
  });

  it('a join signature can never pass for a signal signature (distinct labels)', () => {
    expect(new TextDecoder().decode(signalSigningMessage(fields))).toMatch(/^shoal-signal-v1:offer:lobby:/);
  });
});
