/**
 * What the room puts inside the mesh's app frames: a 1-byte kind, then the body. Apps send JSON values
 * or bytes; the room also sends its metadata directly to members that just came up, asks a linked
 * member for the metadata of members it holds without any (a large room: `metadata-pull.ts`), and
 * answers such asks with copies of the items it holds. A page that reloads itself tells its linked
 * members so (`reloading`, no body): they hold its place while it comes back.
 */

const KIND_JSON = 0;
const KIND_BYTES = 1;
const KIND_METADATA = 2;
const KIND_METADATA_WANT = 3;
const KIND_METADATA_COPIES = 4;
const KIND_RELOADING = 5;

/** Bytes of one addr in a `metadata-want` frame. */
const WANT_ADDR_BYTES = 16;
/** Most addrs one `metadata-want` frame may name; a longer one is malformed. */
export const MAX_METADATA_WANTS = 64;

export type AppFrame =
  | { readonly kind: 'message'; readonly data: unknown }
  /** A member's own item, sent by that member. */
  | { readonly kind: 'metadata'; readonly item: Uint8Array }
  /** The sender asks for the items it lacks of these members (hex addrs). */
  | { readonly kind: 'metadata-want'; readonly addrs: readonly string[] }
  /** Copies of members' items, answering our `metadata-want`: relayed copies, checked as such. */
  | { readonly kind: 'metadata-copies'; readonly items: readonly Uint8Array[] }
  /** The sender's page is reloading itself: its next generation comes back soon. */
  | { readonly kind: 'reloading' };

/** A message that can't be sent: not JSON-serializable, or too big. Nothing was sent. */
export class MessageError extends Error {
  static readonly NAME = 'MessageError';
  override readonly name = MessageError.NAME;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Frames an app message: a `Uint8Array` goes as bytes, anything else as JSON. Throws `MessageError`
 * when it is not JSON-serializable or its frame is over `maxBytes`.
 */
export function encodeMessage(data: unknown, maxBytes: number): Uint8Array {
  let frame: Uint8Array;
  if (data instanceof Uint8Array) {
    frame = new Uint8Array(1 + data.length);
    frame[0] = KIND_BYTES;
    frame.set(data, 1);
  } else {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (e) {
      throw new MessageError(
        `message is not JSON-serializable: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (json === undefined)
      throw new MessageError('message is not JSON-serializable (undefined or a function)');
    const body = encoder.encode(json);
    frame = new Uint8Array(1 + body.length);
    frame[0] = KIND_JSON;
    frame.set(body, 1);
  }
  if (frame.length > maxBytes) {
    throw new MessageError(`message is ${frame.length} bytes framed, over the ${maxBytes}-byte limit`);
  }
  return frame;
}

/** Frames a metadata item for a direct send. */
export function encodeMetadataFrame(item: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + item.length);
  frame[0] = KIND_METADATA;
  frame.set(item, 1);
  return frame;
}

/** Frames the notice a page sends its links as it reloads itself (one byte). */
export function encodeReloadingFrame(): Uint8Array {
  return Uint8Array.of(KIND_RELOADING);
}

/** Frames an ask for the items of `addrs` (hex, 1..`MAX_METADATA_WANTS`). Throws `RangeError` otherwise. */
export function encodeMetadataWantFrame(addrs: readonly string[]): Uint8Array {
  if (addrs.length === 0 || addrs.length > MAX_METADATA_WANTS) {
    throw new RangeError(`a metadata want names 1..${MAX_METADATA_WANTS} members, got ${addrs.length}`);
  }
  const frame = new Uint8Array(1 + WANT_ADDR_BYTES * addrs.length);
  frame[0] = KIND_METADATA_WANT;
  addrs.forEach((addr, i) => {
    if (!/^[0-9a-f]{32}$/.test(addr)) throw new RangeError(`not an addr: ${addr}`);
    for (let b = 0; b < WANT_ADDR_BYTES; b++) {
      frame[1 + i * WANT_ADDR_BYTES + b] = Number.parseInt(addr.slice(2 * b, 2 * b + 2), 16);
    }
  });
  return frame;
}

/** Bytes of one copies frame at most: several items, one data-channel message (a frame each cost 64× the CPU). */
export const MAX_COPIES_FRAME_BYTES = 8 * 1024;

/**
 * Frames copies of members' items (held bytes, as received) for a member that asked for them: each
 * item as a u16 length and its bytes, as many per frame as fit in `MAX_COPIES_FRAME_BYTES`.
 * Throws `RangeError` for an empty item or one that fits no frame.
 */
export function encodeMetadataCopiesFrames(items: readonly Uint8Array[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = 1;
  const flush = () => {
    if (batch.length === 0) return;
    const frame = new Uint8Array(size);
    frame[0] = KIND_METADATA_COPIES;
    let at = 1;
    for (const item of batch) {
      frame[at] = item.length >> 8;
      frame[at + 1] = item.length & 0xff;
      frame.set(item, at + 2);
      at += 2 + item.length;
    }
    frames.push(frame);
    batch = [];
    size = 1;
  };
  for (const item of items) {
    if (item.length === 0 || 3 + item.length > MAX_COPIES_FRAME_BYTES) {
      throw new RangeError(`a metadata copy of ${item.length} bytes fits no frame`);
    }
    if (size + 2 + item.length > MAX_COPIES_FRAME_BYTES) flush();
    batch.push(item);
    size += 2 + item.length;
  }
  flush();
  return frames;
}

function decodeCopies(body: Uint8Array): AppFrame | undefined {
  const items: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 2 > body.length) return undefined;
    const length = (body[at]! << 8) | body[at + 1]!;
    if (length === 0 || at + 2 + length > body.length) return undefined;
    items.push(body.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return items.length === 0 ? undefined : { kind: 'metadata-copies', items };
}

function decodeWants(body: Uint8Array): AppFrame | undefined {
  const n = body.length / WANT_ADDR_BYTES;
  if (!Number.isInteger(n) || n < 1 || n > MAX_METADATA_WANTS) return undefined;
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) {
    let addr = '';
    for (let b = 0; b < WANT_ADDR_BYTES; b++)
      addr += body[i * WANT_ADDR_BYTES + b]!.toString(16).padStart(2, '0');
    addrs.push(addr);
  }
  return { kind: 'metadata-want', addrs };
}

/** Reads a frame; `undefined` for anything malformed (the caller counts and drops it). */
export function decodeAppFrame(bytes: Uint8Array): AppFrame | undefined {
  if (bytes.length === 0) return undefined;
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case KIND_BYTES:
      return { kind: 'message', data: body.slice() };
    case KIND_JSON:
      try {
        return { kind: 'message', data: JSON.parse(decoder.decode(body)) as unknown };
      } catch {
        return undefined;
      }
    case KIND_METADATA:
      return { kind: 'metadata', item: body.slice() };
    case KIND_METADATA_WANT:
      return decodeWants(body);
    case KIND_METADATA_COPIES:
      return decodeCopies(body);
    case KIND_RELOADING:
      return body.length === 0 ? { kind: 'reloading' } : undefined;
    default:
      return undefined;
  }
}
