/**
 * What two members say to each other to set up a link, through the mesh (relayed signal frames) or
 * through the signaling server. The same messages travel both ways; only the envelope differs.
 */
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN } from '../../shared/signaling/member-key';

/**
 * - `offer` / `answer`: the link driver's opaque, non-trickle signal object (for WebRTC, simple-peer's
 *   `{ type, sdp }` with every ICE candidate inside).
 *   An answer names the responder's instance (see `SessionId`), so the initiator can tell a request
 *   from a reloaded responder (its old link is dead) from a late one (its link is fine).
 * - `connect`: "please initiate a link to me", from the larger addr of a pair to the smaller (only the
 *   smaller addr ever initiates, so a pair never races two links).
 * - `busy`: the receiver's connection budget refused the offer or the request.
 * - `unreachable`: from a relay next to the sender: it could not forward the signal of this session
 *   anywhere, so the sender need not wait for an answer that cannot come (it falls back to the server).
 */
export type SignalMessage =
  | ({ readonly type: 'offer'; readonly signal: object } & SignalProof)
  | ({
      readonly type: 'answer';
      readonly signal: object;
      readonly instance?: string;
      /** The responder's page stamp when it answered (see `SessionId.counter`): orders its later requests. */
      readonly stamp?: number;
    } & SignalProof)
  | ({ readonly type: 'connect' } & SignalProof)
  | ({ readonly type: 'busy' } & SignalProof)
  | { readonly type: 'unreachable' };

/**
 * The sender's proof on a signal it originates (all but `unreachable`, a relay's hop-local note): its
 * Ed25519 public key (64 hex digits, hashing to the sender's addr) and its signature (128 hex digits)
 * over `signalSigningMessage` (shared/signaling/signed-signal.ts). A mesh given a `MeshInit.identity`
 * signs what it sends and drops what does not verify; without one (tests with hand-made addrs) the
 * fields are neither added nor required.
 */
export interface SignalProof {
  readonly publicKey?: string;
  readonly signature?: string;
}

const INSTANCE_RE = /^[0-9a-f]{8}$/;
const SESSION_RE = /^([0-9a-f]{8})-(\d{1,15})$/;

/**
 * A session id names one attempt at a link: the sender's instance (random per mesh, so a reloaded tab
 * with the same addr is told apart) and a counter that grows with every attempt of that instance.
 * The counter is a page stamp: it starts at the wall clock's milliseconds and grows by at least one
 * per attempt, so a reloaded page's sessions (and answer stamps) come after its previous page's. A
 * signed signal from an older page, replayed by a relay, is then told from a reload and ignored.
 */
export interface SessionId {
  readonly instance: string;
  readonly counter: number;
}

export function formatSessionId(id: SessionId): string {
  return `${id.instance}-${id.counter}`;
}

/** Parses a session id, or `undefined` when it is not one of ours. */
export function parseSessionId(value: unknown): SessionId | undefined {
  if (typeof value !== 'string') return undefined;
  const match = SESSION_RE.exec(value);
  if (match === null) return undefined;
  return { instance: match[1]!, counter: Number(match[2]) };
}

/** Validates a signal message from the network; `undefined` when it is not a well-formed one. */
export function parseSignalMessage(value: unknown): SignalMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  switch (record.type) {
    case 'offer':
    case 'answer': {
      const signal = record.signal;
      if (typeof signal !== 'object' || signal === null || Array.isArray(signal)) return undefined;
      const proof = parseProof(record);
      if (proof === undefined) return undefined;
      if (record.type === 'offer') return { type: 'offer', signal, ...proof };
      const { instance, stamp } = record;
      if (stamp !== undefined && !(Number.isSafeInteger(stamp) && (stamp as number) >= 0)) return undefined;
      const stamped = stamp === undefined ? {} : { stamp: stamp as number };
      if (instance === undefined) return { type: 'answer', signal, ...stamped, ...proof };
      if (typeof instance !== 'string' || !INSTANCE_RE.test(instance)) return undefined;
      return { type: 'answer', signal, instance, ...stamped, ...proof };
    }
    case 'connect':
    case 'busy': {
      const proof = parseProof(record);
      return proof === undefined ? undefined : { type: record.type, ...proof };
    }
    case 'unreachable':
      return { type: 'unreachable' };
    default:
      return undefined;
  }
}

/** A message's proof fields: both well-formed, or both absent (`{}`); `undefined` for anything else. */
function parseProof(record: Record<string, unknown>): SignalProof | undefined {
  const { publicKey, signature } = record;
  if (publicKey === undefined && signature === undefined) return {};
  if (typeof publicKey !== 'string' || !PUBLIC_KEY_PATTERN.test(publicKey)) return undefined;
  if (typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) return undefined;
  return { publicKey, signature };
}
