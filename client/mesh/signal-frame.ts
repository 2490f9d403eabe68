/**
 * A signal relayed through the mesh: the payload of a `signal` frame. Intermediate members forward it
 * towards `to` with a decremented `ttl` and drop copies they have seen (by `from`, `sessionId`, `seq`).
 * Encoded as UTF-8 JSON: signals are rare, and SDP is text anyway.
 */

import { isMemberAddr } from '../../shared/swim/index';
import { MAX_FRAME_PAYLOAD_BYTES, MAX_RELAY_TTL } from './limits';
import type { PeerAddr } from './mesh';
import { parseSessionId, parseSignalMessage, type SignalMessage } from './signal-message';

export { MAX_RELAY_TTL } from './limits';
/**
 * Largest encoded relayed signal: one frame's payload (a non-trickle SDP is ~1 KB on loopback, a few
 * KB with TURN).
 */
export const MAX_SIGNAL_FRAME_BYTES = MAX_FRAME_PAYLOAD_BYTES;

export interface RelayedSignal {
  readonly sessionId: string;
  /** Grows with every frame the origin sends (retransmissions included), so relays forward retries. */
  readonly seq: number;
  readonly from: PeerAddr;
  readonly to: PeerAddr;
  /** Hops left; a relay forwards only while this is above zero after decrementing. */
  readonly ttl: number;
  readonly data: SignalMessage;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a relayed signal. Throws `RangeError` past `MAX_SIGNAL_FRAME_BYTES`. */
export function encodeRelayedSignal(signal: RelayedSignal): Uint8Array {
  const { sessionId, seq, from, to, ttl, data } = signal;
  const bytes = encoder.encode(JSON.stringify({ sessionId, seq, from, to, ttl, data }));
  if (bytes.length > MAX_SIGNAL_FRAME_BYTES) {
    throw new RangeError(`relayed signal of ${bytes.length} bytes exceeds ${MAX_SIGNAL_FRAME_BYTES}`);
  }
  return bytes;
}

/** Decodes and validates a relayed signal; `undefined` for anything malformed (never throws). */
export function decodeRelayedSignal(bytes: Uint8Array): RelayedSignal | undefined {
  if (bytes.length > MAX_SIGNAL_FRAME_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { sessionId, seq, from, to, ttl } = record;
  if (typeof sessionId !== 'string' || parseSessionId(sessionId) === undefined) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (!isMemberAddr(from) || !isMemberAddr(to) || from === to) return undefined;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_RELAY_TTL) return undefined;
  const data = parseSignalMessage(record.data);
  if (data === undefined) return undefined;
  return { sessionId, seq, from, to, ttl, data };
}
