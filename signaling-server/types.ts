import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/signaling/index';
/**
 * Nothing is kept in socket.data: the Redis adapter copies it to other instances on every
 * fetchSockets, and membership is read from socket.io rooms instead.
 */
export type SocketData = Record<string, never>;

// biome-ignore lint/complexity/noBannedTypes: socket.io's slot for server-to-server events, unused here.
type NoInterServerEvents = {};

export type SignalingIo = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, SocketData>;
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;
