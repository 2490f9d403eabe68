/**
 * What the room puts inside the mesh's app frames: a 1-byte kind, then the body. Apps send JSON values
 * or bytes; the room also sends its metadata directly to members that just came up.
 */

const KIND_JSON = 0;
const KIND_BYTES = 1;
const KIND_METADATA = 2;

export type AppFrame =
  | { readonly kind: 'message'; readonly data: unknown }
  | { readonly kind: 'metadata'; readonly item: Uint8Array };

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
    default:
      return undefined;
  }
}
