import { describe, expect, it } from 'vitest';
import { addrOfPublicKey, memberKeyFromSecret } from '../../shared/signaling/member-key';
import { IdentityStore, type KeyValueStorage } from './identity-store';
import { CLAIM_STALE_MS, type SharedStorage, SharedStorageClaims } from './key-claims';

class MemoryStorage implements KeyValueStorage, SharedStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
  /** What a duplicated tab starts with: a copy. */
  copy(): MemoryStorage {
    const c = new MemoryStorage();
    for (const [k, v] of this.map) c.map.set(k, v);
    return c;
  }
}

describe('IdentityStore', () => {
  it('derives the address from the key: the first 16 bytes of SHA-256 of the public key', () => {
    const store = new IdentityStore('r', new MemoryStorage());
    const id = store.next();
    expect(id.addr).toBe(addrOfPublicKey(store.key.publicKey));
    expect(id.generation).toBe(0);
  });

  it('a reload keeps the key and address and goes one generation up', () => {
    const session = new MemoryStorage();
    const first = new IdentityStore('r', session).next();
    const reloaded = new IdentityStore('r', session);
    const second = reloaded.next();
    expect(second.addr).toBe(first.addr);
    expect(second.generation).toBe(first.generation + 1);
  });

  it("refuses a stored address that is not its stored key's hash, and makes a key of its own", () => {
    const session = new MemoryStorage();
    const victim = 'ab'.repeat(16);
    session.setItem('shoal:identity:r', JSON.stringify({ addr: victim, generation: 7 }));
    expect(new IdentityStore('r', session).next()).toMatchObject({ generation: 0 });
    session.setItem(
      'shoal:identity:r',
      JSON.stringify({ addr: victim, generation: 7, secretKey: '01'.repeat(32) }),
    );
    const id = new IdentityStore('r', session).next();
    expect(id.addr).not.toBe(victim);
    expect(id.generation).toBe(0);
  });

  it('an app-given key is used as is, its generation continuing a stored record of the same key', () => {
    const key = memberKeyFromSecret(new Uint8Array(32).fill(9));
    const session = new MemoryStorage();
    expect(new IdentityStore('r', session, { key }).next()).toMatchObject({ addr: key.addr, generation: 0 });
    expect(new IdentityStore('r', session, { key }).next()).toMatchObject({ addr: key.addr, generation: 1 });
  });
});

describe('SharedStorageClaims: a duplicated tab is a member of its own, a reload is not', () => {
  const now = { t: 1_000_000 };
  const clock = () => now.t;

  it('a duplicated tab (a copy of sessionStorage, the original still live) gets a new key', () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    const original = new IdentityStore('r', session, { claims: new SharedStorageClaims(local, clock, 'p1') });
    const a = original.next();
    const duplicate = new IdentityStore('r', session.copy(), {
      claims: new SharedStorageClaims(local, clock, 'p2'),
    });
    const b = duplicate.next();
    expect(b.addr).not.toBe(a.addr);
    expect(b.generation).toBe(0);
  });

  it("a reload (the old page's claims gone on pagehide) keeps the address", () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    const oldPage = new SharedStorageClaims(local, clock, 'p1');
    const a = new IdentityStore('r', session, { claims: oldPage }).next();
    oldPage.suspend();
    const b = new IdentityStore('r', session, { claims: new SharedStorageClaims(local, clock, 'p2') }).next();
    expect(b.addr).toBe(a.addr);
    expect(b.generation).toBe(a.generation + 1);
  });

  it("a crashed page's claim goes stale, and a second room of one page can't share a key", () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    const crashed = new SharedStorageClaims(local, clock, 'p1');
    const a = new IdentityStore('r', session, { claims: crashed }).next();
    const page = new SharedStorageClaims(local, clock, 'p2');
    expect(page.claim(a.addr)).toBe(false);
    now.t += CLAIM_STALE_MS;
    expect(page.claim(a.addr)).toBe(true);
    expect(page.claim(a.addr)).toBe(false);
    page.release(a.addr);
    expect(page.claim(a.addr)).toBe(true);
    page.release(a.addr);
  });
});
