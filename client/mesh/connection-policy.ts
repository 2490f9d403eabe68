/**
 * Which peers a mesh holds links to. The full mesh takes everyone up to the budget; a bounded partial
 * view (for rooms larger than the budget) would be another policy behind the same interface.
 */
import type { PeerAddr } from './mesh';

export interface ConnectionPolicy {
  /**
   * Whether to take on a link to `addr` (asked by the runtime, or offered by the peer), given the peers
   * held now (open, negotiating or backing off; `addr` not among them). The mesh separately never holds
   * more than `maxConnections`. Must not change state.
   */
  admit(addr: PeerAddr, held: ReadonlySet<PeerAddr>): boolean;
}

/** Holds a link to every member that asks or is asked for, within the mesh's `maxConnections`. */
export const fullMeshPolicy: ConnectionPolicy = { admit: () => true };
