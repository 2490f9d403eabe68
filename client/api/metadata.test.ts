import { describe, expect, it } from 'vitest';
import { BrowserIdentity } from '../../shared/swim/index';
import {
  decodeMetadataItem,
  encodeMetadataItem,
  encodeMetadataJson,
  MAX_METADATA_BYTES,
  MetadataError,
  MetadataKey,
  MetadataStore,
} from './metadata';

const alice = BrowserIdentity.fromHex('0a'.repeat(16), 3);
const bob = BrowserIdentity.fromHex('0b'.repeat(16), 0);

function item(id: BrowserIdentity, version: number, metadata: Record<string, unknown>) {
  return encodeMetadataItem(id, version, encodeMetadataJson(metadata));
}

describe('metadata items', () => {
  it('round-trip addr, generation, version and the object', () => {
    const decoded = decodeMetadataItem(item(alice, 7, { name: 'Alice', colour: '#f00' }));
    expect(decoded).toEqual({
      addr: alice.addr,
      generation: 3,
      version: 7,
      metadata: { name: 'Alice', colour: '#f00' },
    });
  });

  it('refuse metadata over 512 bytes of JSON with a message that says so', () => {
    const big = { text: 'x'.repeat(MAX_METADATA_BYTES) };
    expect(() => encodeMetadataJson(big)).toThrow(MetadataError);
    expect(() => encodeMetadataJson(big)).toThrow(/over the 512-byte limit/);
    expect(() => encodeMetadataJson({ text: 'x'.repeat(MAX_METADATA_BYTES - 20) })).not.toThrow();
  });

  it('refuse what is not a JSON object', () => {
    expect(() => encodeMetadataJson([1, 2])).toThrow(MetadataError);
    expect(() => encodeMetadataJson('name')).toThrow(MetadataError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeMetadataJson(cyclic)).toThrow(/not JSON-serializable/);
  });

  it('decoding junk throws MetadataError, whole or truncated', () => {
    const good = item(alice, 1, { a: 1 });
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeMetadataItem(good.subarray(0, n))).toThrow(MetadataError);
    }
    const notJson = good.slice();
    notJson[notJson.length - 1] = 0xff;
    expect(() => decodeMetadataItem(notJson)).toThrow(MetadataError);
  });
});

describe('MetadataKey', () => {
  it('a newer version of the same member invalidates an older one, never another member', () => {
    const k = (id: BrowserIdentity, v: number) => new MetadataKey(id.addr, id.generation, v);
    expect(k(alice, 2).invalidates(k(alice, 1))).toBe(true);
    expect(k(alice, 1).invalidates(k(alice, 2))).toBe(false);
    expect(k(alice, 1).invalidates(k(alice, 1))).toBe(false);
    expect(k(alice.renew()!, 0).invalidates(k(alice, 9))).toBe(true);
    expect(k(bob, 9).invalidates(k(alice, 1))).toBe(false);
  });
});

describe('MetadataStore', () => {
  it('takes newer items, drops stale or known ones, and reports changes', () => {
    const changed: string[] = [];
    const store = new MetadataStore((addr) => changed.push(addr));
    expect(store.receiveItem(item(alice, 2, { n: 2 }), bob)).toBeInstanceOf(MetadataKey);
    expect(store.receiveItem(item(alice, 2, { n: 2 }), bob)).toBeUndefined();
    expect(store.receiveItem(item(alice, 1, { n: 1 }), bob)).toBeUndefined();
    expect(store.get(alice.addr)?.metadata).toEqual({ n: 2 });
    expect(store.receiveItem(item(alice.renew()!, 1, { n: 'reloaded' }), bob)?.generation).toBe(4);
    expect(store.get(alice.addr)?.metadata).toEqual({ n: 'reloaded' });
    expect(changed).toEqual([alice.addr, alice.addr]);
  });

  it('drops items of a member life known to be Down', () => {
    const store = new MetadataStore(
      () => {},
      (it) => it.addr === alice.addr && it.generation <= 3,
    );
    expect(store.receiveItem(item(alice, 5, { n: 5 }), bob)).toBeUndefined();
    expect(store.get(alice.addr)).toBeUndefined();
    expect(store.receiveItem(item(alice.renew()!, 1, { n: 'back' }), bob)).toBeInstanceOf(MetadataKey);
  });

  it('always takes our own items (no sender), so they are disseminated', () => {
    const store = new MetadataStore(() => {});
    const own = item(bob, 1, { me: true });
    expect(store.receiveItem(own, undefined)).toBeInstanceOf(MetadataKey);
    expect(store.receiveItem(own, undefined)).toBeInstanceOf(MetadataKey);
  });

  it('digests the items it holds: the same items in any order agree, another version or member differs', () => {
    const one = new MetadataStore(() => {});
    const two = new MetadataStore(() => {});
    expect(one.itemsDigest()).toBe(0);
    one.receiveItem(item(alice, 2, { n: 2 }), bob);
    one.receiveItem(item(bob, 1, {}), bob);
    two.receiveItem(item(bob, 1, {}), alice);
    expect(two.itemsDigest()).not.toBe(one.itemsDigest());
    two.receiveItem(item(alice, 1, { n: 1 }), bob);
    expect(two.itemsDigest()).not.toBe(one.itemsDigest());
    two.receiveItem(item(alice, 2, { n: 2 }), bob);
    expect(two.itemsDigest()).toBe(one.itemsDigest());
  });
});
