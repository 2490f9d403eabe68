/** A mesh over WebRTC data channels (simple-peer). */
import type { MeshInit } from './mesh-init';
import { MeshNode } from './mesh-node';
import { createSimplePeerDriver } from './simple-peer-driver';
import type { SimplePeerRuntime } from './simple-peer-types';

export interface WebRtcMeshInit extends MeshInit {
  /** STUN/TURN servers (`RTCIceServer`s, TURN credentials included). Default: none (LAN, loopback). */
  readonly iceServers?: readonly RTCIceServer[];
  /** `'relay'`: TURN candidates only. Default: the platform's (`'all'`). */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** How long to wait for ICE gathering before sending an offer or answer. simple-peer's default: 5,000 ms. */
  readonly iceCompleteTimeoutMs?: number;
  /**
   * The simple-peer build and WebRTC implementation. Defaults to the environment's: the browser bundle
   * from `index.ts`, `simple-peer` with `@roamhq/wrtc` from `node.ts`.
   */
  readonly simplePeer?: SimplePeerRuntime;
}

/**
 * Makes `createWebRtcMesh` for an environment's default simple-peer. The returned function throws
 * `InvalidMeshInitError` on a bad option.
 */
export function makeWebRtcMeshFactory(defaults: SimplePeerRuntime): (init: WebRtcMeshInit) => MeshNode {
  return (init) => {
    const driver = createSimplePeerDriver({
      runtime: init.simplePeer ?? defaults,
      ...(init.iceServers === undefined ? {} : { iceServers: init.iceServers }),
      ...(init.iceTransportPolicy === undefined ? {} : { iceTransportPolicy: init.iceTransportPolicy }),
      ...(init.iceCompleteTimeoutMs === undefined ? {} : { iceCompleteTimeoutMs: init.iceCompleteTimeoutMs }),
    });
    return new MeshNode(init, driver);
  };
}
