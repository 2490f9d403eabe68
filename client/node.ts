/**
 * Shoal for Node: a headless member (bots, tests) with the same API as the browser's, over Node's
 * WebRTC (`@roamhq/wrtc`). There is no page: no sessionStorage (each run gets a fresh address unless
 * `storage` is given) and no pagehide (call `room.leave()` before exiting).
 */
import { makeJoinRoom } from './api/join-room';
import { createWebRtcMesh } from './mesh/index.node';
import { SocketSignalingClient } from './runtime/signaling-client';

export { MessageError } from './api/app-frames';
export { MAX_METADATA_BYTES, type Metadata, MetadataError } from './api/metadata';
export { type JoinRoomOptions, RoomOptionsError } from './api/options';
export { Room, RoomClosedError, type RoomStats } from './api/room';
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
export type { Logger } from './runtime/logger';
export { browserPreset } from './runtime/preset';
export { JoinRefusedError } from './runtime/signaling-client';

/** Joins a room from Node; see the browser entry's `joinRoom`. */
export const joinRoom = makeJoinRoom({
  createMesh: (init) => createWebRtcMesh(init),
  createSignaling: (init) => new SocketSignalingClient(init),
});
