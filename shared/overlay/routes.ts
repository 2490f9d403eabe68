import type { RingOverlay } from './overlay';

/** A shortest path over the overlay's links. */
export interface Route {
  /** `from`, the relays in order, then `to`; `[from]` when `from` is `to`. */
  path: string[];
  /**
   * Every link of `from` that starts some shortest path to `to`, sorted: a relay forwards to the first
   * one (`path[1]`) or, for redundancy, to several. Empty when `from` is `to`.
   */
  nextHops: string[];
}

/**
 * A shortest path from `from` to `to` over the links of `overlay`, for relaying a link-setup signal to
 * a member that `from` has no link to. Every member knows the graph from its own view, so each relay
 * computes the next hop afresh and a route follows the views as they change.
 *
 * Searches breadth-first from `to` and stops at the first level that holds one of `from`'s links, so
 * it reads the links of the members within distance − 2 of `to` (a few hundred at N = 10,000, K = 8).
 * Returns undefined when either end isn't in the view. Doesn't change the overlay.
 */
export function route(overlay: RingOverlay, from: string, to: string): Route | undefined {
  if (!overlay.has(from) || !overlay.has(to)) return undefined;
  if (from === to) return { path: [from], nextHops: [] };
  const fromLinks = new Set(overlay.links(from));
  if (fromLinks.has(to)) return { path: [from, to], nextHops: [to] };
  // towardTo.get(x) is the member one hop closer to `to` through which x was first reached.
  const towardTo = new Map<string, string>([[to, to]]);
  let frontier = [to];
  while (frontier.length > 0) {
    const next: string[] = [];
    const hits: string[] = [];
    for (const x of frontier) {
      for (const y of overlay.links(x)) {
        if (towardTo.has(y) || y === from) continue;
        towardTo.set(y, x);
        next.push(y);
        if (fromLinks.has(y)) hits.push(y);
      }
    }
    if (hits.length > 0) {
      hits.sort();
      const path = [from, hits[0]!];
      for (let at = hits[0]!; at !== to; ) {
        at = towardTo.get(at)!;
        path.push(at);
      }
      return { path, nextHops: hits };
    }
    frontier = next;
  }
  // Not reached: every ring is a cycle through the whole view.
  return undefined;
}
