/**
 * Shoal for browsers: presence over SWIM on WebRTC data channels.
 *
 * ```ts
 * const room = joinRoom({ signaling: 'https://example.org', room: 'lobby', metadata: { name: 'Ada' } });
 * room.on('join', (m) => console.log(m.metadata?.name, 'is here'));
 * room.on('leave', (m) => console.log(m.id, 'left'));
 * room.setMetadata({ typing: true });
 * ```
 */
import { makeJoinRoom } from './api/join-room';
import { createWebRtcMesh } from './mesh/index';
import { defaultStorage } from './runtime/identity-store';
import { pageClaims } from './runtime/key-claims';
import { attachPageLifecycle } from './runtime/lifecycle';
import { SocketSignalingClient } from './runtime/signaling-client';
import { webCryptoVerifier } from './runtime/webcrypto-ed25519';

export * from './public-api';

/**
 * Joins a room and returns it at once (it connects in the background: watch `status`). Throws
 * `RoomOptionsError` for bad options, before anything is created. The tab leaves on its own when the
 * page goes (`pagehide`); call `room.leave()` to leave earlier.
 */
export const joinRoom = makeJoinRoom({
  createMesh: (init) => createWebRtcMesh(init),
  createSignaling: (init) => new SocketSignalingClient(init),
  attachLifecycle: attachPageLifecycle,
  storage: defaultStorage(),
  claims: pageClaims(),
  verifySignature: webCryptoVerifier(),
  ...(typeof BroadcastChannel === 'function'
    ? { sameBrowser: { openChannel: (name: string) => new BroadcastChannel(name), onByDefault: true } }
    : {}),
});
