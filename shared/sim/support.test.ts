import { describe, expect, it } from 'vitest';
import { BrowserIdentity, BufferReader, BufferWriter, browserIdentityCodec, seededRng } from '../swim/index';
import { InterningIdentityCodec } from './interning-identity-codec';
import { SignalingBootstrap } from './signaling-bootstrap';
import { encodeVersioned, VersionedStore, VersionKey } from './versioned-broadcasts';

describe('InterningIdentityCodec', () => {
  it('writes the same bytes as the browser codec and reads one shared object per identity', () => {
    const seed = 9;
    console.log(`interning seed ${seed}`);
    const id = BrowserIdentity.random(seededRng(seed));
    const codec = new InterningIdentityCodec();
    const mine = new BufferWriter();
    const theirs = new BufferWriter();
    codec.write(mine, id);
    browserIdentityCodec.write(theirs, id);
    expect(mine.view()).toEqual(theirs.view());
    const a = codec.read(new BufferReader(mine.view()));
    const b = codec.read(new BufferReader(mine.view()));
    expect(a).toBe(b);
    expect(a.equals(id)).toBe(true);
    expect(codec.intern(id)).toBe(a);
    const next = id.renew()!;
    const w = new BufferWriter();
    codec.write(w, next);
    const c = codec.read(new BufferReader(w.view()));
    expect(c).not.toBe(a);
    expect(c.equals(next)).toBe(true);
    expect(codec.size).toBe(2);
  });
});

describe('SignalingBootstrap', () => {
  it('hands a joiner up to 4 distinct other members of the room, and forgets those that leave', () => {
    const boot = new SignalingBootstrap(seededRng(4));
    expect(boot.join(0)).toEqual([]);
    expect(boot.join(1)).toEqual([0]);
    for (let i = 2; i < 20; i++) boot.join(i);
    const peers = boot.join(20);
    expect(peers).toHaveLength(4);
    expect(new Set(peers).size).toBe(4);
    expect(peers).not.toContain(20);
    for (let i = 0; i < 20; i++) if (i !== 3) boot.leave(i);
    expect(boot.size).toBe(2);
    expect(boot.sample(20)).toEqual([3]);
  });
});

describe('VersionedStore', () => {
  it('takes only newer versions of a key, and a newer key invalidates an older one', () => {
    const store = new VersionedStore();
    expect(store.receiveItem(encodeVersioned(7, 2))).toEqual(new VersionKey(7, 2));
    expect(store.receiveItem(encodeVersioned(7, 1))).toBeUndefined();
    expect(store.receiveItem(encodeVersioned(7, 2))).toBeUndefined();
    expect(store.receiveItem(encodeVersioned(7, 3, 10))?.version).toBe(3);
    expect(new VersionKey(7, 3).invalidates(new VersionKey(7, 2))).toBe(true);
    expect(new VersionKey(7, 3).invalidates(new VersionKey(8, 2))).toBe(false);
    expect(() => store.receiveItem(Uint8Array.of(1, 2))).toThrow(RangeError);
  });
});
