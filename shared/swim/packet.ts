import { BufferReader, BufferWriter } from './byte-io';
import type { Codec } from './codec';
import { EncodeError } from './errors';
import type { Identity } from './identity';
import type { Member } from './member';
import type { Header, MessageType } from './payload';

/** Message kinds whose packet is the header alone: no member count, no members, no broadcasts. */
export function isHeaderOnly(type: MessageType): boolean {
  return type === 'announce' || type === 'turn-undead';
}

/** Largest custom broadcast item a u16 length prefix can carry. */
export const MAX_BROADCAST_ITEM = 0xffff;

/**
 * Lays out one packet at a time: header, u16 member count, members, then custom broadcasts as
 * u16 length + bytes to the end of the packet (PROTOCOL.md). Never exceeds `maxPacketSize`: an item
 * that doesn't fit is refused and the packet is left as it was. Reuse one encoder: `begin` restarts it.
 */
export class PacketEncoder<T extends Identity> {
  private readonly w = new BufferWriter();
  private headerOnly = true;
  private started = false;
  private countOffset = 0;
  private members = 0;
  private broadcasts = 0;

  constructor(
    private readonly codec: Codec<T>,
    readonly maxPacketSize: number,
  ) {
    if (!Number.isInteger(maxPacketSize) || maxPacketSize <= 0) {
      throw new RangeError(`maxPacketSize must be a positive integer, got ${maxPacketSize}`);
    }
  }

  /**
   * Starts a packet, dropping any unfinished one. Throws `EncodeError` if the header alone exceeds
   * `maxPacketSize`, and `RangeError` from the codec for a field out of range; the encoder is then idle.
   */
  begin(header: Header<T>): void {
    this.started = false;
    this.w.reset(0);
    this.members = 0;
    this.broadcasts = 0;
    this.codec.writeHeader(this.w, header);
    this.headerOnly = isHeaderOnly(header.message.type);
    if (!this.headerOnly) {
      this.countOffset = this.w.length;
      this.w.u16(0);
    }
    if (this.w.length > this.maxPacketSize) {
      const size = this.w.length;
      this.w.reset(0);
      throw new EncodeError(`header of ${size} bytes exceeds maxPacketSize ${this.maxPacketSize}`);
    }
    this.started = true;
  }

  /**
   * Appends a member if it fits; returns false and leaves the packet unchanged otherwise. Throws
   * `Error` for header-only kinds (announce, turn-undead) or after a broadcast was added, and
   * `RangeError` (packet unchanged) for a field out of range.
   */
  tryAddMember(member: Member<T>): boolean {
    this.assertBody('member');
    if (this.broadcasts > 0) throw new Error('members must come before custom broadcasts');
    const mark = this.w.length;
    try {
      this.codec.writeMember(this.w, member);
    } catch (e) {
      this.w.reset(mark);
      throw e;
    }
    if (this.w.length > this.maxPacketSize || this.members === 0xffff) {
      this.w.reset(mark);
      return false;
    }
    this.members++;
    return true;
  }

  /**
   * Appends one custom broadcast (u16 length + bytes) if it fits; false otherwise, packet unchanged.
   * Throws `Error` for header-only kinds and `RangeError` for an empty item (the wire refuses those).
   */
  tryAddBroadcast(item: Uint8Array): boolean {
    this.assertBody('broadcast');
    if (item.length === 0) throw new RangeError('a custom broadcast cannot be empty');
    if (item.length > MAX_BROADCAST_ITEM || this.w.length + 2 + item.length > this.maxPacketSize)
      return false;
    this.w.u16(item.length);
    this.w.bytes(item);
    this.broadcasts++;
    return true;
  }

  /** Bytes the packet takes so far (header, count and items). */
  get size(): number {
    return this.w.length;
  }

  /** Bytes still free under `maxPacketSize`. */
  get remaining(): number {
    return this.maxPacketSize - this.w.length;
  }

  /** Members added since `begin`. */
  get memberCount(): number {
    return this.members;
  }

  /** Custom broadcasts added since `begin`. */
  get broadcastCount(): number {
    return this.broadcasts;
  }

  /** Returns the finished packet (a fresh copy the caller may keep). The encoder can `begin` again. */
  finish(): Uint8Array {
    if (!this.started) throw new Error('finish() before begin()');
    if (!this.headerOnly) this.w.setU16(this.countOffset, this.members);
    return this.w.view().slice();
  }

  private assertBody(what: string): void {
    if (!this.started) throw new Error(`cannot add a ${what} before begin()`);
    if (this.headerOnly) throw new Error(`cannot add a ${what} to a header-only packet`);
  }
}

/** A packet as read from the wire. */
export interface DecodedPacket<T extends Identity> {
  header: Header<T>;
  members: Member<T>[];
  /** Custom broadcast items, each a copy of its bytes. */
  broadcasts: Uint8Array[];
}

/** What `decodePacket` gives: the packet, or why it can't be read (never thrown). */
export type DecodeResult<T extends Identity> =
  | { ok: true; packet: DecodedPacket<T> }
  | { ok: false; kind: 'decode' | 'malformed-packet'; message: string };

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a whole packet. Never throws: unreadable header, count or members give `decode`; bytes after a
 * header-only kind, a broadcast length past the end, a zero-length broadcast or a lone trailing byte
 * give `malformed-packet`. Does not check `maxPacketSize` (the core does).
 */
export function decodePacket<T extends Identity>(codec: Codec<T>, bytes: Uint8Array): DecodeResult<T> {
  const r = new BufferReader(bytes);
  let header: Header<T>;
  const members: Member<T>[] = [];
  try {
    header = codec.readHeader(r);
    if (isHeaderOnly(header.message.type)) {
      if (r.remaining > 0) {
        return {
          ok: false,
          kind: 'malformed-packet',
          message: `${r.remaining} bytes after a header-only ${header.message.type}`,
        };
      }
      return { ok: true, packet: { header, members, broadcasts: [] } };
    }
    const count = r.u16();
    for (let i = 0; i < count; i++) members.push(codec.readMember(r));
  } catch (e) {
    return { ok: false, kind: 'decode', message: errorMessage(e) };
  }
  const broadcasts: Uint8Array[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 2) {
      return { ok: false, kind: 'malformed-packet', message: 'one stray byte where a broadcast length goes' };
    }
    const len = r.u16();
    if (len === 0) return { ok: false, kind: 'malformed-packet', message: 'zero-length custom broadcast' };
    if (len > r.remaining) {
      return {
        ok: false,
        kind: 'malformed-packet',
        message: `custom broadcast of ${len} bytes runs past the end (${r.remaining} left)`,
      };
    }
    broadcasts.push(r.bytes(len).slice());
  }
  return { ok: true, packet: { header, members, broadcasts } };
}

const scratch = new BufferWriter(256);

/** Bytes one member takes on the wire (for budgeting). Throws `RangeError` for a field out of range. */
export function encodedMemberSize<T extends Identity>(codec: Codec<T>, member: Member<T>): number {
  scratch.reset(0);
  codec.writeMember(scratch, member);
  return scratch.length;
}

/** Bytes a header takes on the wire, without the member count. */
export function encodedHeaderSize<T extends Identity>(codec: Codec<T>, header: Header<T>): number {
  scratch.reset(0);
  codec.writeHeader(scratch, header);
  return scratch.length;
}
