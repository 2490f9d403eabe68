import type { Identity } from './identity';
import type { Member } from './member';
import type { Header } from './payload';

/** Thrown by a codec's read side when the bytes don't parse; the core turns it into a `decode` error. */
export class DecodeError extends Error {
  static readonly NAME = 'DecodeError';
  override readonly name = DecodeError.NAME;
}

/**
 * Growing byte writer over a DataView. `mark()`/`reset(mark)` let the core try to fit one more item and
 * roll back when it doesn't fit the packet.
 */
export interface ByteWriter {
  readonly length: number;
  u8(v: number): void;
  u16(v: number): void;
  u32(v: number): void;
  bytes(b: Uint8Array): void;
  reset(length: number): void;
  /** A view of what was written so far (no copy). */
  view(): Uint8Array;
}

/** Reader over a byte array; every read past the end throws `DecodeError`. */
export interface ByteReader {
  readonly offset: number;
  readonly remaining: number;
  u8(): number;
  u16(): number;
  u32(): number;
  bytes(n: number): Uint8Array;
}

/** How an identity goes on the wire. Identities bring their own encoding. */
export interface IdentityCodec<T extends Identity> {
  write(w: ByteWriter, id: T): void;
  read(r: ByteReader): T;
}

/**
 * The wire codec, as foca's `Codec` trait: header and member. The core lays the packet out itself:
 * header, u16 member count, members, then the custom-broadcast tail (see PROTOCOL.md).
 */
export interface Codec<T extends Identity> {
  writeHeader(w: ByteWriter, header: Header<T>): void;
  readHeader(r: ByteReader): Header<T>;
  writeMember(w: ByteWriter, member: Member<T>): void;
  readMember(r: ByteReader): Member<T>;
}
