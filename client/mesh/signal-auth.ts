/**
 * Signed link setup (DESIGN.md §9): the mesh signs every signal it originates and checks every signal
 * addressed to it before the connection manager sees it, whichever path it came by (the server or
 * relays). A signal whose sender's key does not hash to its `from`, whose signature does not cover our
 * room, our addr, its session and the link's DTLS fingerprint, or that carries no proof, is dropped:
 * it never opens, replaces or tears down a link. So a relay (or the server) can carry a signal but
 * cannot speak for its sender, and the link opens only to whoever holds the signed certificate.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { MemberKey } from '../../shared/signaling/member-key';
import {
  type SignalSigningFields,
  signalBinding,
  signalProofParts,
  signalSigningMessage,
  verifySignalProof,
} from '../../shared/signaling/signed-signal';
import type { AsyncSignatureVerifier } from '../runtime/webcrypto-ed25519';
import { BoundedSet } from './bounded-set';
import type { PeerAddr } from './mesh';
import type { SignalMessage } from './signal-message';

/** Who we are to the peers we link to: our key (its addr is the mesh's `self`) and our room. */
export interface LinkIdentity {
  readonly key: MemberKey;
  readonly room: string;
  /**
   * Verifies peers' signatures off this thread (the browser's WebCrypto); signals then wait for it,
   * in the order they came. Without it, noble verifies them at once.
   */
  readonly verify?: AsyncSignatureVerifier | undefined;
}

/** Counters kept by `SignalAuth`, read into the mesh's stats. */
export interface SignalAuthStats {
  /** Signatures verified (one Ed25519 verification each; resent copies hit the cache instead). */
  verified: number;
  /** Signals accepted from the cache: a copy of one already verified (a resent offer, say). */
  verifyCached: number;
  /** Signals dropped: no proof, a key that is not the sender's, or a signature that does not verify. */
  rejected: number;
}

/** Verified signals remembered, so resends and duplicate copies cost a string compare, not a verify. */
const VERIFIED_CAPACITY = 512;

export class SignalAuth {
  readonly stats: SignalAuthStats = { verified: 0, verifyCached: 0, rejected: 0 };
  readonly #self: PeerAddr;
  readonly #identity: LinkIdentity | undefined;
  readonly #publicKey: string | undefined;
  /** Our signed copy of each message object (a session resends the same object). */
  readonly #signed = new WeakMap<SignalMessage, { key: string; message: SignalMessage }>();
  readonly #verified = new BoundedSet<string>(VERIFIED_CAPACITY);
  /** Signatures the asynchronous verifier is checking, by the same key as `#verified`. */
  readonly #verifying = new Map<string, Promise<boolean>>();

  /** Without `identity`, signals are neither signed nor checked (meshes of hand-made test addrs). */
  constructor(self: PeerAddr, identity: LinkIdentity | undefined) {
    this.#self = self;
    this.#identity = identity;
    this.#publicKey = identity === undefined ? undefined : bytesToHex(identity.key.publicKey);
  }

  /** Whether signals are signed and checked. */
  get enabled(): boolean {
    return this.#identity !== undefined;
  }

  /**
   * `message` with our proof for `to` and `sessionId` (the same object back without an identity, or
   * for `unreachable`). Signs once per message object and destination. Doesn't change other state.
   */
  sign(to: PeerAddr, sessionId: string, message: SignalMessage): SignalMessage {
    const identity = this.#identity;
    if (identity === undefined || message.type === 'unreachable') return message;
    const memoKey = `${to}/${sessionId}`;
    const memo = this.#signed.get(message);
    if (memo?.key === memoKey) return memo.message;
    const fields = signingFields(message, identity.room, this.#self, to, sessionId);
    const signature = bytesToHex(identity.key.sign(signalSigningMessage(fields)));
    const signed = { ...message, publicKey: this.#publicKey, signature } as SignalMessage;
    this.#signed.set(message, { key: memoKey, message: signed });
    return signed;
  }

  /**
   * Whether a signal that says it is from `from` and reached us may be acted on: always without an
   * identity; else only when its proof verifies for our room and addr. Counts what it decides. A
   * promise when the identity's asynchronous verifier has to check a signature (copies of one signal
   * that come while it does share its answer); a boolean when decided at once.
   */
  accept(from: PeerAddr, sessionId: string, message: SignalMessage): boolean | Promise<boolean> {
    const identity = this.#identity;
    if (identity === undefined || message.type === 'unreachable') return true;
    const { publicKey, signature } = message;
    if (publicKey === undefined || signature === undefined) return this.#rejected();
    const fields = signingFields(message, identity.room, from, this.#self, sessionId);
    // Every signed field is in the key (room and `to` are ours, fixed): a hit is the same statement.
    const cacheKey = `${publicKey}/${signature}/${fields.type}/${from}/${sessionId}/${fields.instance}/${fields.binding}`;
    if (this.#verified.has(cacheKey)) {
      this.stats.verifyCached += 1;
      return true;
    }
    const verify = identity.verify;
    if (verify === undefined) {
      return verifySignalProof(publicKey, signature, fields) ? this.#accepted(cacheKey) : this.#rejected();
    }
    const pending = this.#verifying.get(cacheKey);
    if (pending !== undefined) return pending;
    const parts = signalProofParts(publicKey, signature, fields);
    if (parts === undefined) return this.#rejected();
    const verdict = verify(parts.publicKey, parts.message, parts.signature).then(
      (ok) => {
        this.#verifying.delete(cacheKey);
        return ok ? this.#accepted(cacheKey) : this.#rejected();
      },
      () => {
        this.#verifying.delete(cacheKey);
        return this.#rejected();
      },
    );
    this.#verifying.set(cacheKey, verdict);
    return verdict;
  }

  #accepted(cacheKey: string): true {
    this.stats.verified += 1;
    this.#verified.add(cacheKey);
    return true;
  }

  #rejected(): false {
    this.stats.rejected += 1;
    return false;
  }
}

/** What a signal's signature covers, for a message of ours or a peer's. */
function signingFields(
  message: Exclude<SignalMessage, { type: 'unreachable' }>,
  room: string,
  from: PeerAddr,
  to: PeerAddr,
  sessionId: string,
): SignalSigningFields {
  const binding = 'signal' in message ? signalBinding(message.signal) : '';
  let instance: string | undefined;
  if (message.type === 'answer') {
    instance = message.stamp === undefined ? message.instance : `${message.instance ?? ''}-${message.stamp}`;
  }
  return { type: message.type, room, from, to, sessionId, instance, binding };
}
