import type { Mesh } from '../mesh/mesh';
import type { SwimHost } from '../runtime/swim-host';
import type { MetadataKey } from './metadata';
import type { RoomStats } from './room-deps';

/** Gathers `room.stats()`: the host's and the core's counters, the mesh's, and the room's own. Reads only. */
export function buildRoomStats(
  host: SwimHost<MetadataKey>,
  mesh: Mesh,
  members: number,
  appDropped: number,
): RoomStats {
  return {
    ...host.stats(),
    mesh: mesh.stats(),
    members,
    ...host.coreStats(),
    appDropped,
  };
}
