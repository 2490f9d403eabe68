import type { Mesh } from '../mesh/mesh';
import type { Bootstrapper } from '../runtime/bootstrap';
import type { SwimHost } from '../runtime/swim-host';
import type { AppInbox } from './app-inbox';
import type { MetadataKey, MetadataStore } from './metadata';
import type { RoomStats } from './room-deps';

/** Gathers `room.stats()`: the host's and the core's counters, the mesh's, and the room's own. Reads only. */
export function buildRoomStats(
  host: SwimHost<MetadataKey>,
  mesh: Mesh,
  members: number,
  inbox: AppInbox,
  metadata: MetadataStore,
  bootstrap: Bootstrapper<MetadataKey>,
): Omit<RoomStats, 'metadataPull' | 'reloads'> {
  const core = host.coreStats();
  const { appDropped, ...app } = inbox.stats();
  return {
    ...host.stats(),
    mesh: mesh.stats(),
    bootstrap: bootstrap.stats(),
    members,
    ...core,
    appDropped,
    bounds: { ...core.bounds, ...app, ...metadata.stats() },
  };
}
