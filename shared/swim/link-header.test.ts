import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryCodec } from './binary-codec';
import { BrowserIdentity, browserIdentityCodec } from './browser-identity';
import { compactForLink, expandFromLink, FULL_HEADER_BYTES, linkAddrs } from './link-header';
import type { Member } from './member';
import { decodePacket, isHeaderOnly, PacketEncoder } from './packet';
import type { Header, MessageType } from './payload';
import { seededRng } from './seeded-rng';
import { exampleMessages } from './test-support/example-messages';

const SEED = Number(process.env.SEED ?? 20_261_201);
console.log(`link header properties: fast-check seed ${SEED} (replay with SEED=${SEED})`);

const codec = new BinaryCodec(browserIdentityCodec);
const rng = seededRng(SEED);
const A = BrowserIdentity.random(rng, 1);
const B = BrowserIdentity.random(rng, 2);
const C = BrowserIdentity.random(rng, 3);
/** The link as each end sees it: A sends on `AB` and B receives on `BA`, and the other way round. */
const AB = linkAddrs(A.addr, B.addr);
const BA = linkAddrs(B.addr, A.addr);
const MEMBERS: Member<BrowserIdentity>[] = [
  { id: A, incarnation: 1, state: 'alive' },
  { id: C, incarnation: 65_535, state: 'suspect' },
  { id: BrowserIdentity.random(rng), incarnation: 0, state: 'down' },
];
const ITEMS = [new Uint8Array([1, 2, 3]), new Uint8Array([0xff])];

const MESSAGES = exampleMessages(C);
const KINDS = Object.keys(MESSAGES) as MessageType[];
/** Every length a u16 varint can take, at both ends of each. */
const U16_EDGES = [0, 1, 127, 128, 16_383, 16_384, 65_535];

function encode(header: Header<BrowserIdentity>, withBody = true): Uint8Array {
  const enc = new PacketEncoder(codec, 1200);
  enc.begin(header);
  if (withBody && !isHeaderOnly(header.message.type)) {
    for (const m of MEMBERS) expect(enc.tryAddMember(m)).toBe(true);
    for (const b of ITEMS) expect(enc.tryAddBroadcast(b)).toBe(true);
  }
  return enc.finish();
}

/** A packet from A (generation `srcGen`) to B (generation `dstGen`). */
function fromAToB(type: MessageType, srcGen = 1, incarnation = 3, dstGen = 2, withBody = true): Uint8Array {
  const src = BrowserIdentity.fromHex(A.addr, srcGen);
  const dst = BrowserIdentity.fromHex(B.addr, dstGen);
  return encode({ src, srcIncarnation: incarnation, dst, message: MESSAGES[type] }, withBody);
}

describe('the link form of a packet', () => {
  it.each(KINDS)('a_%s_packet_from_A_to_B_arrives_at_B_byte_for_byte', (type) => {
    const packet = fromAToB(type);
    const compact = compactForLink(packet, AB)!;
    expect(compact).toBeDefined();
    expect(expandFromLink(compact, BA)).toEqual(packet);
    const decoded = decodePacket(codec, expandFromLink(compact, BA)!);
    expect(decoded.ok).toBe(true);
  });

  it.each(KINDS)(
    'a_%s_packet_is_35_bytes_shorter_while_generations_and_incarnation_stay_under_128',
    (type) => {
      const packet = fromAToB(type, 127, 0, 5, false);
      expect(compactForLink(packet, AB)!.length).toBe(packet.length - FULL_HEADER_BYTES + 4);
    },
  );

  it('an_empty_ping_takes_7_bytes_instead_of_42', () => {
    const ping = fromAToB('ping', 0, 0, 0, false);
    expect(ping.length).toBe(42);
    expect(compactForLink(ping, AB)).toEqual(new Uint8Array([0, 0, 0, 0, 7, 0, 0]));
  });

  it('keeps_every_generation_and_incarnation_across_the_varint_lengths', () => {
    for (const srcGen of U16_EDGES) {
      for (const incarnation of U16_EDGES) {
        for (const dstGen of U16_EDGES) {
          const packet = fromAToB('ack', srcGen, incarnation, dstGen, false);
          const compact = compactForLink(packet, AB)!;
          const size = (v: number) => (v < 128 ? 1 : v < 16_384 ? 2 : 3);
          expect(compact.length).toBe(1 + size(srcGen) + size(incarnation) + size(dstGen) + 3);
          expect(expandFromLink(compact, BA)).toEqual(packet);
        }
      }
    }
  });

  it('a_packet_not_from_the_links_local_end_or_not_to_its_remote_end_stays_in_full_form', () => {
    const packet = fromAToB('ping');
    expect(compactForLink(packet, BA)).toBeUndefined();
    expect(compactForLink(packet, linkAddrs(A.addr, C.addr))).toBeUndefined();
    expect(compactForLink(packet, linkAddrs(C.addr, B.addr))).toBeUndefined();
    expect(compactForLink(packet.subarray(0, FULL_HEADER_BYTES - 1), AB)).toBeUndefined();
  });

  it('leaves_its_input_untouched', () => {
    const packet = fromAToB('gossip');
    const copy = packet.slice();
    const compact = compactForLink(packet, AB)!;
    const compactCopy = compact.slice();
    const expanded = expandFromLink(compact, BA)!;
    expect(packet).toEqual(copy);
    expect(compact).toEqual(compactCopy);
    expanded.fill(0);
    expect(compact).toEqual(compactCopy);
  });

  it('refuses_a_form_cut_inside_its_header_or_with_a_varint_too_long_or_too_big', () => {
    const compact = compactForLink(fromAToB('ack', 200, 20_000, 70), AB)!;
    // tag, 2 + 3 + 1 varint bytes: every cut before the end of the third varint is refused.
    for (let n = 0; n < 7; n++)
      expect(expandFromLink(compact.subarray(0, n), BA), `cut at ${n}`).toBeUndefined();
    expect(expandFromLink(compact.subarray(0, 7), BA)).toBeDefined();
    expect(expandFromLink(new Uint8Array([0, 0x80, 0x00, 0, 0, 7]), BA)).toBeUndefined(); // 0 in two bytes
    expect(expandFromLink(new Uint8Array([0, 0xff, 0xff, 0x04, 0, 0, 7]), BA)).toBeUndefined(); // 65536
    expect(expandFromLink(new Uint8Array([0, 0xff, 0xff, 0x03, 0, 0, 7]), BA)).toBeDefined(); // 65535
    expect(expandFromLink(new Uint8Array([0, 0x80, 0x80, 0x80, 0x01, 0, 7]), BA)).toBeUndefined(); // 4 bytes
  });
});

describe('the link form, random packets', () => {
  it('any_bytes_with_the_links_addrs_in_a_header_round_trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: FULL_HEADER_BYTES, maxLength: 300 }), (bytes) => {
        const packet = bytes.slice();
        packet.set(AB.local, 0);
        packet.set(AB.remote, 20);
        const compact = compactForLink(packet, AB)!;
        expect(compact.length).toBeLessThanOrEqual(packet.length - 29);
        expect(expandFromLink(compact, BA)).toEqual(packet);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('expanding_arbitrary_bytes_never_throws_and_what_it_accepts_compacts_back_to_the_same_bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const copy = bytes.slice();
        const packet = expandFromLink(bytes, BA);
        expect(bytes).toEqual(copy);
        if (packet === undefined) return;
        expect(packet.subarray(0, 16)).toEqual(BA.remote);
        expect(packet.subarray(20, 36)).toEqual(BA.local);
        expect(compactForLink(packet, AB)).toEqual(bytes);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('random_headers_of_every_kind_survive_the_trip', () => {
    const gen = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), gen, gen, gen, fc.boolean(), (type, sg, inc, dg, body) => {
        const packet = fromAToB(type, sg, inc, dg, body);
        const expanded = expandFromLink(compactForLink(packet, AB)!, BA)!;
        const decoded = decodePacket(codec, expanded);
        if (!decoded.ok) throw new Error(decoded.message);
        expect(decoded.packet.header.src.equals(BrowserIdentity.fromHex(A.addr, sg))).toBe(true);
        expect(decoded.packet.header.dst.equals(BrowserIdentity.fromHex(B.addr, dg))).toBe(true);
        expect(decoded.packet.header.srcIncarnation).toBe(inc);
        expect(expanded).toEqual(packet);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
