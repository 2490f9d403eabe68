import type { RingOverlay } from './overlay';

/** What the overlay's graph gives over one view (DESIGN §8). */
export interface GraphStats {
  members: number;
  linksPerMemberMin: number;
  linksPerMemberMax: number;
  linksPerMemberMean: number;
  /** The longest shortest path seen from the sampled sources (exact when every member is a source). */
  diameter: number;
  /** Mean shortest-path length from the sampled sources to every other member. */
  meanHops: number;
  /** How many members the distances were measured from. */
  sources: number;
}

/** Options of `graphStats`. */
export interface GraphStatsInit {
  /**
   * Breadth-first searches to run, from members evenly spaced in address order; each costs O(N K).
   * Default: every member (exact figures).
   */
  sources?: number;
}

/**
 * Link counts, diameter and mean hops of the overlay's graph. Builds the adjacency once (O(N K log N))
 * and then searches from `sources` members. A disconnected graph gives an `Infinity` diameter.
 * Doesn't change the overlay.
 */
export function graphStats(overlay: RingOverlay, init: GraphStatsInit = {}): GraphStats {
  const members = overlay.members();
  const n = members.length;
  const index = new Map(members.map((a, i) => [a, i]));
  // Compressed adjacency: member i's links are adj[start[i]..start[i+1]).
  const start = new Int32Array(n + 1);
  const lists = members.map((a) => overlay.links(a).map((b) => index.get(b)!));
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + lists[i]!.length;
  const adj = new Int32Array(start[n]!);
  for (let i = 0; i < n; i++) adj.set(lists[i]!, start[i]!);

  let min = n > 0 ? Number.POSITIVE_INFINITY : 0;
  let max = 0;
  for (const l of lists) {
    min = Math.min(min, l.length);
    max = Math.max(max, l.length);
  }
  const sources = Math.max(0, Math.min(n, init.sources ?? n));
  const dist = new Int32Array(n);
  const queue = new Int32Array(n);
  let diameter = 0;
  let hopSum = 0;
  let pairs = 0;
  for (let s = 0; s < sources; s++) {
    const src = Math.floor((s * n) / sources);
    dist.fill(-1);
    dist[src] = 0;
    queue[0] = src;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const x = queue[head++]!;
      for (let e = start[x]!; e < start[x + 1]!; e++) {
        const y = adj[e]!;
        if (dist[y] !== -1) continue;
        dist[y] = dist[x]! + 1;
        hopSum += dist[y]!;
        pairs++;
        diameter = Math.max(diameter, dist[y]!);
        queue[tail++] = y;
      }
    }
    if (tail < n) diameter = Number.POSITIVE_INFINITY;
  }
  return {
    members: n,
    linksPerMemberMin: min,
    linksPerMemberMax: max,
    linksPerMemberMean: n > 0 ? adj.length / n : 0,
    diameter,
    meanHops: pairs > 0 ? hopSum / pairs : 0,
    sources,
  };
}

/**
 * The members (sorted, without `addr`) whose link set changes when `addr` joins the view. Adds and
 * removes `addr`, so the overlay ends as it began. Throws `RangeError` when `addr` is already in it.
 */
export function linkChangesOnJoin(overlay: RingOverlay, addr: string): string[] {
  if (overlay.has(addr)) throw new RangeError(`${addr} is already in the view`);
  return changedAcross(
    overlay,
    () => overlay.add(addr),
    () => overlay.remove(addr),
  );
}

/**
 * The members (sorted, without `addr`) whose link set changes when `addr` leaves the view. Removes and
 * re-adds `addr`, so the overlay ends as it began. Throws `RangeError` when `addr` isn't in it.
 */
export function linkChangesOnLeave(overlay: RingOverlay, addr: string): string[] {
  if (!overlay.has(addr)) throw new RangeError(`${addr} is not in the view`);
  return changedAcross(
    overlay,
    () => overlay.remove(addr),
    () => overlay.add(addr),
  );
}

// Of the members `change` reports as touched, those whose links differ across it; `undo` restores.
function changedAcross(overlay: RingOverlay, change: () => string[], undo: () => string[]): string[] {
  const touched = change();
  undo();
  const before = touched.map((t) => overlay.links(t));
  change();
  const changed = touched.filter((t, i) => !sameList(before[i]!, overlay.links(t)));
  undo();
  return changed;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
