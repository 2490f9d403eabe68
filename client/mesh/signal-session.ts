/**
 * One attempt's signaling: the offer or `connect` request we send for a link, over the two paths a
 * signal can take. Through the mesh first (relayed through linked members), resent every
 * `signalRetryMs` up to `meshSignalTries` times, then once through the server; the server at once when
 * no link can relay, when every relay we used says it cannot pass the signal on, or when told to skip
 * the mesh. The responder's side only replies, on the path each copy of the offer came by.
 */

import type { Logger } from '../../shared/host/index';
import type { Clock } from '../runtime/clock';
import type { PeerAddr } from './mesh';
import type { SignalMessage } from './signal-message';

export type SignalPath = 'mesh' | 'server';

/** The two ways a signal reaches a peer. */
export interface SignalPaths {
  /** Sends a signal through the mesh; returns the neighbours it left through (none: no path). */
  sendViaMesh(to: PeerAddr, sessionId: string, data: SignalMessage): PeerAddr[];
  /** Sends a signal through the server; resolves false when it could not. Undefined: no server. */
  sendViaServer(to: PeerAddr, sessionId: string, data: SignalMessage): Promise<boolean> | undefined;
}

/** What sessions share: the paths, the clock their resends run on, and the retry settings. */
export interface SessionContext {
  readonly paths: SignalPaths;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signalRetryMs: number;
  readonly meshSignalTries: number;
}

/**
 * Replies once to a signal that came by `path`: through the mesh when it came that way and a relay
 * takes it, else through the server.
 */
export function reply(
  paths: SignalPaths,
  to: PeerAddr,
  sessionId: string,
  message: SignalMessage,
  path: SignalPath,
): void {
  if (path === 'mesh' && paths.sendViaMesh(to, sessionId, message).length > 0) return;
  void paths.sendViaServer(to, sessionId, message)?.catch(() => false);
}

/**
 * `offer`: we initiate; `request`: we asked the peer to initiate; `answer`: we respond to its offer.
 * A session lives until `stop`: while it is the peer's current attempt, or its open link's.
 */
export class SignalSession {
  /** The path of the answer (initiator) or of the latest copy of the offer (responder). */
  path: SignalPath | undefined;
  /** The responder's page instance, from its answer (initiator side). */
  remoteInstance: string | undefined;
  /** The responder's page stamp, from its answer: its requests from before it are not a reload. */
  remoteStamp: number | undefined;
  #message: SignalMessage | undefined;
  #meshSends = 0;
  /** Neighbours our copies went through, and those of them that said they could not forward them. */
  readonly #relays = new Set<PeerAddr>();
  readonly #unreachable = new Set<PeerAddr>();
  #serverSent = false;
  #resendTimer: unknown;
  #stopped = false;
  readonly #ctx: SessionContext;
  readonly #fail: (reason: string) => void;

  /** `fail` abandons the attempt; it is called only while the session runs. */
  constructor(
    ctx: SessionContext,
    readonly peer: PeerAddr,
    readonly kind: 'offer' | 'request' | 'answer',
    readonly id: string,
    fail: (reason: string) => void,
  ) {
    this.#ctx = ctx;
    this.#fail = fail;
  }

  /** What we send for this session, once the link driver (or the request) has produced it. */
  get message(): SignalMessage | undefined {
    return this.#message;
  }

  /** Sets the offer or request and sends it on its way (mesh first, then the server). */
  send(message: SignalMessage): void {
    this.#message = message;
    this.#sendNext();
  }

  /** Sets our answer and sends it back on the path the offer came by. */
  answer(message: SignalMessage): void {
    this.#message = message;
    reply(this.#ctx.paths, this.peer, this.id, message, this.path ?? 'server');
  }

  /** A copy of the offer came (again) by `path`: our answer goes back that way, if we have one yet. */
  offerResent(path: SignalPath): void {
    this.path = path;
    if (this.#message !== undefined) reply(this.#ctx.paths, this.peer, this.id, this.#message, path);
  }

  /** The peer answered by `path`: stop resending. */
  answered(path: SignalPath, remoteInstance: string | undefined, remoteStamp: number | undefined): void {
    this.path = path;
    this.remoteInstance = remoteInstance;
    this.remoteStamp = remoteStamp;
    this.stopResending();
  }

  /** Whether this is an offer we are still sending, with no answer yet. */
  get awaitingAnswer(): boolean {
    return this.kind === 'offer' && this.path === undefined;
  }

  /**
   * Gives up on the mesh: the next send (now, if the message is ready) goes through the server. For
   * an offer to a peer that asked through the server: it has no mesh path, so relayed copies die.
   */
  skipMesh(): void {
    if (this.kind !== 'offer' || this.path !== undefined || this.#serverSent) return;
    this.#meshSends = Math.max(this.#meshSends, this.#ctx.meshSignalTries);
    if (this.#message === undefined) return; // The link's signal handler sends it when ready.
    this.stopResending();
    this.#sendNext();
  }

  /**
   * The relay `relay` could not pass our signal on. Returns false when this session never used it.
   * Once every relay we used says so, the signal goes to the server at once.
   */
  relayUnreachable(relay: PeerAddr): boolean {
    if (this.kind === 'answer' || !this.#relays.has(relay)) return false;
    this.#unreachable.add(relay);
    if (this.#unreachable.size < this.#relays.size || this.path !== undefined) return true;
    this.stopResending();
    this.#meshSends = Math.max(this.#meshSends, this.#ctx.meshSignalTries);
    this.#sendNext();
    return true;
  }

  stopResending(): void {
    this.#ctx.clock.clearTimeout(this.#resendTimer);
    this.#resendTimer = undefined;
  }

  /** Ends the session: no more sends, and a late server failure no longer fails the attempt. */
  stop(): void {
    this.#stopped = true;
    this.stopResending();
  }

  /** Sends the message once more, by the mesh while tries remain, else the server; then arms a resend. */
  #sendNext(): void {
    if (this.#stopped || this.#message === undefined || this.path !== undefined) return;
    const { paths, meshSignalTries, logger, clock, signalRetryMs } = this.#ctx;
    const message = this.#message;
    const relays = this.#meshSends < meshSignalTries ? paths.sendViaMesh(this.peer, this.id, message) : [];
    if (relays.length > 0) {
      this.#meshSends += 1;
      for (const relay of relays) this.#relays.add(relay);
    } else if (!this.#serverSent) {
      this.#serverSent = true;
      const sent = paths.sendViaServer(this.peer, this.id, message);
      if (sent === undefined) {
        if (this.#meshSends === 0) this.#fail('no open link and no server to signal through');
        return;
      }
      sent.then(
        (ok) => {
          if (!ok && !this.#stopped && this.#meshSends === 0)
            this.#fail('the server could not relay the signal');
        },
        () => {},
      );
      logger.debug('mesh: signal sent through the server', { peer: this.peer, kind: this.kind });
    } else {
      return; // Nothing left to send: the connect timeout decides.
    }
    this.#resendTimer = clock.setTimeout(() => this.#sendNext(), signalRetryMs);
  }
}
