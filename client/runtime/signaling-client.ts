import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ErrorReason,
  PeerAddr,
  ServerToClientEvents,
} from '../../shared/signaling/events';
import { type MemberKey, signJoin } from '../../shared/signaling/member-key';
import type { ServerSignaling } from '../mesh/mesh';
import { Emitter } from './emitter';

/** A join the server refused (or that could not be made); `reason` is the server's, or `timeout`. */
export class JoinRefusedError extends Error {
  static readonly NAME = 'JoinRefusedError';
  override readonly name = JoinRefusedError.NAME;
  constructor(
    readonly reason: ErrorReason | 'timeout' | 'disconnected',
    message: string,
  ) {
    super(message);
  }
}

/** Refusals that retrying will not fix. */
export function isPermanentRefusal(reason: JoinRefusedError['reason']): boolean {
  return reason === 'unauthorized' || reason === 'invalid-payload' || reason === 'payload-too-large';
}

export interface SignalingClientEvents {
  /** The socket (re)connected: the room must be joined again to stay a bootstrap peer. */
  connect: () => void;
  disconnect: () => void;
}

/**
 * The runtime's view of the signaling server: join a room to get bootstrap peers, relay the first
 * offers/answers (as the mesh's `ServerSignaling`), and say when the server comes and goes.
 */
export interface SignalingClient extends ServerSignaling {
  readonly connected: boolean;
  /** Joins (or re-joins) the room; resolves with up to K bootstrap peers; rejects with `JoinRefusedError`. */
  join(): Promise<PeerAddr[]>;
  /**
   * The room's size (members with us) the server gave on our last join; undefined before one, or
   * from a server that does not say.
   */
  readonly roomSize: number | undefined;
  on<E extends keyof SignalingClientEvents>(event: E, handler: SignalingClientEvents[E]): () => void;
  /** Tells the server we leave the room (best effort, fire and forget). */
  leave(): void;
  close(): void;
}

/**
 * A room token, or a function returning a fresh one: called before every (re)join, so a short-lived
 * token is renewed when the server restarts or the socket reconnects.
 */
export type TokenSource = string | (() => string | Promise<string>);

export interface SocketSignalingInit {
  /**
   * The server's URL, or several servers' (instances sharing rooms through Redis): the client
   * connects to the first, and when it cannot reach the one it uses, moves on to the next in turn.
   */
  readonly url: string | readonly string[];
  readonly room: string;
  /**
   * `key.addr` is the address we join as; the key signs the server's challenge. Read only then (at
   * each join), so it may be a getter that makes the key while the socket connects.
   */
  readonly key: MemberKey;
  readonly token?: TokenSource | undefined;
  readonly ackTimeoutMs?: number;
}

/** Failed attempts to reach one server before a client with several moves on to the next. */
const ATTEMPTS_PER_SERVER = 2;

/**
 * `SignalingClient` over socket.io, reconnecting on its own after the server restarts; given several
 * URLs, it moves on to the next one after `ATTEMPTS_PER_SERVER` failed attempts at the current one.
 */
export class SocketSignalingClient implements SignalingClient {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly urls: readonly string[];
  private current = 0;
  private failures = 0;
  private joinedSize: number | undefined;
  private closed = false;
  private readonly signalHandlers = new Set<(from: PeerAddr, sessionId: string, data: unknown) => void>();
  private readonly events = new Emitter<SignalingClientEvents>();
  private readonly ackTimeoutMs: number;
  /** This socket's join challenge; the server sends a fresh one on every (re)connection. */
  private challenge: string | undefined;
  private readonly challengeWaiters = new Set<() => void>();

  constructor(private readonly init: SocketSignalingInit) {
    this.ackTimeoutMs = init.ackTimeoutMs ?? 5000;
    this.urls = typeof init.url === 'string' ? [init.url] : init.url;
    if (this.urls.length === 0) throw new Error('SocketSignalingClient needs at least one URL');
    this.socket = this.open(this.urls[0]!);
  }

  /** The URL of the server in use (or being tried). */
  get url(): string {
    return this.urls[this.current]!;
  }

  private open(url: string): Socket<ServerToClientEvents, ClientToServerEvents> {
    // WebSocket only: no long-polling fallback (and so no CORS preflights to a cross-origin server).
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
      transports: ['websocket'],
      reconnectionDelay: 300,
      // At most ~1 s between attempts: a restarted server has every tab back within a few seconds
      // (one small WebSocket handshake a second per tab while it is down is cheap).
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.3,
    });
    socket.on('challenge', (payload) => {
      if (typeof payload?.challenge !== 'string') return;
      this.challenge = payload.challenge;
      for (const wake of [...this.challengeWaiters]) wake();
    });
    socket.on('connect', () => {
      this.failures = 0;
      this.events.emit('connect');
    });
    socket.on('disconnect', (reason) => {
      this.challenge = undefined;
      this.events.emit('disconnect');
      // The server dropped us on purpose (e.g. idle before a join): socket.io would not come back.
      if (reason === 'io server disconnect' && !this.closed) socket.connect();
    });
    // Both the first connection's failures and the reconnections' (the manager retries on its own).
    socket.on('connect_error', () => this.failed(socket));
    socket.on('signal', (delivery) => {
      if (delivery === null || typeof delivery !== 'object' || delivery.room !== this.init.room) return;
      if (typeof delivery.from !== 'string' || typeof delivery.sessionId !== 'string') return;
      for (const h of this.signalHandlers) h(delivery.from, delivery.sessionId, delivery.data);
    });
    return socket;
  }

  /** Counts a failed attempt; past the limit, with other servers to try, moves on to the next. */
  private failed(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
    if (this.closed || socket !== this.socket || this.urls.length < 2) return;
    if (++this.failures < ATTEMPTS_PER_SERVER) return;
    this.failures = 0;
    socket.removeAllListeners();
    socket.close();
    // The next server sends its own challenge when we connect to it.
    this.challenge = undefined;
    this.current = (this.current + 1) % this.urls.length;
    this.socket = this.open(this.url);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Joins with a fresh token and a signature over this socket's challenge. A token function gets one
   * more call when the server says `unauthorized` (the token may have expired since it was made);
   * a second refusal rejects.
   */
  async join(): Promise<PeerAddr[]> {
    try {
      return await this.joinOnce();
    } catch (e) {
      if (
        e instanceof JoinRefusedError &&
        e.reason === 'unauthorized' &&
        typeof this.init.token === 'function'
      ) {
        return await this.joinOnce();
      }
      throw e;
    }
  }

  get roomSize(): number | undefined {
    return this.joinedSize;
  }

  private async joinOnce(): Promise<PeerAddr[]> {
    if (!this.socket.connected) {
      throw new JoinRefusedError('disconnected', 'the signaling server is not connected');
    }
    const token = await this.freshToken();
    const challenge = await this.awaitChallenge();
    const { room, key } = this.init;
    const proof = signJoin(key, challenge, room);
    const request = token === undefined ? { room, ...proof } : { room, ...proof, token };
    return new Promise((resolve, reject) => {
      this.socket.timeout(this.ackTimeoutMs).emit('join', request, (err, result) => {
        if (err) {
          reject(new JoinRefusedError('timeout', `join timed out after ${this.ackTimeoutMs} ms`));
        } else if (!result.ok) {
          reject(new JoinRefusedError(result.reason, result.message));
        } else {
          const size = result.size;
          this.joinedSize = Number.isSafeInteger(size) && size! > 0 ? size : undefined;
          resolve(result.peers.filter((p) => typeof p === 'string' && p !== key.addr));
        }
      });
    });
  }

  private async freshToken(): Promise<string | undefined> {
    const source = this.init.token;
    if (typeof source !== 'function') return source;
    try {
      const token = await source();
      if (typeof token !== 'string' || token.length === 0)
        throw new TypeError('the token function returned no token');
      return token;
    } catch (e) {
      throw new JoinRefusedError('unauthorized', `no token: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The current challenge; waits for it (it follows the connection at once) up to the ack timeout. */
  private awaitChallenge(): Promise<string> {
    const current = this.challenge;
    if (current !== undefined) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const done = () => {
        this.challengeWaiters.delete(done);
        clearTimeout(timer);
        if (this.challenge !== undefined) resolve(this.challenge);
        else reject(new JoinRefusedError('disconnected', 'the signaling server is not connected'));
      };
      const timer = setTimeout(() => {
        this.challengeWaiters.delete(done);
        reject(new JoinRefusedError('timeout', `no join challenge within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.challengeWaiters.add(done);
    });
  }

  send(to: PeerAddr, sessionId: string, data: unknown): Promise<boolean> {
    if (!this.socket.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket
        .timeout(this.ackTimeoutMs)
        .emit('signal', { room: this.init.room, to, sessionId, data }, (err, result) => {
          resolve(!err && result.ok);
        });
    });
  }

  onSignal(handler: (from: PeerAddr, sessionId: string, data: unknown) => void): () => void {
    this.signalHandlers.add(handler);
    return () => this.signalHandlers.delete(handler);
  }

  on<E extends keyof SignalingClientEvents>(event: E, handler: SignalingClientEvents[E]): () => void {
    return this.events.on(event, handler);
  }

  leave(): void {
    if (this.socket.connected) this.socket.emit('leave', { room: this.init.room }, () => {});
  }

  close(): void {
    this.closed = true;
    this.signalHandlers.clear();
    this.events.clear();
    this.socket.close();
  }
}
