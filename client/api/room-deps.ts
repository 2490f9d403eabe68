import type { Clock, Logger } from '../../shared/host/index';
import type { BoundStats, Rng } from '../../shared/swim/index';
import type { OpenBroadcastChannel } from '../mesh/broadcast-channel-link';
import type { Mesh, MeshStatsDetail, ServerSignaling } from '../mesh/mesh';
import type { LinkIdentity } from '../mesh/signal-auth';
import type { BootstrapStats } from '../runtime/bootstrap';
import type { KeyValueStorage } from '../runtime/identity-store';
import type { KeyClaims } from '../runtime/key-claims';
import type { LifecycleTarget } from '../runtime/lifecycle';
import type { SignalingClient, SocketSignalingInit } from '../runtime/signaling-client';
import type { CoreStats, HostStats } from '../runtime/swim-host';
import type { AsyncSignatureVerifier } from '../runtime/webcrypto-ed25519';
import type { AppInboxStats } from './app-inbox';
import type { MetadataStoreStats } from './metadata';
import type { MetadataPullStats } from './metadata-pull';
import type { ReloadStats } from './reload-holds';

export type { LifecycleTarget } from '../runtime/lifecycle';

/** What a room needs to build its mesh; the environment (browser, Node, tests) supplies the factory. */
export interface RoomMeshInit {
  readonly self: string;
  readonly swimSrcAddr: (bytes: Uint8Array) => string | undefined;
  readonly server: ServerSignaling;
  readonly iceServers: readonly RTCIceServer[];
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  readonly maxPacketSize: number;
  readonly maxConnections?: number;
  /** Our key and room: the mesh signs every link signal with it and checks its peers' (`MeshInit.identity`). */
  readonly identity: LinkIdentity;
  /** The room's one logger, random source and clock, shared by every layer. */
  readonly logger: Logger;
  readonly rng: Rng;
  readonly clock: Clock;
}

/** The collaborators a room is built with (options apart from injected parts). */
export interface RoomDeps {
  readonly createMesh: (init: RoomMeshInit) => Mesh;
  readonly createSignaling: (init: SocketSignalingInit) => SignalingClient;
  /** Turns on pagehide / resume handling; returns its detach function. */
  readonly attachLifecycle?: (room: LifecycleTarget) => () => void;
  readonly storage?: KeyValueStorage | undefined;
  /** Keeps two live pages off one stored key (the browser's localStorage claims); default none. */
  readonly claims?: KeyClaims | undefined;
  readonly clock?: Clock;
  /** Randomness for every layer (probe order, gossip targets, the mesh's jitter and session ids). */
  readonly rng: Rng;
  /** BroadcastChannel for tabs of one browser (`sameBrowser`); absent where there is none. */
  readonly sameBrowser?: SameBrowserEnv;
  /** Checks peers' signal signatures off the main thread (WebCrypto); absent: noble, at once. */
  readonly verifySignature?: AsyncSignatureVerifier | undefined;
}

/** How an environment opens BroadcastChannels, and whether rooms use them unless told otherwise. */
export interface SameBrowserEnv {
  readonly openChannel: OpenBroadcastChannel;
  readonly onByDefault: boolean;
}

/** `room.stats()`: the mesh's counters, the core's backlog and the host's counters. */
/**
 * What the room's bounds (`RoomLimits`, DESIGN.md §9) and the core's Down-as-accusation rule turned
 * away since the room was joined.
 */
export interface RoomBoundStats extends BoundStats, Omit<AppInboxStats, 'appDropped'>, MetadataStoreStats {}

export interface RoomStats extends HostStats, Omit<CoreStats, 'connectionState' | 'bounds'> {
  readonly mesh: MeshStatsDetail;
  /** What the bootstrapper sent to server-given peers, and held back by its announce backoff. */
  readonly bootstrap: BootstrapStats;
  readonly members: number;
  readonly connectionState: string;
  /** App frames dropped because they were malformed or spoofed. */
  readonly appDropped: number;
  readonly bounds: RoomBoundStats;
  /** Metadata asked for and answered (members held without their metadata: `metadata-pull.ts`). */
  readonly metadataPull: MetadataPullStats;
  /** Members that said they reload, and their Downs held back meanwhile (`reload-holds.ts`). */
  readonly reloads: ReloadStats;
}
