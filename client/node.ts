/**
 * Shoal for Node: a headless member (bots, tests) with the same API as the browser's, over Node's
 * WebRTC (`@roamhq/wrtc`). There is no page: no sessionStorage (each run gets a fresh address unless
 * `storage` is given) and no pagehide (call `room.leave()` before exiting).
 */
import { makeJoinRoom } from './api/join-room';
import { createWebRtcMesh } from './mesh/node';
import { SocketSignalingClient } from './runtime/signaling-client';

export * from './public-api';

/** Joins a room from Node; see the browser entry's `joinRoom`. */
export const joinRoom = makeJoinRoom({
  createMesh: (init) => createWebRtcMesh(init),
  createSignaling: (init) => new SocketSignalingClient(init),
  // Members of one process may share BroadcastChannels, but only when asked (`sameBrowser: true`).
  sameBrowser: { openChannel: (name) => new BroadcastChannel(name), onByDefault: false },
});
