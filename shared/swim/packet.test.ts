import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryCodec } from './binary-codec';
import { BrowserIdentity, browserIdentityCodec } from './browser-identity';
import { EncodeError } from './errors';
import type { Member } from './member';
import { decodePacket, encodedMemberSize, isHeaderOnly, PacketEncoder } from './packet';
import type { Header, MessageType } from './payload';
import { seededRng } from './seeded-rng';
import { exampleMessages } from './test-support/example-messages';

const SEED = Number(process.env.SEED ?? 20_261_126);
console.log(`packet properties: fast-check seed ${SEED} (replay with SEED=${SEED})`);

const codec = new BinaryCodec(browserIdentityCodec);
const rng = seededRng(SEED);
const A = BrowserIdentity.random(rng, 1);
const B = BrowserIdentity.random(rng, 2);
const C = BrowserIdentity.random(rng, 3);
const MEMBERS: Member<BrowserIdentity>[] = [
  { id: A, incarnation: 1, state: 'alive' },
  { id: C, incarnation: 65_535, state: 'suspect' },
  { id: BrowserIdentity.random(rng), incarnation: 0, state: 'down' },
];
const ITEMS = [new Uint8Array([1, 2, 3]), new Uint8Array([0xff])];

const MESSAGES = exampleMessages(C);
const KINDS = Object.keys(MESSAGES) as MessageType[];
const BODY_KINDS = KINDS.filter((k) => !isHeaderOnly(k));
/** Packet sizes with BrowserIdentity and no members (PROTOCOL.md's table). */
const EMPTY_SIZES: Record<MessageType, number> = {
  ping: 42,
  ack: 42,
  'ping-req': 60,
  'indirect-ping': 60,
  'indirect-ack': 60,
  'forwarded-ack': 60,
  gossip: 41,
  announce: 39,
  feed: 43,
  'feed-request': 43,
  broadcast: 41,
  'turn-undead': 39,
  nack: 42,
  sync: 50,
  'sync-page': 46,
};

function header(type: MessageType): Header<BrowserIdentity> {
  return { src: A, srcIncarnation: 3, dst: B, message: MESSAGES[type] };
}

/** A packet of `type` with members and broadcasts when the kind allows them. */
function packet(type: MessageType, withBroadcasts: boolean): Uint8Array {
  const enc = new PacketEncoder(codec, 1200);
  enc.begin(header(type));
  if (!isHeaderOnly(type)) {
    for (const m of MEMBERS) expect(enc.tryAddMember(m)).toBe(true);
    if (withBroadcasts) for (const b of ITEMS) expect(enc.tryAddBroadcast(b)).toBe(true);
  }
  return enc.finish();
}

function concat(a: Uint8Array, b: number[]): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('packets, whole', () => {
  it.each(KINDS)('a_%s_packet_decodes_to_what_was_encoded', (type) => {
    const result = decodePacket(codec, packet(type, true));
    if (!result.ok) throw new Error(result.message);
    expect(result.packet.header).toEqual(header(type));
    expect(result.packet.members).toEqual(isHeaderOnly(type) ? [] : MEMBERS);
    expect(result.packet.broadcasts).toEqual(isHeaderOnly(type) ? [] : ITEMS);
  });

  it.each(KINDS)('an_empty_%s_packet_takes_the_documented_bytes', (type) => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header(type));
    expect(enc.finish().length).toBe(EMPTY_SIZES[type]);
  });

  it('puts_the_member_count_right_after_the_header', () => {
    const bytes = packet('gossip', false);
    expect([bytes[39], bytes[40]]).toEqual([0, 3]);
    expect(bytes.length).toBe(41 + 3 * 21);
  });

  it('gives_each_member_21_bytes_with_browser_identities', () => {
    for (const m of MEMBERS) expect(encodedMemberSize(codec, m)).toBe(21);
  });
});

describe('packets, truncated at every byte', () => {
  it.each(KINDS)('every_proper_prefix_of_a_%s_packet_without_broadcasts_is_an_error', (type) => {
    const bytes = packet(type, false);
    for (let n = 0; n < bytes.length; n++) {
      const result = decodePacket(codec, bytes.subarray(0, n));
      expect(result.ok, `prefix of ${n} bytes`).toBe(false);
      if (!result.ok) expect(result.kind).toBe('decode');
    }
  });

  it.each(BODY_KINDS)(
    'a_%s_prefix_inside_the_broadcast_tail_is_malformed_unless_it_ends_on_an_item',
    (type) => {
      const bytes = packet(type, true);
      const bodyEnd = packet(type, false).length;
      const boundaries = new Map([
        [bodyEnd, 0],
        [bodyEnd + 2 + 3, 1],
      ]);
      for (let n = bodyEnd; n < bytes.length; n++) {
        const result = decodePacket(codec, bytes.subarray(0, n));
        const items = boundaries.get(n);
        if (items === undefined) {
          expect(result, `prefix of ${n} bytes`).toMatchObject({ ok: false, kind: 'malformed-packet' });
        } else {
          expect(result.ok && result.packet.broadcasts).toEqual(ITEMS.slice(0, items));
        }
      }
    },
  );
});

describe('packets, with trailing junk', () => {
  it.each(['announce', 'turn-undead'] as const)('any_byte_after_a_%s_header_is_malformed', (type) => {
    for (const junk of [[0], [0, 1, 7], [0xff, 0xff]]) {
      expect(decodePacket(codec, concat(packet(type, false), junk))).toMatchObject({
        ok: false,
        kind: 'malformed-packet',
      });
    }
  });

  it.each(BODY_KINDS)('junk_after_a_%s_packet_is_malformed_unless_it_forms_items', (type) => {
    const bytes = packet(type, true);
    for (const junk of [[9], [0, 0], [0, 5, 1, 2], [0, 1, 5, 0]]) {
      expect(decodePacket(codec, concat(bytes, junk)), `junk ${junk}`).toMatchObject({
        ok: false,
        kind: 'malformed-packet',
      });
    }
    const extended = decodePacket(codec, concat(bytes, [0, 2, 9, 9]));
    expect(extended.ok && extended.packet.broadcasts).toEqual([...ITEMS, new Uint8Array([9, 9])]);
  });

  it('an_unknown_member_state_is_a_decode_error', () => {
    const bytes = packet('gossip', false);
    bytes[41 + 20] = 7;
    expect(decodePacket(codec, bytes)).toMatchObject({ ok: false, kind: 'decode' });
  });

  it('a_member_count_larger_than_the_members_sent_is_a_decode_error', () => {
    const bytes = packet('gossip', false);
    bytes[40] = 4;
    expect(decodePacket(codec, bytes)).toMatchObject({ ok: false, kind: 'decode' });
  });

  it('never_throws_on_random_bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = decodePacket(codec, bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('never_throws_on_a_valid_packet_with_bytes_flipped', () => {
    const base = packet('ping-req', true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (flips) => {
          const bytes = base.slice();
          for (const [i, v] of flips) bytes[i] = v;
          expect(typeof decodePacket(codec, bytes).ok).toBe('boolean');
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('PacketEncoder', () => {
  it('fills_a_packet_to_exactly_max_packet_size_and_refuses_the_next_member', () => {
    const enc = new PacketEncoder(codec, 41 + 3 * 21);
    enc.begin(header('gossip'));
    for (const m of MEMBERS) expect(enc.tryAddMember(m)).toBe(true);
    expect(enc.size).toBe(41 + 3 * 21);
    expect(enc.tryAddMember(MEMBERS[0]!)).toBe(false);
    expect(enc.memberCount).toBe(3);
    expect(enc.finish().length).toBe(41 + 3 * 21);
  });

  it('takes_a_broadcast_that_fills_the_packet_exactly_and_refuses_one_byte_more', () => {
    const enc = new PacketEncoder(codec, 100);
    enc.begin(header('broadcast'));
    expect(enc.tryAddBroadcast(new Uint8Array(100 - 41 - 2 + 1))).toBe(false);
    expect(enc.size).toBe(41);
    expect(enc.tryAddBroadcast(new Uint8Array(100 - 41 - 2).fill(5))).toBe(true);
    expect(enc.size).toBe(100);
    expect(enc.tryAddBroadcast(new Uint8Array([1]))).toBe(false);
    expect(enc.broadcastCount).toBe(1);
  });

  it('throws_encode_error_when_the_header_alone_is_too_big', () => {
    const enc = new PacketEncoder(codec, 59);
    expect(() => enc.begin(header('ping-req'))).toThrow(EncodeError);
    expect(() => enc.finish()).toThrow(Error);
    enc.begin(header('ping'));
    expect(enc.size).toBe(42);
  });

  it('counts_the_member_count_against_the_limit', () => {
    expect(() => new PacketEncoder(codec, 41).begin(header('ping'))).toThrow(EncodeError);
    expect(() => new PacketEncoder(codec, 39).begin(header('announce'))).not.toThrow();
  });

  it.each(['announce', 'turn-undead'] as const)('refuses_members_and_broadcasts_on_a_%s', (type) => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header(type));
    expect(() => enc.tryAddMember(MEMBERS[0]!)).toThrow(Error);
    expect(() => enc.tryAddBroadcast(ITEMS[0]!)).toThrow(Error);
    expect(enc.finish().length).toBe(39);
  });

  it('refuses_a_member_after_a_broadcast', () => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header('gossip'));
    enc.tryAddBroadcast(ITEMS[0]!);
    expect(() => enc.tryAddMember(MEMBERS[0]!)).toThrow(Error);
  });

  it('refuses_an_empty_broadcast_with_a_range_error', () => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header('gossip'));
    expect(() => enc.tryAddBroadcast(new Uint8Array(0))).toThrow(RangeError);
    expect(enc.size).toBe(41);
  });

  it('leaves_the_packet_unchanged_when_a_member_field_is_out_of_range', () => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header('gossip'));
    enc.tryAddMember(MEMBERS[0]!);
    const before = enc.finish();
    expect(() => enc.tryAddMember({ id: A, incarnation: 70_000, state: 'alive' })).toThrow(RangeError);
    expect(enc.finish()).toEqual(before);
  });

  it('hands_out_a_copy_the_caller_may_keep', () => {
    const enc = new PacketEncoder(codec, 1200);
    enc.begin(header('gossip'));
    enc.tryAddMember(MEMBERS[0]!);
    const first = enc.finish();
    const kept = first.slice();
    first.fill(0);
    enc.begin(header('ping'));
    expect(decodePacket(codec, kept)).toMatchObject({ ok: true, packet: { members: [MEMBERS[0]] } });
  });

  it('never_exceeds_max_packet_size_and_a_refused_item_changes_nothing', () => {
    const identity = fc
      .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65_535 }))
      .map(([raw, gen]) => BrowserIdentity.fromBytes(raw, gen));
    const member = fc.record({
      id: identity,
      incarnation: fc.integer({ min: 0, max: 65_535 }),
      state: fc.constantFrom('alive' as const, 'suspect' as const, 'down' as const),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 600 }),
        fc.constantFrom(...BODY_KINDS),
        fc.array(member, { maxLength: 40 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 10 }),
        (max, type, members, items) => {
          const enc = new PacketEncoder(codec, max);
          enc.begin(header(type));
          const kept: Member<BrowserIdentity>[] = [];
          for (const m of members) {
            const before = enc.finish();
            if (enc.tryAddMember(m)) kept.push(m);
            else expect(enc.finish()).toEqual(before);
            expect(enc.size).toBeLessThanOrEqual(max);
          }
          const keptItems: Uint8Array[] = [];
          for (const b of items) {
            const before = enc.finish();
            if (enc.tryAddBroadcast(b)) keptItems.push(b);
            else expect(enc.finish()).toEqual(before);
            expect(enc.size).toBeLessThanOrEqual(max);
          }
          const bytes = enc.finish();
          expect(bytes.length).toBe(enc.size);
          const result = decodePacket(codec, bytes);
          if (!result.ok) throw new Error(result.message);
          expect(result.packet.header).toEqual(header(type));
          expect(result.packet.members).toEqual(kept);
          expect(result.packet.broadcasts).toEqual(keptItems);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
