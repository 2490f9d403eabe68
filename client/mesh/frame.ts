/**
 * The frame format on a data channel: one kind byte, then the payload. The mesh never looks inside a
 * SWIM packet; a relayed signal's payload is described in `signal-frame.ts`.
 */
import type { FrameKind } from './mesh';

/**
 * The kind byte of each frame kind. Values are part of the wire format: never renumber them. Bit 7
 * marks the link's own frames (protocol 1.4): 0x80 a hello, 0x81 a SWIM packet (kind 1) in its link
 * form. 4..127 stay free for new payloads.
 */
export const FRAME_KIND_BYTE: Readonly<Record<FrameKind, number>> = {
  swim: 1,
  signal: 2,
  app: 3,
  hello: 0x80,
  'swim-link': 0x81,
};

const KIND_BY_BYTE: ReadonlyMap<number, FrameKind> = new Map(
  Object.entries(FRAME_KIND_BYTE).map(([kind, byte]) => [byte, kind as FrameKind]),
);

/** A decoded frame. `payload` is a view into the frame's bytes (no copy). */
export interface Frame {
  readonly kind: FrameKind;
  readonly payload: Uint8Array;
}

/** Prefixes `payload` with the kind byte. Doesn't touch `payload`. */
export function encodeFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = FRAME_KIND_BYTE[kind];
  out.set(payload, 1);
  return out;
}

/** Reads a frame's kind, or `undefined` when the frame is empty or has an unknown kind byte. */
export function decodeFrame(bytes: Uint8Array): Frame | undefined {
  if (bytes.length === 0) return undefined;
  const kind = KIND_BY_BYTE.get(bytes[0]!);
  if (kind === undefined) return undefined;
  return { kind, payload: bytes.subarray(1) };
}
