/** Everything both entries (`index.ts`, `node.ts`) export besides `createWebRtcMesh`. */
export type { ConnectionPolicy } from './connection-policy';
export { fullMeshPolicy } from './connection-policy';
export type { InMemoryMeshInit, InMemoryNetworkInit } from './in-memory-network';
export { createInMemoryNetwork, InMemoryNetwork } from './in-memory-network';
export * from './limits';
export type { CreateLinkOptions, Link, LinkDriver, LinkHandlers } from './link';
export type { LocalSignalingHubInit } from './local-signaling';
export { LocalSignalingHub } from './local-signaling';
export type {
  FrameKind,
  Mesh,
  MeshEvents,
  MeshStats,
  MeshStatsDetail,
  PeerAddr,
  ServerSignaling,
  SignalRoutes,
} from './mesh';
export type { MeshInit } from './mesh-init';
export { InvalidMeshInitError } from './mesh-init';
export { MeshNode } from './mesh-node';
export type { SimplePeerConstructor, SimplePeerRuntime } from './simple-peer-types';
export type { WebRtcMeshInit } from './webrtc-mesh';
