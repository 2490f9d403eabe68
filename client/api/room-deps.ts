import type { Rng } from '../../shared/swim/rng';
import type { Mesh, MeshStats, ServerSignaling } from '../mesh/mesh';
import type { Clock } from '../runtime/clock';
import type { KeyValueStorage } from '../runtime/identity-store';
import type { Logger } from '../runtime/logger';
import type { SignalingClient, SocketSignalingInit } from '../runtime/signaling-client';
import type { HostStats } from '../runtime/swim-host';

/** What a room needs to build its mesh; the environment (browser, Node, tests) supplies the factory. */
export interface RoomMeshInit {
  readonly self: string;
  readonly swimSrcAddr: (bytes: Uint8Array) => string | undefined;
  readonly server: ServerSignaling;
  readonly iceServers: readonly RTCIceServer[];
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  readonly maxPacketSize: number;
  readonly maxConnections?: number;
  readonly logger: Logger;
}

/** The collaborators a room is built with (options apart from injected parts). */
export interface RoomDeps {
  readonly createMesh: (init: RoomMeshInit) => Mesh;
  readonly createSignaling: (init: SocketSignalingInit) => SignalingClient;
  /** Turns on pagehide / resume handling; returns its detach function. */
  readonly attachLifecycle?: (room: LifecycleTarget) => () => void;
  readonly storage?: KeyValueStorage | undefined;
  readonly clock?: Clock;
  /** Randomness for the core (probe order, gossip targets). */
  readonly rng: Rng;
}

/** What the page lifecycle handlers call. */
export interface LifecycleTarget {
  /** Leaves at once, synchronously: the page is going away. */
  leaveNow(): void;
  /** Looks for a hang/freeze/sleep now. */
  checkPause(): void;
}

/** `room.stats()`: the mesh's counters, the core's backlog and the host's counters. */
export interface RoomStats extends HostStats {
  readonly mesh: MeshStats;
  readonly members: number;
  readonly incarnation: number;
  readonly generation: number;
  readonly connectionState: string;
  readonly updatesBacklog: number;
  readonly customBroadcastBacklog: number;
  /** App frames dropped because they were malformed or spoofed. */
  readonly appDropped: number;
}
