/**
 * The link form of a SWIM packet (PROTOCOL.md, "Link header", protocol 1.4): every packet travels
 * over a direct link whose two ends are bound to their addrs, so the 16-byte src and dst addrs in
 * its header tell the receiver nothing it does not know. On a link, a packet from the link's local
 * end to its remote end is sent without them, and its generations and incarnation as varints:
 *
 * ```
 * tag u8 | srcGeneration varint | srcIncarnation varint | dstGeneration varint | the packet after the tag
 * ```
 *
 * 4 bytes instead of 39 while generations and incarnations stay under 128. The rest of the packet
 * is copied byte for byte, so the core, its codec and every message kind are untouched: a host
 * compacts what the core wrote and expands what arrives before the core reads it. Pure functions
 * over bytes; they know the layout of the header with browser identities (16-byte addr, u16
 * generation) and nothing else.
 */
import { ADDR_BYTES, BrowserIdentity } from './browser-identity';

/** Offsets in the full header (PROTOCOL.md, "Header", with browser identities). */
const SRC_ADDR = 0;
const SRC_GENERATION = SRC_ADDR + ADDR_BYTES;
const SRC_INCARNATION = SRC_GENERATION + 2;
const DST_ADDR = SRC_INCARNATION + 2;
const DST_GENERATION = DST_ADDR + ADDR_BYTES;
const TAG = DST_GENERATION + 2;
/** Bytes of the full header up to and including the tag. */
export const FULL_HEADER_BYTES = TAG + 1;
/** Most bytes a u16 takes as a varint (7 bits a byte). */
const MAX_VARINT_BYTES = 3;

/**
 * The two ends of one link as raw addr bytes. `local` sends what `compactForLink` shrinks and
 * receives what `expandFromLink` restores; `remote` is the peer the link is bound to.
 */
export interface LinkAddrs {
  readonly local: Uint8Array;
  readonly remote: Uint8Array;
}

/** The link between our `local` addr and the peer's `remote` one (32 hex digits each). Throws `TypeError` on a bad addr. */
export function linkAddrs(local: string, remote: string): LinkAddrs {
  return { local: addrBytes(local), remote: addrBytes(remote) };
}

/** The 16 raw bytes of a member addr (32 hex digits). Throws `TypeError` on a bad addr. */
export function addrBytes(addr: string): Uint8Array {
  return BrowserIdentity.fromHex(addr, 0).raw;
}

/**
 * The link form of `packet` for sending from `link.local` to `link.remote`, or `undefined` when the
 * packet's src is not `link.local` or its dst not `link.remote` (or it is shorter than a header):
 * such a packet goes in full form. Doesn't touch `packet`; the result is a fresh array.
 */
export function compactForLink(packet: Uint8Array, link: LinkAddrs): Uint8Array | undefined {
  if (packet.length < FULL_HEADER_BYTES) return undefined;
  if (!sameAddr(packet, SRC_ADDR, link.local) || !sameAddr(packet, DST_ADDR, link.remote)) return undefined;
  const srcGeneration = u16At(packet, SRC_GENERATION);
  const incarnation = u16At(packet, SRC_INCARNATION);
  const dstGeneration = u16At(packet, DST_GENERATION);
  const head = 1 + varintSize(srcGeneration) + varintSize(incarnation) + varintSize(dstGeneration);
  const out = new Uint8Array(head + packet.length - FULL_HEADER_BYTES);
  out[0] = packet[TAG]!;
  writeVarint(out, writeVarint(out, writeVarint(out, 1, srcGeneration), incarnation), dstGeneration);
  out.set(packet.subarray(FULL_HEADER_BYTES), head);
  return out;
}

/**
 * The full packet that `compact` stands for, received on `link` from `link.remote`: src is the
 * link's remote addr and dst its local one. `undefined` when `compact` is not a link form (it ends
 * inside the header, or a varint is over 65535 or not in its shortest form): drop it. Never throws;
 * doesn't touch `compact`; the result is a fresh array that never aliases it.
 */
export function expandFromLink(compact: Uint8Array, link: LinkAddrs): Uint8Array | undefined {
  if (compact.length < 4) return undefined;
  const srcGeneration = readVarint(compact, 1);
  if (srcGeneration === undefined) return undefined;
  const incarnation = readVarint(compact, srcGeneration.next);
  if (incarnation === undefined) return undefined;
  const dstGeneration = readVarint(compact, incarnation.next);
  if (dstGeneration === undefined) return undefined;
  const rest = compact.subarray(dstGeneration.next);
  const out = new Uint8Array(FULL_HEADER_BYTES + rest.length);
  out.set(link.remote, SRC_ADDR);
  setU16(out, SRC_GENERATION, srcGeneration.value);
  setU16(out, SRC_INCARNATION, incarnation.value);
  out.set(link.local, DST_ADDR);
  setU16(out, DST_GENERATION, dstGeneration.value);
  out[TAG] = compact[0]!;
  out.set(rest, FULL_HEADER_BYTES);
  return out;
}

function sameAddr(packet: Uint8Array, at: number, addr: Uint8Array): boolean {
  for (let i = 0; i < ADDR_BYTES; i++) if (packet[at + i] !== addr[i]) return false;
  return true;
}

function u16At(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function setU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value & 0xff;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;
}

/** Writes `value` (0..65535) low 7 bits first, the high bit saying another byte follows. Returns the next offset. */
function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/**
 * Reads a varint written by `writeVarint`. Only the shortest form of a u16 is accepted, so every
 * header has one link form and an expanded packet compacts back to the bytes that came in.
 */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const b = bytes[at + i];
    if (b === undefined) return undefined;
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) return undefined; // a longer form than needed
      return value > 0xffff ? undefined : { value, next: at + i + 1 };
    }
  }
  return undefined;
}
