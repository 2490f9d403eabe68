import { BufferReader } from './byte-io';
import { type ByteReader, type ByteWriter, type Codec, DecodeError, type IdentityCodec } from './codec';
import type { Identity } from './identity';
import type { Member, MemberState } from './member';
import type { Header, Message, MessageType } from './payload';
import { MAX_DIGEST_BITS } from './view-digest';

/** The u8 tag of each message kind on the wire (PROTOCOL.md). Never renumber: append new kinds. */
export const MESSAGE_TAGS: Readonly<Record<MessageType, number>> = {
  ping: 0,
  ack: 1,
  'ping-req': 2,
  'indirect-ping': 3,
  'indirect-ack': 4,
  'forwarded-ack': 5,
  gossip: 6,
  announce: 7,
  feed: 8,
  'feed-request': 9,
  broadcast: 10,
  'turn-undead': 11,
  nack: 12,
  sync: 13,
  'sync-page': 14,
};

/**
 * Protocol 1.6: an `announce` that carries the sender's digests (`digest`) goes under its own tag,
 * so a 1.5 peer drops it as `decode` rather than misread it, and the plain `announce` stays as it was.
 */
export const ANNOUNCE_WITH_DIGEST_TAG = 15;

/** The u8 code of each member state on the wire. */
export const MEMBER_STATE_CODES: Readonly<Record<MemberState, number>> = { alive: 0, suspect: 1, down: 2 };

const STATES: readonly MemberState[] = ['alive', 'suspect', 'down'];

/** Protocol 1.2 (LHA-suspicion): a Suspect followed by its accusers (u8 count, u16 tags). */
const SUSPECT_WITH_ACCUSERS = 3;

/**
 * Protocol 1.3 (signed statements, statements.ts): an update followed by its proof, and for an
 * accusation by its accuser's identity first. Alive and Down signed by the member itself, Suspect and
 * Down signed by an accuser.
 */
const SIGNED_ALIVE = 4;
const SIGNED_LEAVE = 5;
const ACCUSED_SUSPECT = 6;
const ACCUSED_DOWN = 7;

/** Protocol 1.5 (anti-entropy): flag bit of a `sync-page` that must not be answered. */
const SYNC_PAGE_LAST = 1;

/** Bytes of a proof on the wire (the signer's Ed25519 public key and signature). */
export const WIRE_PROOF_BYTES = 96;

/** Most accuser tags one Suspect carries on the wire; more is a `DecodeError`. */
export const MAX_WIRE_ACCUSERS = 8;

/**
 * Shoal's compact binary codec: big-endian, no padding, identities in their own wire form.
 * Header: src, u16 srcIncarnation, dst, u8 tag, fields. Member: id, u16 incarnation, u8 state.
 * Writes throw `RangeError` on a value that doesn't fit its field (nothing useful is left written:
 * callers roll back to their mark); reads throw `DecodeError` on truncated input, unknown tags or states.
 */
export class BinaryCodec<T extends Identity> implements Codec<T> {
  constructor(private readonly ids: IdentityCodec<T>) {}

  writeHeader(w: ByteWriter, header: Header<T>): void {
    this.ids.write(w, header.src);
    w.u16(header.srcIncarnation);
    this.ids.write(w, header.dst);
    this.writeMessage(w, header.message);
  }

  /**
   * The sender of a packet, read from the start of its header without decoding the rest, or
   * `undefined` when the bytes are too short or don't hold an identity. Lets a transport check that a
   * packet's `src` is the peer it came from before the core sees it. Doesn't affect any state.
   */
  readSource(packet: Uint8Array): T | undefined {
    try {
      return this.ids.read(new BufferReader(packet));
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
  }

  readHeader(r: ByteReader): Header<T> {
    const src = this.ids.read(r);
    const srcIncarnation = r.u16();
    const dst = this.ids.read(r);
    const message = this.readMessage(r);
    return { src, srcIncarnation, dst, message };
  }

  writeMember(w: ByteWriter, member: Member<T>): void {
    const code = MEMBER_STATE_CODES[member.state];
    if (code === undefined) throw new RangeError(`unknown member state ${String(member.state)}`);
    const accusers = member.state === 'suspect' ? member.accusers : undefined;
    if (accusers !== undefined && accusers.length > MAX_WIRE_ACCUSERS) {
      throw new RangeError(`${accusers.length} accusers: at most ${MAX_WIRE_ACCUSERS}`);
    }
    this.ids.write(w, member.id);
    w.u16(member.incarnation);
    if (member.proof !== undefined && this.writeSigned(w, member, member.proof)) return;
    if (accusers === undefined || accusers.length === 0) {
      w.u8(code);
      return;
    }
    w.u8(SUSPECT_WITH_ACCUSERS);
    w.u8(accusers.length);
    for (const tag of accusers) w.u16(tag);
  }

  readMember(r: ByteReader): Member<T> {
    const id = this.ids.read(r);
    const incarnation = r.u16();
    const code = r.u8();
    if (code >= SIGNED_ALIVE && code <= ACCUSED_DOWN) {
      if (code === SIGNED_ALIVE || code === SIGNED_LEAVE) {
        return {
          id,
          incarnation,
          state: code === SIGNED_ALIVE ? 'alive' : 'down',
          proof: r.bytes(WIRE_PROOF_BYTES).slice(),
        };
      }
      const accuser = this.ids.read(r);
      const proof = r.bytes(WIRE_PROOF_BYTES).slice();
      return { id, incarnation, state: code === ACCUSED_SUSPECT ? 'suspect' : 'down', accuser, proof };
    }
    if (code === SUSPECT_WITH_ACCUSERS) {
      const count = r.u8();
      if (count === 0 || count > MAX_WIRE_ACCUSERS) throw new DecodeError(`${count} accusers`);
      const accusers: number[] = [];
      for (let i = 0; i < count; i++) accusers.push(r.u16());
      return { id, incarnation, state: 'suspect', accusers };
    }
    const state = STATES[code];
    if (state === undefined) throw new DecodeError(`unknown member state code ${code}`);
    return { id, incarnation, state };
  }

  /**
   * Writes the state code and proof of a signed update (protocol 1.3); false (nothing written) for a
   * proof that doesn't fit the state: an accusation is a Suspect or a Down, a statement an Alive or a
   * Down. Throws `RangeError` for a proof of the wrong length.
   */
  private writeSigned(w: ByteWriter, member: Member<T>, proof: Uint8Array): boolean {
    if (proof.length !== WIRE_PROOF_BYTES)
      throw new RangeError(`a proof is ${WIRE_PROOF_BYTES} bytes, got ${proof.length}`);
    const { state, accuser } = member;
    if (accuser === undefined) {
      if (state === 'suspect') return false;
      w.u8(state === 'alive' ? SIGNED_ALIVE : SIGNED_LEAVE);
    } else {
      if (state === 'alive') return false;
      w.u8(state === 'suspect' ? ACCUSED_SUSPECT : ACCUSED_DOWN);
      this.ids.write(w, accuser);
    }
    w.bytes(proof);
    return true;
  }

  private writeMessage(w: ByteWriter, m: Message<T>): void {
    const tag = MESSAGE_TAGS[m.type];
    if (tag === undefined) throw new RangeError(`unknown message type ${String(m.type)}`);
    if (m.type === 'announce' && m.digest !== undefined) {
      w.u8(ANNOUNCE_WITH_DIGEST_TAG);
      w.u32(m.digest.members);
      w.u32(m.digest.items);
      return;
    }
    w.u8(tag);
    switch (m.type) {
      case 'ping':
      case 'ack':
      case 'nack':
        w.u8(m.probeNumber);
        return;
      case 'ping-req':
      case 'indirect-ack':
        this.ids.write(w, m.target);
        w.u8(m.probeNumber);
        return;
      case 'indirect-ping':
      case 'forwarded-ack':
        this.ids.write(w, m.origin);
        w.u8(m.probeNumber);
        return;
      case 'feed':
        w.u16(m.next);
        return;
      case 'feed-request':
        w.u16(m.cursor);
        return;
      case 'sync':
        if (!Number.isInteger(m.bits) || m.bits < 0 || m.bits > MAX_DIGEST_BITS)
          throw new RangeError(`digest bits ${m.bits}: at most ${MAX_DIGEST_BITS}`);
        if (m.buckets.length !== 1 << m.bits)
          throw new RangeError(`${m.buckets.length} digest buckets for ${m.bits} bits`);
        w.u32(m.total);
        w.u16(m.salt);
        w.u8(m.bits);
        w.bytes(m.buckets);
        return;
      case 'sync-page':
        w.u16(m.from);
        w.u16(m.to);
        w.u8(m.last ? SYNC_PAGE_LAST : 0);
        return;
      case 'gossip':
      case 'announce':
      case 'broadcast':
      case 'turn-undead':
        return;
    }
  }

  private readMessage(r: ByteReader): Message<T> {
    const tag = r.u8();
    switch (tag) {
      case 0:
        return { type: 'ping', probeNumber: r.u8() };
      case 1:
        return { type: 'ack', probeNumber: r.u8() };
      case 2: {
        const target = this.ids.read(r);
        return { type: 'ping-req', target, probeNumber: r.u8() };
      }
      case 3: {
        const origin = this.ids.read(r);
        return { type: 'indirect-ping', origin, probeNumber: r.u8() };
      }
      case 4: {
        const target = this.ids.read(r);
        return { type: 'indirect-ack', target, probeNumber: r.u8() };
      }
      case 5: {
        const origin = this.ids.read(r);
        return { type: 'forwarded-ack', origin, probeNumber: r.u8() };
      }
      case 6:
        return { type: 'gossip' };
      case 7:
        return { type: 'announce' };
      case 8:
        return { type: 'feed', next: r.u16() };
      case 9:
        return { type: 'feed-request', cursor: r.u16() };
      case 10:
        return { type: 'broadcast' };
      case 11:
        return { type: 'turn-undead' };
      case 12:
        return { type: 'nack', probeNumber: r.u8() };
      case 13: {
        const total = r.u32();
        const salt = r.u16();
        const bits = r.u8();
        if (bits > MAX_DIGEST_BITS) throw new DecodeError(`digest bits ${bits}`);
        return { type: 'sync', total, salt, bits, buckets: r.bytes(1 << bits).slice() };
      }
      case 14: {
        const from = r.u16();
        const to = r.u16();
        // Other flag bits are reserved: ignored, so a later version may use them.
        return { type: 'sync-page', from, to, last: (r.u8() & SYNC_PAGE_LAST) !== 0 };
      }
      case ANNOUNCE_WITH_DIGEST_TAG: {
        const members = r.u32();
        return { type: 'announce', digest: { members, items: r.u32() } };
      }
      default:
        throw new DecodeError(`unknown message tag ${tag}`);
    }
  }
}
