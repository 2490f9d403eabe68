import { type MemberKey, memberKeyFromHex, memberKeyFromSecret } from '../../shared/signaling/member-key';
import { BrowserIdentity, isMemberAddr, MAX_GENERATION } from '../../shared/swim/index';
import { type KeyClaims, unclaimed } from './key-claims';

/** The part of the Web Storage API we use (sessionStorage in a tab). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storageKey(room: string): string {
  return `shoal:identity:${room}`;
}

/** A new Ed25519 key from the platform's CSPRNG. */
export function randomMemberKey(): MemberKey {
  const secret = new Uint8Array(32);
  globalThis.crypto.getRandomValues(secret);
  return memberKeyFromSecret(secret);
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

export interface IdentityStoreInit {
  /** A key chosen by the app (Node: an in-memory key or one read from a key file); else one is made or read. */
  readonly key?: MemberKey | undefined;
  /** Keeps two live tabs from running on one stored key (a duplicated tab copies sessionStorage). */
  readonly claims?: KeyClaims | undefined;
}

/**
 * Keeps a tab's key, address and generation per room, so a reload comes back with the same address
 * and the next generation: peers then see a Rename of the same member, not a leave and a join.
 *
 * The stored record is `{ addr, generation, secretKey }`. The key is what the member is: the address
 * is the hash of its public key, so a record whose addr is not its key's (someone else's address
 * written into `storage`) is refused and a fresh key is made. Why the secret sits in sessionStorage
 * rather than as a non-extractable WebCrypto key in IndexedDB: WebCrypto signs asynchronously only,
 * while the core (which will sign its own statements) is synchronous; IndexedDB is shared by every
 * tab of the origin, while sessionStorage is per tab and survives a reload, which is exactly the
 * lifetime of a member. Script running in the page could use a non-extractable key just as well, so
 * hiding the bytes would not protect against it.
 */
export class IdentityStore {
  private current: MemberKey | undefined;

  constructor(
    private readonly room: string,
    private readonly storage: KeyValueStorage | undefined,
    private readonly init: IdentityStoreInit = {},
  ) {}

  /** The key of the identity `next()` returned. Throws before `next()`. */
  get key(): MemberKey {
    if (this.current === undefined) throw new Error('IdentityStore.next() was not called');
    return this.current;
  }

  /**
   * The identity for this page load, saved before it is returned:
   * - with a key given, that key's address, one generation past the stored one if it is the same address;
   * - else the stored key one generation up, when its record is sound and no other live tab claims it;
   * - else a fresh key at generation 0.
   */
  next(): BrowserIdentity {
    const stored = this.read();
    const claims = this.init.claims ?? unclaimed;
    let key: MemberKey;
    let generation = 0;
    if (this.init.key !== undefined) {
      key = this.init.key;
      if (stored?.key.addr === key.addr && stored.generation < MAX_GENERATION) {
        generation = stored.generation + 1;
      }
      claims.claim(key.addr);
    } else if (stored !== undefined && stored.generation < MAX_GENERATION && claims.claim(stored.key.addr)) {
      key = stored.key;
      generation = stored.generation + 1;
    } else {
      key = randomMemberKey();
      claims.claim(key.addr);
    }
    this.current = key;
    const id = BrowserIdentity.fromHex(key.addr, generation);
    this.save(id);
    return id;
  }

  /** Records the identity we now run as (after a rejoin), so the next load goes past it. */
  save(id: BrowserIdentity): void {
    const key = this.current;
    if (key === undefined || key.addr !== id.addr) return;
    try {
      this.storage?.setItem(
        storageKey(this.room),
        JSON.stringify({ addr: id.addr, generation: id.generation, secretKey: key.exportSecret() }),
      );
    } catch {
      // Quota or privacy errors: the tab then just gets a fresh address on reload.
    }
  }

  /** Gives up this page's claim on the key (the room left): a later join in this tab may take it again. */
  release(): void {
    if (this.current !== undefined) (this.init.claims ?? unclaimed).release(this.current.addr);
  }

  private read(): { key: MemberKey; generation: number } | undefined {
    try {
      const raw = this.storage?.getItem(storageKey(this.room));
      if (raw === null || raw === undefined) return undefined;
      const v = JSON.parse(raw) as { addr?: unknown; generation?: unknown; secretKey?: unknown };
      if (!isMemberAddr(v.addr)) return undefined;
      if (typeof v.generation !== 'number' || !Number.isInteger(v.generation) || v.generation < 0) {
        return undefined;
      }
      const key = memberKeyFromHex(v.secretKey);
      // An address is only ever the one of its own key: a record claiming another is not ours.
      if (key === undefined || key.addr !== v.addr) return undefined;
      return { key, generation: v.generation };
    } catch {
      return undefined;
    }
  }
}
