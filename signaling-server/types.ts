import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/signaling/index';
import type { TokenBucket } from './token-bucket';

/** Per-socket state that lives only on the instance holding the socket. */
export interface SocketData {
  events: TokenBucket;
  joins: TokenBucket;
  relays: TokenBucket;
}

// biome-ignore lint/complexity/noBannedTypes: socket.io's slot for server-to-server events, unused here.
type NoInterServerEvents = {};

export type SignalingIo = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;
