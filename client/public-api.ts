/** What both entries (browser `index.ts`, Node `node.ts`) export besides their own `joinRoom`. */

export type { Logger } from '../shared/host/index';
export { browser as browserPreset } from '../shared/swim/index';
export { MessageError } from './api/app-frames';
export { MAX_METADATA_BYTES, type Metadata, MetadataError } from './api/metadata';
export { type JoinRoomOptions, RoomOptionsError } from './api/options';
export { Room, RoomClosedError, type RoomStats } from './api/room';
export type { RoomBoundStats } from './api/room-deps';
export type {
  MemberState,
  PacketEvent,
  RawNotification,
  RoomEventName,
  RoomEvents,
  RoomMember,
  RoomMessage,
  RoomStatus,
} from './api/room-events';
export { DEFAULT_ROOM_LIMITS, type RoomLimits } from './api/room-limits';
export { JoinRefusedError, type TokenSource } from './runtime/signaling-client';
