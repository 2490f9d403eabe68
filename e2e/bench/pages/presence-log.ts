/**
 * What a bench page tells the bench script: which members it sees and, on the page's clock
 * (`performance.timeOrigin + performance.now()`), when it first saw each one, when each one went away,
 * and when it first saw the whole room. The same code runs in the Shoal page and the y-webrtc page, so
 * both systems are timed at the same point: the moment the library tells the page.
 */

/** The page's wall clock in milliseconds; comparable across pages and with Node's same expression. */
export function pageNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Read by the bench script through `page.evaluate(() => window.__bench)`. */
export interface BenchState {
  readonly system: 'shoal' | 'y-webrtc';
  readonly selfId: string;
  readonly expected: number;
  /** When this page's script started, just before it joined the room. */
  readonly startedAt: number;
  /** The first time every one of `expected` members (this one included) was visible; null until then. */
  allSeenAt: number | null;
  /**
   * The first time the library listed `expected` members, whether or not their presence state (Shoal's
   * metadata) had arrived: tells membership apart from state dissemination. y-webrtc has no such gap.
   */
  allListedAt: number | null;
  /** Member id → the first time it was visible. */
  readonly seenAt: Record<string, number>;
  /** Member id → when it last stopped being visible (left, or reported down); removed if it comes back. */
  readonly goneAt: Record<string, number>;
  /**
   * Steps of this page's way into the room, on the page's clock, each the first time it happened
   * (Shoal: `connected`, the room's status; `firstListed`, the first other member listed): where the
   * time between a script start and a formed room goes.
   */
  readonly milestones: Record<string, number>;
  /** Ids visible now, this member included. */
  visible: string[];
  /** A failure the page hit (bad query, library threw); null while all is well. */
  error: string | null;
}

declare global {
  interface Window {
    __bench?: BenchState;
  }
}

/** Reads the page's parameters from its URL: `?signaling=…&room=…&id=…&n=…`. */
export function readParams(): { signaling: string; room: string; id: string; n: number } {
  const q = new URLSearchParams(location.search);
  const signaling = q.get('signaling');
  const room = q.get('room');
  const id = q.get('id');
  const n = Number(q.get('n'));
  if (!signaling || !room || !id || !Number.isInteger(n) || n < 1) {
    throw new Error(`bench page needs ?signaling=&room=&id=&n= (got ${location.search})`);
  }
  return { signaling, room, id, n };
}

/** Creates `window.__bench` for this page and returns the function that records what it sees. */
export function startLog(
  system: BenchState['system'],
  selfId: string,
  expected: number,
): (visibleIds: Iterable<string>) => void {
  const state: BenchState = {
    system,
    selfId,
    expected,
    startedAt: pageNow(),
    allSeenAt: null,
    allListedAt: null,
    seenAt: {},
    goneAt: {},
    milestones: {},
    visible: [selfId],
    error: null,
  };
  window.__bench = state;
  window.addEventListener('error', (e) => {
    state.error ??= String(e.message);
  });
  window.addEventListener('unhandledrejection', (e) => {
    state.error ??= String(e.reason);
  });
  return (visibleIds) => {
    const t = pageNow();
    const now = new Set(visibleIds);
    now.add(selfId);
    for (const id of now) {
      if (state.seenAt[id] === undefined) state.seenAt[id] = t;
      // Back again (a flap during the join, or a rejoin): only its latest disappearance counts.
      delete state.goneAt[id];
    }
    for (const id of state.visible) {
      if (!now.has(id)) state.goneAt[id] = t;
    }
    state.visible = [...now];
    if (state.allSeenAt === null && now.size >= expected) state.allSeenAt = t;
    if (state.allListedAt === null && now.size >= expected) state.allListedAt = t;
  };
}

/** Records a failure so the bench script reports it instead of timing out silently. */
export function fail(e: unknown): void {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (window.__bench) window.__bench.error ??= message;
  else document.title = `error: ${message}`;
}

/** Records how many members the library lists (this one included), presence state or not. */
export function recordListed(count: number): void {
  const state = window.__bench;
  if (count >= 2) recordMilestone('firstListed');
  recordMilestone(`listed${count}`);
  if (state && state.allListedAt === null && count >= state.expected) state.allListedAt = pageNow();
}

/** Records the first time this page reached step `name` (see `BenchState.milestones`). */
export function recordMilestone(name: string): void {
  const state = window.__bench;
  if (state && state.milestones[name] === undefined) state.milestones[name] = pageNow();
}
