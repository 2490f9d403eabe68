import { type ByteReader, type ByteWriter, DecodeError } from './codec';

const INITIAL_CAPACITY = 1536;

/**
 * A growable, big-endian `ByteWriter` over one `ArrayBuffer`. Reuse one writer per packet: `reset(0)`
 * keeps the buffer, so steady-state encoding allocates nothing but the final copy.
 */
export class BufferWriter implements ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  private len = 0;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.dv = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** Appends one byte. Throws `RangeError` unless `v` is an integer in 0..255. */
  u8(v: number): void {
    if ((v & 0xff) !== v) throw new RangeError(`u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  /** Appends a big-endian u16. Throws `RangeError` unless `v` is an integer in 0..65535. */
  u16(v: number): void {
    if ((v & 0xffff) !== v) throw new RangeError(`u16 out of range: ${v}`);
    this.ensure(2);
    this.dv.setUint16(this.len, v);
    this.len += 2;
  }

  /** Appends a big-endian u32. Throws `RangeError` unless `v` is an integer in 0..2^32-1. */
  u32(v: number): void {
    if (v >>> 0 !== v) throw new RangeError(`u32 out of range: ${v}`);
    this.ensure(4);
    this.dv.setUint32(this.len, v);
    this.len += 4;
  }

  /** Appends raw bytes (copied). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    const at = this.len;
    // A loop beats TypedArray#set for identity-sized copies.
    if (n <= 32) for (let i = 0; i < n; i++) buf[at + i] = b[i]!;
    else buf.set(b, at);
    this.len = at + n;
  }

  /**
   * Overwrites a u16 already written at `offset` (for counts known only at the end). Throws
   * `RangeError` if the value or the offset is out of range. Doesn't change `length`.
   */
  setU16(offset: number, v: number): void {
    if ((v & 0xffff) !== v) throw new RangeError(`u16 out of range: ${v}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + 2 > this.len) {
      throw new RangeError(`setU16 offset ${offset} outside the ${this.len} bytes written`);
    }
    this.dv.setUint16(offset, v);
  }

  /** Truncates to `length` bytes (a rollback to an earlier mark). Throws `RangeError` if it would grow. */
  reset(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.len) {
      throw new RangeError(`reset(${length}) outside 0..${this.len}`);
    }
    this.len = length;
  }

  /** What was written so far, as a view of the internal buffer (no copy: valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
}

/** A big-endian `ByteReader` over a byte array. Every read past the end throws `DecodeError`. */
export class BufferReader implements ByteReader {
  // No DataView: creating one per packet costs more than shifting a few bytes.
  private readonly buf: Uint8Array;
  private pos = 0;

  constructor(bytes: Uint8Array) {
    this.buf = bytes;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'u16');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    this.need(4, 'u32');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** The next `n` bytes as a view of the input (no copy: slice it to keep it past the input's life). */
  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new DecodeError(`bad byte count ${n}`);
    this.need(n, `${n} bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError(`truncated: need ${what} at offset ${this.pos}, only ${this.remaining} left`);
    }
  }
}
