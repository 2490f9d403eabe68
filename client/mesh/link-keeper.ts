/**
 * Which links a mesh holds in a large room: the overlay's link set, kept through `LinkPlanner`
 * (shared/overlay). The topology says which links it wants (`LinkWishes`); the keeper opens the new
 * ones at once and closes a link only when it has been unwanted for a while and its replacements are
 * open (open before close, with hysteresis, so a flapping view churns no links). Who dials stays the
 * mesh's rule: exactly one side of a pair initiates, so both ends asking still makes one link.
 */
import { type LinkPlan, LinkPlanner, type LinkPlannerInit } from '../../shared/overlay/index';
import type { PeerAddr, SignalRoutes } from './mesh';

/**
 * What a room's topology tells the connection layer: the links it wants, and which way to relay a
 * signal. The host's overlay topology satisfies it (a full mesh wants every active member).
 */
export interface LinkWishes extends SignalRoutes {
  /** The members we should hold a link to now (ourselves never among them). */
  wantedLinks(): readonly PeerAddr[];
}

/** What relaying needs of a room's overlay: routes over the view, and who links to whom. */
export interface OverlayRoutesView {
  /** The first hops of shortest paths to `to` over the overlay (`[to]` when it is our neighbour). */
  nextHops(to: PeerAddr): readonly PeerAddr[];
  /** Our links that hold a link to `to` (its ring neighbours we link to). */
  indirectVia(to: PeerAddr): readonly PeerAddr[];
}

/**
 * Signal routes over the overlay for a mesh: the open first hops of a shortest path, else (the path's
 * only hop is the link being set up, as for every new ring neighbour) our open links that link to
 * the target, two hops. None: no path, and the signal goes through the server.
 */
export function overlayRoutes(view: OverlayRoutesView, isOpen: (addr: PeerAddr) => boolean): SignalRoutes {
  return {
    nextHops(to) {
      const usable = (addr: PeerAddr) => addr !== to && isOpen(addr);
      const hops = view.nextHops(to).filter(usable);
      return hops.length > 0 ? hops : view.indirectVia(to).filter(usable);
    },
  };
}

/** What the keeper needs of a mesh. */
export interface KeptMesh {
  links(): Map<PeerAddr, 'opening' | 'open'>;
  connect(addr: PeerAddr): boolean;
  disconnect(addr: PeerAddr): void;
}

/** Planner options and a budget; the budget defaults to none (the mesh's own cap applies). */
export type LinkKeeperInit = LinkPlannerInit;

/** The most ring count the overlay uses (2K = 16 links), whatever the budget. */
export const MAX_RINGS = 8;

/**
 * Links of the budget kept free for others' bootstrap links: a member whose budget is full refuses a
 * joiner's first link, and a room whose members are all full can't grow (measured: 14 members at
 * `maxConnections: 6` split into two full meshes of 7 that never learned of each other). An eighth of
 * the budget, at least one.
 */
export function linkReserve(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 8));
}

/**
 * The overlay's K for a link budget: the largest K ≤ 8 whose 2K links leave the reserve free (K = 8
 * at the default 32, K = 2 at 6, at least 1). A full mesh holds at most `maxConnections −
 * linkReserve` links for the same reason: past that many others the room rides the overlay.
 */
export function ringsForBudget(maxConnections: number): number {
  const usable = maxConnections - linkReserve(maxConnections);
  return Math.max(1, Math.min(MAX_RINGS, Math.floor(usable / 2)));
}

export class LinkKeeper {
  readonly #mesh: KeptMesh;
  readonly #planner: LinkPlanner;

  constructor(mesh: KeptMesh, init: LinkKeeperInit = {}) {
    this.#mesh = mesh;
    this.#planner = new LinkPlanner(init);
  }

  /** Links the keeper asked the mesh to open, ever (each may cost a connection object). */
  get linksAsked(): number {
    return this.#planner.linksCreated;
  }

  /** Links unwanted long enough to give their slot to a newcomer, longest unwanted first (`LinkPlanner.spare`). */
  spare(now: number): string[] {
    return this.#planner.spare(now);
  }

  /**
   * Plans at `now` for the `wanted` links against the links the mesh holds, and applies the plan:
   * `connect` each link to open, `disconnect` each to close. Returns the plan. Call it on every change
   * of the wanted set and on a slow tick, so lingering links expire. `now` must not go backwards.
   */
  apply(now: number, wanted: Iterable<PeerAddr>): LinkPlan {
    const plan = this.#planner.plan(now, wanted, this.#mesh.links());
    for (const addr of plan.close) this.#mesh.disconnect(addr);
    for (const addr of plan.open) this.#mesh.connect(addr);
    return plan;
  }
}
