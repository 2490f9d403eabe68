import { describe, expect, it } from 'vitest';
import {
  BROWSER_IDENTITY_WIRE_SIZE,
  BrowserIdentity,
  BrowserIdentityCodec,
  browserIdentityCodec,
  MAX_GENERATION,
} from './browser-identity';
import { BufferReader, BufferWriter } from './byte-io';
import { DecodeError } from './codec';
import { seededRng } from './seeded-rng';

const ADDR = '3f2a9c01deadbeef0011223344556677';

describe('BrowserIdentity', () => {
  it('random_gives_32_lowercase_hex_chars_and_the_generation_asked_for', () => {
    const id = BrowserIdentity.random(seededRng(1), 4);
    expect(id.addr).toMatch(/^[0-9a-f]{32}$/);
    expect(id.generation).toBe(4);
  });

  it('random_is_deterministic_per_rng_seed_and_differs_across_seeds', () => {
    expect(BrowserIdentity.random(seededRng(1)).addr).toBe(BrowserIdentity.random(seededRng(1)).addr);
    expect(BrowserIdentity.random(seededRng(1)).addr).not.toBe(BrowserIdentity.random(seededRng(2)).addr);
  });

  it('fromHex_keeps_the_address_lowercased', () => {
    const id = BrowserIdentity.fromHex(ADDR.toUpperCase(), 2);
    expect(id.addr).toBe(ADDR);
    expect(id.generation).toBe(2);
  });

  it('fromHex_refuses_bad_hex_with_a_type_error', () => {
    for (const bad of ['', ADDR.slice(1), `${ADDR}0`, `${ADDR.slice(0, 31)}g`, ` ${ADDR.slice(1)}`]) {
      expect(() => BrowserIdentity.fromHex(bad, 0)).toThrow(TypeError);
    }
  });

  it('fromHex_refuses_a_generation_out_of_range_with_a_type_error', () => {
    for (const bad of [-1, 65_536, 1.5, Number.NaN]) {
      expect(() => BrowserIdentity.fromHex(ADDR, bad)).toThrow(TypeError);
    }
    expect(BrowserIdentity.fromHex(ADDR, MAX_GENERATION).generation).toBe(65_535);
  });

  it('equals_needs_the_same_address_and_the_same_generation', () => {
    const a = BrowserIdentity.fromHex(ADDR, 1);
    expect(a.equals(BrowserIdentity.fromHex(ADDR, 1))).toBe(true);
    expect(a.equals(BrowserIdentity.fromHex(ADDR, 2))).toBe(false);
    expect(a.equals(BrowserIdentity.fromHex(ADDR.replace('3f', '3e'), 1))).toBe(false);
  });

  it('renew_keeps_the_address_and_bumps_the_generation', () => {
    const a = BrowserIdentity.fromHex(ADDR, 7);
    const b = a.renew();
    expect(b?.addr).toBe(ADDR);
    expect(b?.generation).toBe(8);
    expect(a.generation).toBe(7);
  });

  it('renew_gives_undefined_at_the_last_generation', () => {
    expect(BrowserIdentity.fromHex(ADDR, MAX_GENERATION).renew()).toBeUndefined();
  });

  it('the_higher_generation_wins_an_address_conflict', () => {
    const old = BrowserIdentity.fromHex(ADDR, 3);
    const newer = BrowserIdentity.fromHex(ADDR, 4);
    expect(newer.winsAddrConflict(old)).toBe(true);
    expect(old.winsAddrConflict(newer)).toBe(false);
  });

  it('toString_shows_the_short_address_and_the_generation', () => {
    expect(BrowserIdentity.fromHex(ADDR, 2).toString()).toBe('3f2a9c01…#2');
  });
});

describe('browserIdentityCodec', () => {
  it('writes_16_address_bytes_then_a_u16_generation', () => {
    const w = new BufferWriter();
    browserIdentityCodec.write(w, BrowserIdentity.fromHex(ADDR, 0x0102));
    const bytes = w.view();
    expect(bytes.length).toBe(BROWSER_IDENTITY_WIRE_SIZE);
    expect(bytes[0]).toBe(0x3f);
    expect(bytes[15]).toBe(0x77);
    expect([bytes[16], bytes[17]]).toEqual([1, 2]);
  });

  it('reads_back_an_equal_identity_that_owns_its_bytes', () => {
    const w = new BufferWriter();
    const id = BrowserIdentity.fromHex(ADDR, 9);
    browserIdentityCodec.write(w, id);
    const bytes = w.view().slice();
    const back = browserIdentityCodec.read(new BufferReader(bytes));
    bytes.fill(0);
    expect(back.equals(id)).toBe(true);
    expect(back.raw[0]).toBe(0x3f);
  });

  it('throws_decode_error_on_a_truncated_identity', () => {
    expect(() => browserIdentityCodec.read(new BufferReader(new Uint8Array(17)))).toThrow(DecodeError);
  });
});

describe('BrowserIdentityCodec cache', () => {
  function roundTrip(codec: BrowserIdentityCodec, id: BrowserIdentity): BrowserIdentity {
    const w = new BufferWriter();
    codec.write(w, id);
    return codec.read(new BufferReader(w.view()));
  }

  it('returns_the_same_object_for_an_identity_decoded_twice', () => {
    const codec = new BrowserIdentityCodec();
    const id = BrowserIdentity.fromHex(ADDR, 1);
    const first = roundTrip(codec, id);
    expect(roundTrip(codec, id)).toBe(first);
    expect(first.equals(id)).toBe(true);
  });

  it('never_returns_a_cached_identity_with_another_generation', () => {
    const codec = new BrowserIdentityCodec();
    roundTrip(codec, BrowserIdentity.fromHex(ADDR, 1));
    expect(roundTrip(codec, BrowserIdentity.fromHex(ADDR, 2)).generation).toBe(2);
  });

  it('decodes_correctly_when_two_identities_share_a_cache_slot', () => {
    const codec = new BrowserIdentityCodec();
    // Same first and last word and generation: same slot, different middle words.
    const x = BrowserIdentity.fromHex('11111111aaaaaaaaaaaaaaaa22222222', 5);
    const y = BrowserIdentity.fromHex('11111111bbbbbbbbbbbbbbbb22222222', 5);
    for (let i = 0; i < 3; i++) {
      expect(roundTrip(codec, x).addr).toBe(x.addr);
      expect(roundTrip(codec, y).addr).toBe(y.addr);
    }
  });

  it('stays_bounded_and_correct_past_its_size', () => {
    const codec = new BrowserIdentityCodec({ cacheSize: 4 });
    const rng = seededRng(5);
    const ids = Array.from({ length: 20 }, () => BrowserIdentity.random(rng));
    for (const id of [...ids, ...ids]) expect(roundTrip(codec, id).equals(id)).toBe(true);
  });

  it('builds_a_fresh_object_each_time_with_the_cache_off', () => {
    const codec = new BrowserIdentityCodec({ cacheSize: 0 });
    const id = BrowserIdentity.fromHex(ADDR, 1);
    const first = roundTrip(codec, id);
    const second = roundTrip(codec, id);
    expect(second).not.toBe(first);
    expect(second.equals(first)).toBe(true);
  });
});
