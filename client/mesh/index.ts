/**
 * Shoal's connection layer, browser entry: WebRTC links through simple-peer's browser bundle. Node
 * code imports `./node` instead (same API, simple-peer with `@roamhq/wrtc`).
 */
import { simplePeerRuntime } from './simple-peer-browser';
import { makeWebRtcMeshFactory } from './webrtc-mesh';

export * from './mesh-exports';

/**
 * A mesh over WebRTC data channels. Throws `InvalidMeshInitError` on a bad option.
 * See `WebRtcMeshInit` for the options.
 */
export const createWebRtcMesh = makeWebRtcMeshFactory(simplePeerRuntime);
