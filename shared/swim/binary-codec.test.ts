import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANNOUNCE_WITH_DIGEST_TAG, BinaryCodec, MESSAGE_TAGS } from './binary-codec';
import { BrowserIdentity, browserIdentityCodec } from './browser-identity';
import { BufferReader, BufferWriter } from './byte-io';
import { DecodeError } from './codec';
import type { Member } from './member';
import type { Header, Message, MessageType } from './payload';

const SEED = Number(process.env.SEED ?? 20_261_126);
console.log(`binary-codec properties: fast-check seed ${SEED} (replay with SEED=${SEED})`);

const codec = new BinaryCodec(browserIdentityCodec);
const A = BrowserIdentity.fromHex('0123456789abcdef0123456789abcdef', 1);
const B = BrowserIdentity.fromHex('fedcba9876543210fedcba9876543210', 2);
const C = BrowserIdentity.fromHex('00112233445566778899aabbccddeeff', 65_535);

const EXAMPLES: Record<MessageType, Message<BrowserIdentity>> = {
  ping: { type: 'ping', probeNumber: 7 },
  ack: { type: 'ack', probeNumber: 255 },
  'ping-req': { type: 'ping-req', target: C, probeNumber: 1 },
  'indirect-ping': { type: 'indirect-ping', origin: C, probeNumber: 2 },
  'indirect-ack': { type: 'indirect-ack', target: C, probeNumber: 3 },
  'forwarded-ack': { type: 'forwarded-ack', origin: C, probeNumber: 0 },
  gossip: { type: 'gossip' },
  announce: { type: 'announce' },
  feed: { type: 'feed', next: 65_535 },
  'feed-request': { type: 'feed-request', cursor: 300 },
  broadcast: { type: 'broadcast' },
  'turn-undead': { type: 'turn-undead' },
  nack: { type: 'nack', probeNumber: 9 },
  sync: {
    type: 'sync',
    total: 0xfedcba98,
    salt: 0xbeef,
    bits: 3,
    buckets: new Uint8Array([0, 1, 2, 3, 252, 253, 254, 255]),
  },
  'sync-page': { type: 'sync-page', from: 0x4000, to: 0x7fff, last: true },
};

function headerOf(message: Message<BrowserIdentity>, srcIncarnation = 9): Header<BrowserIdentity> {
  return { src: A, srcIncarnation, dst: B, message };
}

function encodeHeader(h: Header<BrowserIdentity>): Uint8Array {
  const w = new BufferWriter();
  codec.writeHeader(w, h);
  return w.view().slice();
}

function encodeMember(m: Member<BrowserIdentity>): Uint8Array {
  const w = new BufferWriter();
  codec.writeMember(w, m);
  return w.view().slice();
}

const identityArb = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65_535 }))
  .map(([raw, gen]) => BrowserIdentity.fromBytes(raw, gen));
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 65_535 });
const messageArb: fc.Arbitrary<Message<BrowserIdentity>> = fc.oneof(
  u8.map((probeNumber) => ({ type: 'ping' as const, probeNumber })),
  u8.map((probeNumber) => ({ type: 'ack' as const, probeNumber })),
  fc
    .tuple(identityArb, u8)
    .map(([target, probeNumber]) => ({ type: 'ping-req' as const, target, probeNumber })),
  fc
    .tuple(identityArb, u8)
    .map(([origin, probeNumber]) => ({ type: 'indirect-ping' as const, origin, probeNumber })),
  fc
    .tuple(identityArb, u8)
    .map(([target, probeNumber]) => ({ type: 'indirect-ack' as const, target, probeNumber })),
  fc
    .tuple(identityArb, u8)
    .map(([origin, probeNumber]) => ({ type: 'forwarded-ack' as const, origin, probeNumber })),
  fc.constant({ type: 'gossip' as const }),
  fc.constant({ type: 'announce' as const }),
  fc
    .tuple(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }))
    .map(([members, items]) => ({ type: 'announce' as const, digest: { members, items } })),
  u16.map((next) => ({ type: 'feed' as const, next })),
  u16.map((cursor) => ({ type: 'feed-request' as const, cursor })),
  fc.constant({ type: 'broadcast' as const }),
  fc.constant({ type: 'turn-undead' as const }),
);
const headerArb = fc.record({ src: identityArb, srcIncarnation: u16, dst: identityArb, message: messageArb });
const memberArb = fc.record({
  id: identityArb,
  incarnation: u16,
  state: fc.constantFrom('alive' as const, 'suspect' as const, 'down' as const),
});

describe('BinaryCodec headers', () => {
  it.each(Object.keys(EXAMPLES) as MessageType[])('a_%s_header_round_trips', (type) => {
    const h = headerOf(EXAMPLES[type]);
    const r = new BufferReader(encodeHeader(h));
    expect(codec.readHeader(r)).toEqual(h);
    expect(r.remaining).toBe(0);
  });

  it('lays_a_ping_out_as_src_incarnation_dst_tag_probe_number', () => {
    const bytes = encodeHeader(headerOf({ type: 'ping', probeNumber: 7 }, 0x0a0b));
    expect(bytes.length).toBe(40);
    expect([...bytes.subarray(0, 16)]).toEqual([...A.raw]);
    expect([...bytes.subarray(16, 18)]).toEqual([0, 1]);
    expect([...bytes.subarray(18, 20)]).toEqual([0x0a, 0x0b]);
    expect([...bytes.subarray(20, 36)]).toEqual([...B.raw]);
    expect([...bytes.subarray(36, 38)]).toEqual([0, 2]);
    expect([bytes[38], bytes[39]]).toEqual([MESSAGE_TAGS.ping, 7]);
  });

  it('gives_every_message_kind_its_own_tag', () => {
    const tags = Object.values(MESSAGE_TAGS);
    expect(new Set(tags).size).toBe(tags.length);
    for (const type of Object.keys(EXAMPLES) as MessageType[]) {
      expect(encodeHeader(headerOf(EXAMPLES[type]))[38]).toBe(MESSAGE_TAGS[type]);
    }
  });

  it('lays_an_announce_with_digests_out_under_its_own_tag_with_two_u32s_and_a_plain_one_as_before', () => {
    const digest = { members: 0x01020304, items: 0xfffefdfc };
    const withDigest = encodeHeader(headerOf({ type: 'announce', digest }));
    expect(withDigest.length).toBe(47);
    expect([...withDigest.subarray(38)]).toEqual([
      ANNOUNCE_WITH_DIGEST_TAG,
      1,
      2,
      3,
      4,
      0xff,
      0xfe,
      0xfd,
      0xfc,
    ]);
    const r = new BufferReader(withDigest);
    expect(codec.readHeader(r).message).toEqual({ type: 'announce', digest });
    expect(r.remaining).toBe(0);
    const plain = encodeHeader(headerOf({ type: 'announce' }));
    expect([...plain.subarray(38)]).toEqual([MESSAGE_TAGS.announce]);
    expect(codec.readHeader(new BufferReader(plain)).message).toEqual({ type: 'announce' });
  });

  it('refuses_an_unknown_tag_with_a_decode_error', () => {
    const bytes = encodeHeader(headerOf({ type: 'gossip' }));
    for (const tag of [12, 99, 255]) {
      bytes[38] = tag;
      expect(() => codec.readHeader(new BufferReader(bytes))).toThrow(DecodeError);
    }
  });

  it('refuses_fields_out_of_range_on_write_with_a_range_error', () => {
    const w = new BufferWriter();
    expect(() => codec.writeHeader(w, headerOf({ type: 'gossip' }, 65_536))).toThrow(RangeError);
    expect(() => codec.writeHeader(w, headerOf({ type: 'ping', probeNumber: 256 }))).toThrow(RangeError);
    expect(() => codec.writeHeader(w, headerOf({ type: 'ack', probeNumber: -1 }))).toThrow(RangeError);
    expect(() => codec.writeHeader(w, headerOf({ type: 'feed', next: 70_000 }))).toThrow(RangeError);
    expect(() => codec.writeHeader(w, headerOf({ type: 'feed-request', cursor: 1.5 }))).toThrow(RangeError);
    const bogus = { type: 'bogus' } as unknown as Message<BrowserIdentity>;
    expect(() => codec.writeHeader(w, headerOf(bogus))).toThrow(RangeError);
  });

  it('round_trips_any_header', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const r = new BufferReader(encodeHeader(h));
        expect(codec.readHeader(r)).toEqual(h);
        expect(r.remaining).toBe(0);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('BinaryCodec members', () => {
  it('lays_a_member_out_as_identity_incarnation_state_in_21_bytes', () => {
    const bytes = encodeMember({ id: A, incarnation: 0x0304, state: 'suspect' });
    expect(bytes.length).toBe(21);
    expect([...bytes.subarray(18)]).toEqual([3, 4, 1]);
  });

  it('codes_alive_suspect_down_as_0_1_2', () => {
    expect(encodeMember({ id: A, incarnation: 0, state: 'alive' })[20]).toBe(0);
    expect(encodeMember({ id: A, incarnation: 0, state: 'suspect' })[20]).toBe(1);
    expect(encodeMember({ id: A, incarnation: 0, state: 'down' })[20]).toBe(2);
  });

  it('refuses_an_unknown_state_code_with_a_decode_error', () => {
    const bytes = encodeMember({ id: A, incarnation: 0, state: 'down' });
    bytes[20] = 3;
    expect(() => codec.readMember(new BufferReader(bytes))).toThrow(DecodeError);
  });

  it('refuses_a_bad_incarnation_or_state_on_write_with_a_range_error', () => {
    const w = new BufferWriter();
    expect(() => codec.writeMember(w, { id: A, incarnation: 65_536, state: 'alive' })).toThrow(RangeError);
    const zombie = { id: A, incarnation: 1, state: 'zombie' } as unknown as Member<BrowserIdentity>;
    expect(() => codec.writeMember(w, zombie)).toThrow(RangeError);
  });

  it('round_trips_any_member', () => {
    fc.assert(
      fc.property(memberArb, (m) => {
        const r = new BufferReader(encodeMember(m));
        expect(codec.readMember(r)).toEqual(m);
        expect(r.remaining).toBe(0);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('BinaryCodec readSource', () => {
  const header = (src: BrowserIdentity): Header<BrowserIdentity> => ({
    src,
    srcIncarnation: 3,
    dst: B,
    message: { type: 'ping', probeNumber: 1 },
  });
  const packetFrom = (src: BrowserIdentity): Uint8Array => {
    const w = new BufferWriter();
    codec.writeHeader(w, header(src));
    return w.view().slice();
  };

  it('reads_the_sender_of_a_packet_from_its_header', () => {
    expect(codec.readSource(packetFrom(A))).toEqual(A);
    expect(codec.readSource(packetFrom(C))?.addr).toBe(C.addr);
  });

  it('returns_undefined_for_bytes_too_short_to_hold_an_identity', () => {
    const bytes = packetFrom(A);
    expect(codec.readSource(bytes.subarray(0, 17))).toBeUndefined();
    expect(codec.readSource(new Uint8Array(0))).toBeUndefined();
    expect(codec.readSource(bytes.subarray(0, 18))?.addr).toBe(A.addr);
  });
});
