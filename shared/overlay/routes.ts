import type { RingOverlay } from './overlay';

/** A shortest path over the overlay's links. */
export interface Route {
  /** `from`, the relays in order, then `to`; `[from]` when `from` is `to`. */
  path: string[];
  /**
   * Every link of `from` that starts some shortest path to `to`, sorted (`path[1]` is one of them): a
   * relay forwards to one, or to several for redundancy. Empty when `from` is `to`.
   */
  nextHops: string[];
}

// One side of the search: how far each member it reached is, and through whom it was first reached.
interface Side {
  dist: Map<string, number>;
  parent: Map<string, string>;
  frontier: string[];
  depth: number;
}

/**
 * A shortest path from `from` to `to` over the links of `overlay`, for relaying a link-setup signal to
 * a member that `from` has no link to. Every member knows the graph from its own view, so each relay
 * computes its next hop afresh, and a route follows the views as they change.
 *
 * Searches breadth-first from both ends, a whole level at a time on the smaller side, and stops at the
 * level where they meet: it reads the links of ~2·(2K)^(d/2) members for a distance d (a few hundred
 * at N = 10,000, K = 8) instead of most of the view. Each member reached from `from` carries the set
 * of `from`'s links it was reached through on a shortest path, so the meeting level names every next
 * hop. Returns undefined when either end isn't in the view. Doesn't change the overlay.
 */
export function route(overlay: RingOverlay, from: string, to: string): Route | undefined {
  if (!overlay.has(from) || !overlay.has(to)) return undefined;
  if (from === to) return { path: [from], nextHops: [] };
  const first = overlay.links(from);
  if (first.includes(to)) return { path: [from, to], nextHops: [to] };

  // via.get(x): bit i set when x lies on a shortest path from `from` through first[i].
  const words = Math.ceil(first.length / 32);
  const via = new Map<string, Uint32Array>();
  const fwd: Side = { dist: new Map([[from, 0]]), parent: new Map(), frontier: [...first], depth: 1 };
  first.forEach((n, i) => {
    fwd.dist.set(n, 1);
    fwd.parent.set(n, from);
    const bits = new Uint32Array(words);
    bits[i >>> 5] = 1 << (i & 31);
    via.set(n, bits);
  });
  const bwd: Side = { dist: new Map([[to, 0]]), parent: new Map(), frontier: [to], depth: 0 };

  while (fwd.frontier.length > 0 && bwd.frontier.length > 0) {
    const forward = fwd.frontier.length <= bwd.frontier.length;
    const [side, other] = forward ? [fwd, bwd] : [bwd, fwd];
    const next: string[] = [];
    for (const x of side.frontier) {
      for (const y of overlay.links(x)) {
        const seen = side.dist.get(y);
        if (seen === undefined) {
          side.dist.set(y, side.depth + 1);
          side.parent.set(y, x);
          next.push(y);
        } else if (seen !== side.depth + 1) continue;
        // Every parent on the level above adds its first hops, so the set covers all shortest paths.
        if (forward) orInto(via, y, via.get(x)!);
      }
    }
    side.frontier = next;
    side.depth++;
    // The sides were apart before this level, so any member both reached is on a shortest path.
    const meet = next.filter((y) => other.dist.has(y));
    if (meet.length > 0) return joinAt(meet.sort(), first, via, fwd, bwd, to);
  }
  // Not reached: every ring is a cycle through the whole view.
  return undefined;
}

function orInto(via: Map<string, Uint32Array>, y: string, bits: Uint32Array): void {
  const mine = via.get(y);
  if (mine === undefined) via.set(y, bits.slice());
  else for (let w = 0; w < bits.length; w++) mine[w]! |= bits[w]!;
}

// The route through the meeting members `meet` (sorted): the path through the first one, the next hops
// of all of them.
function joinAt(
  meet: string[],
  first: string[],
  via: Map<string, Uint32Array>,
  fwd: Side,
  bwd: Side,
  to: string,
): Route {
  const nextHops = first.filter((_, i) => meet.some((m) => (via.get(m)![i >>> 5]! >>> (i & 31)) & 1));
  const m = meet[0]!;
  const head = [m];
  for (let at = m; fwd.parent.has(at); ) {
    at = fwd.parent.get(at)!;
    head.push(at);
  }
  const tail: string[] = [];
  for (let at = m; at !== to; ) {
    at = bwd.parent.get(at)!;
    tail.push(at);
  }
  return { path: [...head.reverse(), ...tail], nextHops };
}
