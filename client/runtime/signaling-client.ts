import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ErrorReason,
  PeerAddr,
  ServerToClientEvents,
} from '../../shared/signaling/events';
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
  on<E extends keyof SignalingClientEvents>(event: E, handler: SignalingClientEvents[E]): () => void;
  /** Tells the server we leave the room (best effort, fire and forget). */
  leave(): void;
  close(): void;
}

export interface SocketSignalingInit {
  /**
   * The server's URL, or several servers' (instances sharing rooms through Redis): the client
   * connects to the first, and when it cannot reach the one it uses, moves on to the next in turn.
   */
  readonly url: string | readonly string[];
  readonly room: string;
  readonly addr: PeerAddr;
  readonly token?: string | undefined;
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
  private closed = false;
  private readonly signalHandlers = new Set<(from: PeerAddr, sessionId: string, data: unknown) => void>();
  private readonly events = new Emitter<SignalingClientEvents>();
  private readonly ackTimeoutMs: number;

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
    socket.on('connect', () => {
      this.failures = 0;
      this.events.emit('connect');
    });
    socket.on('disconnect', () => this.events.emit('disconnect'));
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
    this.current = (this.current + 1) % this.urls.length;
    this.socket = this.open(this.url);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  join(): Promise<PeerAddr[]> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new JoinRefusedError('disconnected', 'the signaling server is not connected'));
        return;
      }
      const request =
        this.init.token === undefined
          ? { room: this.init.room, addr: this.init.addr }
          : { room: this.init.room, addr: this.init.addr, token: this.init.token };
      this.socket.timeout(this.ackTimeoutMs).emit('join', request, (err, result) => {
        if (err) {
          reject(new JoinRefusedError('timeout', `join timed out after ${this.ackTimeoutMs} ms`));
        } else if (!result.ok) {
          reject(new JoinRefusedError(result.reason, result.message));
        } else {
          resolve(result.peers.filter((p) => typeof p === 'string' && p !== this.init.addr));
        }
      });
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
