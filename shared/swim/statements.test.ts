import { describe, expect, it } from 'vitest';
import { BinaryCodec } from './binary-codec';
import { BrowserIdentity, browserIdentityCodec } from './browser-identity';
import { BufferReader, BufferWriter } from './byte-io';
import type { Member } from './member';
import { encodedMemberSize } from './packet';
import { seededRng } from './seeded-rng';
import { PROOF_BYTES, statementBytes } from './statements';

const codec = new BinaryCodec(browserIdentityCodec);
const rng = seededRng(7);
const v = BrowserIdentity.random(rng, 3);
const a = BrowserIdentity.random(rng);
const proof = Uint8Array.from({ length: PROOF_BYTES }, (_, i) => i);

function roundTrip(m: Member<BrowserIdentity>): Member<BrowserIdentity> {
  return codec.readMember(new BufferReader(encodeMember(m)));
}

function encodeMember(m: Member<BrowserIdentity>): Uint8Array {
  const w = new BufferWriter();
  codec.writeMember(w, m);
  expect(w.length).toBe(encodedMemberSize(codec, m));
  return w.view().slice();
}

describe('signed updates on the wire (protocol 1.3)', () => {
  it('an Alive or a leave with its own proof: 21 + 96 bytes, read back as written', () => {
    for (const state of ['alive', 'down'] as const) {
      const m: Member<BrowserIdentity> = { id: v, incarnation: 9, state, proof };
      expect(encodedMemberSize(codec, m)).toBe(117);
      const back = roundTrip(m);
      expect(back.state).toBe(state);
      expect(back.id.equals(v)).toBe(true);
      expect(Array.from(back.proof!)).toEqual(Array.from(proof));
      expect(back.accuser).toBeUndefined();
    }
  });

  it('an accusation (Suspect or Down) names its accuser: 21 + 18 + 96 bytes', () => {
    for (const state of ['suspect', 'down'] as const) {
      const m: Member<BrowserIdentity> = { id: v, incarnation: 2, state, accuser: a, proof };
      expect(encodedMemberSize(codec, m)).toBe(135);
      const back = roundTrip(m);
      expect(back.state).toBe(state);
      expect(back.accuser!.equals(a)).toBe(true);
    }
  });

  it('a proof cut short is a decode error', () => {
    const bytes = encodeMember({ id: v, incarnation: 0, state: 'alive', proof });
    expect(() => codec.readMember(new BufferReader(bytes.subarray(0, bytes.length - 1)))).toThrow();
  });

  it('the signed bytes differ by state, incarnation, life and accuser', () => {
    const base = statementBytes(codec, { id: v, incarnation: 1, state: 'alive' });
    const keys = [
      base,
      statementBytes(codec, { id: v, incarnation: 2, state: 'alive' }),
      statementBytes(codec, { id: v, incarnation: 1, state: 'down' }),
      statementBytes(codec, { id: BrowserIdentity.fromHex(v.addr, 4), incarnation: 1, state: 'alive' }),
      statementBytes(codec, { id: v, incarnation: 1, state: 'down' }, a),
    ].map((b) => Array.from(b).join(','));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
