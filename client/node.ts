/**
 * Shoal for Node: a headless member (bots, tests) with the same API as the browser's, over Node's
 * WebRTC (`@roamhq/wrtc`). There is no page: no sessionStorage (each run gets a fresh key and address
 * unless `key` or `storage` is given; `readOrCreateKeyFile` keeps a key in a file) and no pagehide
 * (call `room.leave()` before exiting).
 */
import { readFileSync, writeFileSync } from 'node:fs';
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

/**
 * A member key kept in a file, for `joinRoom({ key })`: reads the 32-byte Ed25519 secret stored as 64 hex
 * digits at `path`, or makes a new one from the CSPRNG and writes it there (mode 0600, refusing to
 * overwrite). Throws when the file exists but holds something else.
 */
export function readOrCreateKeyFile(path: string): Uint8Array {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(text))
      throw new Error(`${path} does not hold a 64-hex-digit Ed25519 secret key`);
    return Uint8Array.from(text.match(/../g)!, (h) => Number.parseInt(h, 16));
  }
  const secret = new Uint8Array(32);
  globalThis.crypto.getRandomValues(secret);
  const hex = Array.from(secret, (b) => b.toString(16).padStart(2, '0')).join('');
  writeFileSync(path, `${hex}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
