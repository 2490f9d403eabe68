/**
 * `shoal/server`: the signaling server as a library. `createSignalingServer(options).listen(port)`;
 * `npx shoal-signaling --help` is the same server as a command.
 */
export {
  createSignalingServer,
  type SignalingServer,
  type SignalingServerOptions,
} from './create-signaling-server';
export type { SignalingMetrics } from './metrics';
export type { RunningServer } from './server';
export type { StartServerOptions } from './server-options';
export {
  hmacRoomAuthorizer,
  type MintRoomTokenOptions,
  mintRoomToken,
  openRooms,
  type RoomAuthorizer,
  TOKEN_SECRET_ENV,
} from './tokens';
