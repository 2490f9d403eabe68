/**
 * Which peers a mesh holds links to: the one replaceable piece that says which links we want. The
 * full mesh takes everyone up to the budget; a bounded overlay (for rooms larger than the budget)
 * is another policy behind the same interface. The connection manager asks only `ConnectionBudget`.
 */
import type { Logger } from '../../shared/host/index';
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

/** The policy within a hard cap on links held: what the connection manager consults. */
export class ConnectionBudget {
  /** Connections refused (ours asked by the runtime, or offers and requests from peers). */
  refused = 0;
  readonly #maxConnections: number;
  readonly #policy: ConnectionPolicy;
  readonly #logger: Logger;

  constructor(maxConnections: number, policy: ConnectionPolicy, logger: Logger) {
    this.#maxConnections = maxConnections;
    this.#policy = policy;
    this.#logger = logger;
  }

  /** Whether a link to `addr` would fit, given the peers held now. Counts nothing. */
  fits(addr: PeerAddr, held: ReadonlySet<PeerAddr>): boolean {
    return held.size < this.#maxConnections && this.#policy.admit(addr, held);
  }

  /** Whether a link to `addr` fits, given the peers held now. A refusal is counted and logged. */
  admit(addr: PeerAddr, held: ReadonlySet<PeerAddr>): boolean {
    if (this.fits(addr, held)) return true;
    this.refused += 1;
    this.#logger.debug('mesh: connection refused by the budget', { peer: addr, held: held.size });
    return false;
  }
}
