import { describe, expect, it } from 'vitest';
import type { Member } from './member';
import { PacketEncoder } from './packet';
import { id, type TestId, testCodec } from './test-support/test-id';
import { UpdateBacklog } from './update-backlog';

const codec = testCodec();
const alive = (n: number, incarnation = 0): Member<TestId> => ({ id: id(n), incarnation, state: 'alive' });

function packet(size: number): PacketEncoder<TestId> {
  const enc = new PacketEncoder(codec, size);
  enc.begin({ src: id(0), srcIncarnation: 0, dst: id(99), message: { type: 'gossip' } });
  return enc;
}

function add(b: UpdateBacklog<TestId>, m: Member<TestId>, maxTx: number): void {
  b.add(m, b.measure(m), maxTx);
}

describe('the update backlog', () => {
  it('sends each update maxTransmissions times, then drops it', () => {
    const b = new UpdateBacklog(codec);
    add(b, alive(1), 3);
    for (let k = 0; k < 3; k++) expect(b.fill(packet(1200))).toBe(1);
    expect(b.size).toBe(0);
    expect(b.fill(packet(1200))).toBe(0);
  });

  it('keeps one update per addr: the newest replaces it with a fresh count', () => {
    const b = new UpdateBacklog(codec);
    add(b, alive(1), 3);
    b.fill(packet(1200));
    add(b, alive(1, 1), 3);
    expect(b.size).toBe(1);
    expect(b.peek()[0]).toMatchObject({ member: alive(1, 1), remaining: 3 });
  });

  it('sends the least sent updates first, whatever their budget', () => {
    const b = new UpdateBacklog(codec);
    add(b, alive(1), 10);
    b.fill(packet(1200));
    add(b, alive(2), 2);
    add(b, alive(3), 5);
    expect(b.peek().map((e) => e.member.id.addr)).toEqual(['m2', 'm3', 'm1']);
    // Room for exactly one member: a fresh one goes.
    const enc = packet(9 + 2 + 6);
    expect(b.fill(enc)).toBe(1);
    expect(b.peek().map((e) => [e.member.id.addr, e.remaining])).toEqual([
      ['m3', 5],
      ['m2', 1],
      ['m1', 9],
    ]);
  });

  it('adds nothing to a full packet and counts nothing then', () => {
    const b = new UpdateBacklog(codec);
    add(b, alive(1), 2);
    const enc = packet(9 + 2);
    expect(b.fill(enc)).toBe(0);
    expect(b.peek()[0]?.remaining).toBe(2);
  });

  it('refuses to measure a member the codec cannot write', () => {
    const b = new UpdateBacklog(codec);
    expect(() => b.measure({ id: id(70_000), incarnation: 0, state: 'alive' })).toThrow(RangeError);
    expect(() => b.measure({ id: id(1), incarnation: 70_000, state: 'alive' })).toThrow(RangeError);
    expect(b.size).toBe(0);
  });
});
