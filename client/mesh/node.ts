/** Shoal's connection layer, Node entry: the same API as `./index`, over `simple-peer` and `@roamhq/wrtc`. */
import { simplePeerRuntime } from './simple-peer-node';
import { makeWebRtcMeshFactory } from './webrtc-mesh';

export * from './mesh-exports';

/**
 * A mesh over WebRTC data channels (Node WebRTC). Throws `InvalidMeshInitError` on a bad option.
 * See `WebRtcMeshInit` for the options.
 */
export const createWebRtcMesh = makeWebRtcMeshFactory(simplePeerRuntime);
