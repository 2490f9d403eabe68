import { ADDR_BYTES, BrowserIdentity, isMemberAddr, MAX_GENERATION } from '../../shared/swim/index';

/** The part of the Web Storage API we use (sessionStorage in a tab). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storageKey(room: string): string {
  return `shoal:identity:${room}`;
}

/** 16 random bytes from the platform's CSPRNG, as 32 hex chars. */
export function randomAddr(): string {
  const raw = new Uint8Array(ADDR_BYTES);
  globalThis.crypto.getRandomValues(raw);
  return Array.from(raw, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The page's sessionStorage, or undefined where there is none (Node) or it is blocked. */
export function defaultStorage(): KeyValueStorage | undefined {
  try {
    const s = (globalThis as { sessionStorage?: KeyValueStorage }).sessionStorage;
    return s ?? undefined;
  } catch {
    // Sandboxed iframes and some privacy modes throw on access.
    return undefined;
  }
}

/**
 * Keeps a tab's address per room, so a reload comes back with the same address and the next
 * generation: peers then see a Rename of the same member, not a leave and a join.
 */
export class IdentityStore {
  constructor(
    private readonly room: string,
    private readonly storage: KeyValueStorage | undefined,
  ) {}

  /**
   * The identity for this page load: the stored address one generation up, or a fresh random address.
   * Saves it before returning. Unreadable stored values are replaced.
   */
  next(): BrowserIdentity {
    const stored = this.read();
    let id: BrowserIdentity;
    if (stored !== undefined && stored.generation < MAX_GENERATION) {
      id = BrowserIdentity.fromHex(stored.addr, stored.generation + 1);
    } else {
      id = BrowserIdentity.fromHex(randomAddr(), 0);
    }
    this.save(id);
    return id;
  }

  /** Records the identity we now run as (after a rejoin), so the next load goes past it. */
  save(id: BrowserIdentity): void {
    try {
      this.storage?.setItem(
        storageKey(this.room),
        JSON.stringify({ addr: id.addr, generation: id.generation }),
      );
    } catch {
      // Quota or privacy errors: the tab then just gets a fresh address on reload.
    }
  }

  private read(): { addr: string; generation: number } | undefined {
    try {
      const raw = this.storage?.getItem(storageKey(this.room));
      if (raw === null || raw === undefined) return undefined;
      const v = JSON.parse(raw) as { addr?: unknown; generation?: unknown };
      if (!isMemberAddr(v.addr)) return undefined;
      if (typeof v.generation !== 'number' || !Number.isInteger(v.generation) || v.generation < 0) {
        return undefined;
      }
      return { addr: v.addr, generation: v.generation };
    } catch {
      return undefined;
    }
  }
}
