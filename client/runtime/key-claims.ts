/**
 * Which live page runs on which key. A tab opened with `window.open` or "Duplicate tab" starts with a
 * copy of its opener's sessionStorage, key included; two live tabs on one key would be one member
 * speaking twice. A page therefore claims a stored key before it runs on it, and a page that finds
 * the key claimed by another live page makes a key of its own (it becomes a member of its own).
 */
export interface KeyClaims {
  /** Claims `addr`'s key for this page; false (and nothing changes) when another live holder has it. */
  claim(addr: string): boolean;
  /** Gives up this page's claim on `addr` (the room left). */
  release(addr: string): void;
}

/** No claims (Node, tests, an app-chosen key): every claim succeeds. */
export const unclaimed: KeyClaims = { claim: () => true, release: () => {} };

/** The part of the Web Storage API the claims use (the origin's localStorage). */
export interface SharedStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** How often a page refreshes its claims. Hidden tabs run timers at least once a minute. */
export const CLAIM_REFRESH_MS = 20_000;
/** A claim not refreshed for this long is a crashed or discarded page's: it no longer holds. */
export const CLAIM_STALE_MS = 180_000;

const claimKey = (addr: string): string => `shoal:claim:${addr}`;

/**
 * Claims kept in the origin's localStorage, which every tab reads synchronously (so `joinRoom` can
 * stay synchronous; a Web Lock or a BroadcastChannel answer would come too late). Each claim names
 * the page (a random id per page load, never stored) and when it was last refreshed. A page gives
 * its claims up on `pagehide` — which a reload fires before the new page runs, so a reload keeps its
 * key — and takes them again on `pageshow` from the back/forward cache. A crashed page's claim goes
 * stale after `CLAIM_STALE_MS`; until then a reload of it gets a new key (safe, just not continuous).
 */
export class SharedStorageClaims implements KeyClaims {
  private readonly held = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly storage: SharedStorage,
    private readonly wallNow: () => number,
    private readonly page: string,
  ) {}

  claim(addr: string): boolean {
    if (this.held.has(addr)) return false;
    try {
      const raw = this.storage.getItem(claimKey(addr));
      if (raw !== null) {
        const other = JSON.parse(raw) as { page?: unknown; at?: unknown };
        const fresh = typeof other.at === 'number' && this.wallNow() - other.at < CLAIM_STALE_MS;
        if (other.page !== this.page && fresh) return false;
      }
      this.write(addr);
    } catch {
      // Storage blocked or full: nobody can see our claim, and we can't see theirs; run on the key.
    }
    this.held.add(addr);
    this.timer ??= setInterval(() => this.refresh(), CLAIM_REFRESH_MS);
    return true;
  }

  release(addr: string): void {
    if (!this.held.delete(addr)) return;
    this.drop(addr);
    if (this.held.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** `pagehide`: every claim of this page goes, but the page remembers them for `pageshow`. */
  suspend(): void {
    for (const addr of this.held) this.drop(addr);
  }

  /** `pageshow` from the back/forward cache: the page runs again on its keys. */
  resume(): void {
    this.refresh();
  }

  private refresh(): void {
    for (const addr of this.held) {
      try {
        this.write(addr);
      } catch {}
    }
  }

  private write(addr: string): void {
    this.storage.setItem(claimKey(addr), JSON.stringify({ page: this.page, at: this.wallNow() }));
  }

  private drop(addr: string): void {
    try {
      const raw = this.storage.getItem(claimKey(addr));
      if (raw !== null && (JSON.parse(raw) as { page?: unknown }).page === this.page) {
        this.storage.removeItem(claimKey(addr));
      }
    } catch {}
  }
}

let pageClaimsInstance: KeyClaims | undefined;

/**
 * This page's claims, over localStorage, with its `pagehide`/`pageshow` handlers attached once.
 * `unclaimed` where there is no page or no localStorage.
 */
export function pageClaims(): KeyClaims {
  if (pageClaimsInstance !== undefined) return pageClaimsInstance;
  const w = globalThis as unknown as Partial<Window>;
  let storage: SharedStorage | undefined;
  try {
    storage = w.localStorage ?? undefined;
  } catch {
    storage = undefined;
  }
  if (storage === undefined || typeof w.addEventListener !== 'function') {
    pageClaimsInstance = unclaimed;
    return unclaimed;
  }
  const page = new Uint32Array(4);
  globalThis.crypto.getRandomValues(page);
  const claims = new SharedStorageClaims(
    storage,
    () => Date.now(),
    Array.from(page, (n) => n.toString(36)).join(''),
  );
  w.addEventListener('pagehide', () => claims.suspend());
  w.addEventListener('pageshow', (e) => {
    if ((e as PageTransitionEvent).persisted) claims.resume();
  });
  pageClaimsInstance = claims;
  return claims;
}
