import { describe, expect, it } from 'vitest';
import { BufferReader, BufferWriter } from './byte-io';
import { DecodeError } from './codec';

describe('BufferWriter', () => {
  it('writes_integers_big_endian_without_padding', () => {
    const w = new BufferWriter();
    w.u8(0xab);
    w.u16(0x0102);
    w.u32(0xdeadbeef);
    w.bytes(new Uint8Array([9, 8]));
    expect([...w.view()]).toEqual([0xab, 0x01, 0x02, 0xde, 0xad, 0xbe, 0xef, 9, 8]);
    expect(w.length).toBe(9);
  });

  it('grows_past_its_initial_capacity_and_keeps_what_was_written', () => {
    const w = new BufferWriter(16);
    for (let i = 0; i < 5000; i++) w.u8(i & 0xff);
    expect(w.length).toBe(5000);
    const v = w.view();
    expect(v[0]).toBe(0);
    expect(v[4999]).toBe(4999 & 0xff);
  });

  it('refuses_values_out_of_range_with_a_range_error_and_writes_nothing', () => {
    const w = new BufferWriter();
    for (const v of [-1, 256, 1.5, Number.NaN]) expect(() => w.u8(v)).toThrow(RangeError);
    for (const v of [-1, 65_536, 0.5]) expect(() => w.u16(v)).toThrow(RangeError);
    for (const v of [-1, 2 ** 32, 3.25]) expect(() => w.u32(v)).toThrow(RangeError);
    expect(w.length).toBe(0);
    w.u8(255);
    w.u16(65_535);
    w.u32(2 ** 32 - 1);
    expect(w.length).toBe(7);
  });

  it('reset_truncates_to_a_mark_and_later_writes_overwrite', () => {
    const w = new BufferWriter();
    w.u16(0x1111);
    const mark = w.length;
    w.u32(0x22222222);
    w.reset(mark);
    w.u8(0x33);
    expect([...w.view()]).toEqual([0x11, 0x11, 0x33]);
    expect(() => w.reset(4)).toThrow(RangeError);
    expect(() => w.reset(-1)).toThrow(RangeError);
  });

  it('view_is_a_window_on_the_buffer_not_a_copy', () => {
    const w = new BufferWriter();
    w.u8(1);
    const v = w.view();
    w.reset(0);
    w.u8(2);
    expect(v[0]).toBe(2);
  });

  it('setU16_patches_a_written_slot_only', () => {
    const w = new BufferWriter();
    w.u16(0);
    w.u8(7);
    w.setU16(0, 0x0304);
    expect([...w.view()]).toEqual([3, 4, 7]);
    expect(() => w.setU16(2, 1)).toThrow(RangeError);
    expect(() => w.setU16(0, 70_000)).toThrow(RangeError);
  });
});

describe('BufferReader', () => {
  it('reads_back_what_the_writer_wrote', () => {
    const w = new BufferWriter();
    w.u8(7);
    w.u16(513);
    w.u32(4_000_000_000);
    w.bytes(new Uint8Array([1, 2, 3]));
    const r = new BufferReader(w.view());
    expect(r.u8()).toBe(7);
    expect(r.u16()).toBe(513);
    expect(r.u32()).toBe(4_000_000_000);
    expect([...r.bytes(3)]).toEqual([1, 2, 3]);
    expect(r.remaining).toBe(0);
    expect(r.offset).toBe(10);
  });

  it('honours_the_offset_of_a_subarray_input', () => {
    const whole = new Uint8Array([0xff, 0xff, 0x12, 0x34]);
    const r = new BufferReader(whole.subarray(2));
    expect(r.u16()).toBe(0x1234);
  });

  it('throws_decode_error_on_every_read_past_the_end_without_moving', () => {
    const r = new BufferReader(new Uint8Array([1]));
    expect(() => r.u16()).toThrow(DecodeError);
    expect(() => r.u32()).toThrow(DecodeError);
    expect(() => r.bytes(2)).toThrow(DecodeError);
    expect(r.offset).toBe(0);
    expect(r.u8()).toBe(1);
    expect(() => r.u8()).toThrow(DecodeError);
  });
});
