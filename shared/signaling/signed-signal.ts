/**
 * Signed link setup (DESIGN.md §9, "links are bound to keys"): the bytes a member signs for each
 * signal it originates (offer, answer, connect request, busy), whether the signal goes through the
 * server or is relayed by other members. The signature covers who speaks to whom, in which room, for
 * which attempt, and what the link will be bound to (the SDP's DTLS fingerprint), so a relay or the
 * server can carry a signal but can neither forge nor redirect one. Pure: no clock, no I/O.
 */
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PeerAddr } from './events';
import { addrOfPublicKey, PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN, verifySignature } from './member-key';

/** The signal types that are signed: all an origin says ('unreachable' is a relay's hop-local note). */
export type SignedSignalType = 'offer' | 'answer' | 'connect' | 'busy';

/** What a signal's signature covers. */
export interface SignalSigningFields {
  readonly type: SignedSignalType;
  readonly room: string;
  readonly from: PeerAddr;
  readonly to: PeerAddr;
  readonly sessionId: string;
  /**
   * The answerer's page instance and stamp, `<instance>-<stamp>` (answers only; they tell a reloaded
   * responder from a late or replayed one).
   */
  readonly instance?: string | undefined;
  /** What the link is bound to: the DTLS fingerprint lines of an offer's or answer's SDP; '' otherwise. */
  readonly binding: string;
}

/**
 * The bytes signed for a signal. The label differs from the join's (`shoal-join-v1`), so neither
 * signature can stand for the other. Room names hold no `:`, addrs and the instance are hex, a
 * session id is `<hex>-<digits>`, and the binding (which may hold `:`) comes last: unambiguous.
 */
export function signalSigningMessage(fields: SignalSigningFields): Uint8Array {
  const { type, room, from, to, sessionId, instance, binding } = fields;
  return utf8ToBytes(
    `shoal-signal-v1:${type}:${room}:${from}:${to}:${sessionId}:${instance ?? ''}:${binding}`,
  );
}

/**
 * The DTLS fingerprint lines of an SDP (`a=fingerprint:<hash> <hex>`), trimmed, in order, joined by
 * `\n`; '' when it has none. WebRTC refuses a DTLS peer whose certificate does not match them, so a
 * signature over them binds the link to whoever holds that certificate's key: the signer.
 */
export function sdpFingerprints(sdp: string): string {
  const lines: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('a=fingerprint:')) lines.push(line.trim().toLowerCase());
  }
  return lines.join('\n');
}

/**
 * What a link driver's offer or answer binds the link to: the SDP's DTLS fingerprint lines when it
 * has any; otherwise (the in-memory and BroadcastChannel drivers, whose signals name their endpoint)
 * the whole signal as JSON, which is small. Doesn't change state.
 */
export function signalBinding(signal: object): string {
  const sdp = (signal as { sdp?: unknown }).sdp;
  if (typeof sdp === 'string') {
    const fingerprints = sdpFingerprints(sdp);
    if (fingerprints !== '') return fingerprints;
  }
  return JSON.stringify(signal);
}

/**
 * Checks a signal's proof: the public key (hex) hashes to `from` and the signature (hex) verifies over
 * `fields`. False, never a throw, on anything malformed. Doesn't change state; costs one Ed25519
 * verification once the cheap checks pass (callers cache results).
 */
export function verifySignalProof(
  publicKey: string,
  signature: string,
  fields: SignalSigningFields,
): boolean {
  const parts = signalProofParts(publicKey, signature, fields);
  return parts !== undefined && verifySignature(parts.publicKey, parts.message, parts.signature);
}

/** The bytes a signal's Ed25519 verification takes, once a proof passes `verifySignalProof`'s cheap checks. */
export interface SignalProofParts {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * `verifySignalProof` up to the signature itself: the public key and signature well-formed and the key
 * hashing to `from`. Returns what the verification takes, or `undefined` when a cheap check already
 * fails. For a caller that verifies elsewhere (the platform's WebCrypto). Doesn't change state.
 */
export function signalProofParts(
  publicKey: string,
  signature: string,
  fields: SignalSigningFields,
): SignalProofParts | undefined {
  if (!PUBLIC_KEY_PATTERN.test(publicKey) || !SIGNATURE_PATTERN.test(signature)) return undefined;
  const keyBytes = hexToBytes(publicKey);
  if (addrOfPublicKey(keyBytes) !== fields.from) return undefined;
  return { publicKey: keyBytes, message: signalSigningMessage(fields), signature: hexToBytes(signature) };
}

/**
 * What is wrong with the proof a signal's `data` carries, as the server relays it from the socket
 * bound to `from`; `undefined` when it carries none (the server's `data` stays opaque) or carries a
 * public key that hashes to `from` and a well-formed signature. The server does not verify the
 * signature (the receiver does, knowing its room and addr); it only refuses to carry a proof of a
 * key that is not the sender's. Doesn't change state.
 */
export function signalProofProblem(data: unknown, from: PeerAddr): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { publicKey, signature } = data as Record<string, unknown>;
  if (publicKey === undefined && signature === undefined) return undefined;
  if (typeof publicKey !== 'string' || !PUBLIC_KEY_PATTERN.test(publicKey)) {
    return 'data.publicKey must be 64 lowercase hex digits';
  }
  if (typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) {
    return 'data.signature must be 128 lowercase hex digits';
  }
  if (addrOfPublicKey(hexToBytes(publicKey)) !== from) return "data.publicKey is not the sender's key";
  return undefined;
}
