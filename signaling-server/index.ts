/** The signaling server's public API, for apps, tests and the e2e suite. */
export { buildCli, parseCli } from './cli';
export type { SignalingMetrics } from './metrics';
export { type RunningServer, startServer } from './server';
export type { StartServerOptions } from './server-options';
export {
  hmacRoomAuthorizer,
  type MintRoomTokenOptions,
  mintRoomToken,
  openRooms,
  type RoomAuthorizer,
  TOKEN_SECRET_ENV,
} from './tokens';
