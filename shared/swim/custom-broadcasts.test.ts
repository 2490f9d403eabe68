import { describe, expect, it } from 'vitest';
import { CustomBroadcasts } from './custom-broadcasts';
import { PacketEncoder } from './packet';
import { id, type TestId, testCodec } from './test-support/test-id';
import { VersionedKey } from './test-support/versioned-handler';

function packet(size: number): PacketEncoder<TestId> {
  const enc = new PacketEncoder(testCodec(), size);
  enc.begin({ src: id(0), srcIncarnation: 0, dst: id(99), message: { type: 'gossip' } });
  return enc;
}

const item = (k: number, v: number, extra = 0): [VersionedKey, Uint8Array] => {
  const key = new VersionedKey(k, v);
  const data = new Uint8Array(6 + extra);
  data.set(key.bytes());
  return [key, data];
};

describe('custom broadcasts backlog', () => {
  it('a newer version invalidates the queued one; other keys stay', () => {
    const c = new CustomBroadcasts<VersionedKey>();
    c.addOrReplace(...item(1, 0), 5);
    c.addOrReplace(...item(2, 0), 5);
    c.addOrReplace(...item(1, 1), 5);
    expect(
      c
        .peek()
        .map((e) => [e.key.key, e.key.version])
        .sort(),
    ).toEqual([
      [1, 1],
      [2, 0],
    ]);
  });

  it('sends the least sent, then the largest, first, and drops items when done', () => {
    const c = new CustomBroadcasts<VersionedKey>();
    c.addOrReplace(...item(1, 0), 1);
    c.addOrReplace(...item(2, 0, 10), 2);
    c.addOrReplace(...item(3, 0), 2);
    expect(c.peek().map((e) => e.key.key)).toEqual([2, 1, 3]);
    expect(c.fill(packet(1200))).toBe(3);
    expect(c.peek().map((e) => [e.key.key, e.remaining])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    c.addOrReplace(...item(4, 0), 2);
    expect(c.peek()[0]?.key.key).toBe(4);
    expect(c.fill(packet(1200))).toBe(3);
    expect(c.peek().map((e) => [e.key.key, e.remaining])).toEqual([[4, 1]]);
  });

  it('skips an item that does not fit and takes a smaller one', () => {
    const c = new CustomBroadcasts<VersionedKey>();
    c.addOrReplace(...item(1, 0, 30), 3);
    c.addOrReplace(...item(2, 0), 3);
    // Header (9) + count (2) + one 6-byte item with its length (8).
    expect(c.fill(packet(19))).toBe(1);
    expect(c.peek().find((e) => e.key.key === 2)?.remaining).toBe(2);
    expect(c.peek().find((e) => e.key.key === 1)?.remaining).toBe(3);
  });
});
