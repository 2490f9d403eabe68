import { describe, expect, it } from 'vitest';
import { BrowserIdentity } from '../../shared/swim/index';
import type { Mesh } from '../mesh/mesh';
import { ManualClock } from '../runtime/test-support/manual-clock';
import {
  decodeAppFrame,
  encodeMetadataCopiesFrames,
  encodeMetadataWantFrame,
  MAX_COPIES_FRAME_BYTES,
  MAX_METADATA_WANTS,
} from './app-frames';
import { AppInbox } from './app-inbox';
import { encodeMetadataItem, encodeMetadataJson, MetadataStore } from './metadata';
import {
  ANSWER_EVERY_MS,
  BURST_AFTER_MS,
  BURST_MISSING,
  MetadataPull,
  PULL_AFTER_MS,
  PULL_EVERY_MS,
} from './metadata-pull';

const alice = BrowserIdentity.fromHex('0a'.repeat(16), 3);
const bob = BrowserIdentity.fromHex('0b'.repeat(16), 0);
const carol = BrowserIdentity.fromHex('0d'.repeat(16), 0);
const peer = 'ee'.repeat(16);

const item = (id: BrowserIdentity, version: number, metadata: Record<string, unknown>) =>
  encodeMetadataItem(id, version, encodeMetadataJson(metadata));

/** A mesh with open links to `peers` that records what is sent on them. */
function fakeMesh(peers: string[]) {
  const sent: { to: string; bytes: Uint8Array }[] = [];
  const mesh = {
    openPeers: () => [...peers],
    sendApp: (to: string, bytes: Uint8Array) => {
      sent.push({ to, bytes });
      return peers.includes(to);
    },
  } as unknown as Mesh;
  return { mesh, sent };
}

/** A store whose core holds alice, bob and carol. */
function store() {
  const held = new Map([alice, bob, carol].map((id) => [id.addr, id.generation]));
  return new MetadataStore(() => {}, undefined, { generationOf: (a) => held.get(a), selfAddr: peer });
}

describe('metadata pull: members held without metadata are asked for', () => {
  it('frames: a want names 1..16 addrs and reads back; anything else is malformed', () => {
    const addrs = [alice.addr, bob.addr];
    expect(decodeAppFrame(encodeMetadataWantFrame(addrs))).toEqual({ kind: 'metadata-want', addrs });
    const copy = item(alice, 1, { n: 1 });
    const other = item(bob, 2, { n: 2 });
    const [both] = encodeMetadataCopiesFrames([copy, other]);
    expect(decodeAppFrame(both!)).toEqual({ kind: 'metadata-copies', items: [copy, other] });
    // Many items: several frames, each within the cap, every item in one of them, in order.
    const many = Array.from({ length: 40 }, (_, i) => item(alice, i, { text: 'x'.repeat(400) }));
    const frames = encodeMetadataCopiesFrames(many);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.length <= MAX_COPIES_FRAME_BYTES)).toBe(true);
    expect(
      frames.flatMap((f) => (decodeAppFrame(f) as { readonly items: readonly Uint8Array[] }).items),
    ).toEqual(many);
    expect(encodeMetadataCopiesFrames([])).toEqual([]);
    expect(() => encodeMetadataCopiesFrames([new Uint8Array(0)])).toThrow(RangeError);
    // A length that runs past the end, a zero length, a lone trailing byte: malformed.
    expect(decodeAppFrame(both!.subarray(0, both!.length - 1))).toBeUndefined();
    expect(decodeAppFrame(new Uint8Array([both![0]!, 0, 0]))).toBeUndefined();
    expect(decodeAppFrame(new Uint8Array([both![0]!, 0]))).toBeUndefined();
    expect(decodeAppFrame(new Uint8Array([both![0]!]))).toBeUndefined();
    expect(() => encodeMetadataWantFrame([])).toThrow(RangeError);
    expect(() => encodeMetadataWantFrame(Array(MAX_METADATA_WANTS + 1).fill(alice.addr))).toThrow(RangeError);
    expect(() => encodeMetadataWantFrame(['not-hex'])).toThrow(RangeError);
    const want = encodeMetadataWantFrame([alice.addr]);
    expect(decodeAppFrame(want.subarray(0, want.length - 1))).toBeUndefined(); // not whole addrs
    expect(decodeAppFrame(want.subarray(0, 1))).toBeUndefined(); // none
    const long = new Uint8Array(1 + 16 * (MAX_METADATA_WANTS + 1));
    long[0] = want[0]!;
    expect(decodeAppFrame(long)).toBeUndefined(); // too many
  });

  it('asks one linked member in turn for those missing PULL_AFTER_MS, and stops once they arrive', () => {
    const clock = new ManualClock();
    const s = store();
    const { mesh, sent } = fakeMesh(['p1'.padEnd(32, '1'), 'p2'.padEnd(32, '2')]);
    const pull = new MetadataPull(s, mesh, clock);
    s.receiveItem(item(bob, 1, { n: 'bob' }), bob);
    pull.memberUp(bob.addr); // has its metadata: never asked for
    pull.memberUp(alice.addr);
    // The ticks below assume the wait falls between the first and the second tick.
    expect(PULL_AFTER_MS > PULL_EVERY_MS && PULL_AFTER_MS <= 2 * PULL_EVERY_MS).toBe(true);
    clock.advance(PULL_EVERY_MS);
    expect(sent).toEqual([]); // missing for 2 s only
    clock.advance(PULL_EVERY_MS);
    expect(sent.map((x) => [x.to, decodeAppFrame(x.bytes)])).toEqual([
      ['p1'.padEnd(32, '1'), { kind: 'metadata-want', addrs: [alice.addr] }],
    ]);
    clock.advance(PULL_EVERY_MS);
    expect(sent.at(-1)?.to).toBe('p2'.padEnd(32, '2')); // the next link in turn
    s.receiveItem(item(alice, 1, { n: 'alice' }), alice);
    clock.advance(10 * PULL_EVERY_MS);
    expect(sent).toHaveLength(2);
    expect(pull.stats()).toMatchObject({ wantsSent: 2, membersAsked: 2, missing: 0 });
    // A member that went Down is not asked for.
    pull.memberUp(carol.addr);
    pull.memberDown(carol.addr);
    clock.advance(10 * PULL_EVERY_MS);
    expect(sent).toHaveLength(2);
    expect(clock.waiting).toBe(0); // no timer while nobody is missing
  });

  it('a burst (members up without metadata at once: a join) is asked for after BURST_AFTER_MS, one ask a PULL_EVERY_MS', () => {
    const clock = new ManualClock();
    const s = store();
    const link = 'p1'.padEnd(32, '1');
    const { mesh, sent } = fakeMesh([link]);
    const pull = new MetadataPull(s, mesh, clock);
    const asks = () => sent.map((x) => decodeAppFrame(x.bytes));
    expect(BURST_MISSING).toBe(3); // the three members of `store()`
    // Two apart: no burst, the regular pace.
    pull.memberUp(alice.addr);
    clock.advance(BURST_AFTER_MS + 1);
    pull.memberUp(bob.addr);
    clock.advance(BURST_AFTER_MS + 1);
    expect(sent).toEqual([]);
    pull.memberDown(alice.addr);
    pull.memberDown(bob.addr);
    // Three within BURST_AFTER_MS: asked for BURST_AFTER_MS after the third, all three in one ask.
    pull.memberUp(alice.addr);
    clock.advance(BURST_AFTER_MS / 2);
    pull.memberUp(bob.addr);
    pull.memberUp(carol.addr);
    clock.advance(BURST_AFTER_MS - 1);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(asks()).toEqual([{ kind: 'metadata-want', addrs: [alice.addr, bob.addr, carol.addr] }]);
    // Bob's item came; another burst of three inside PULL_EVERY_MS waits for the regular pace.
    s.receiveItem(item(bob, 1, { n: 'bob' }), bob);
    const dave = BrowserIdentity.fromHex('0c'.repeat(16), 0);
    for (const id of [alice, carol]) pull.memberDown(id.addr);
    for (const id of [alice, carol, dave]) pull.memberUp(id.addr);
    clock.advance(BURST_AFTER_MS);
    expect(sent).toHaveLength(1);
    // The regular pull still asks for those missing PULL_AFTER_MS (bob's is held: not asked).
    clock.advance(PULL_AFTER_MS + PULL_EVERY_MS);
    expect(asks().at(-1)).toEqual({ kind: 'metadata-want', addrs: [alice.addr, carol.addr, dave.addr] });
  });

  it('answers with copies of the items it holds, at most once per link per ANSWER_EVERY_MS', () => {
    const clock = new ManualClock();
    const s = store();
    const { mesh, sent } = fakeMesh([peer]);
    const pull = new MetadataPull(s, mesh, clock);
    const aliceItem = item(alice, 4, { n: 'alice' });
    s.receiveItem(aliceItem, alice);
    pull.answer(peer, [alice.addr, bob.addr]); // bob's we don't hold
    expect(sent.map((x) => decodeAppFrame(x.bytes))).toEqual([
      { kind: 'metadata-copies', items: [aliceItem] },
    ]);
    pull.answer(peer, [alice.addr]);
    expect(sent).toHaveLength(1);
    clock.advance(ANSWER_EVERY_MS);
    pull.answer(peer, [alice.addr]);
    expect(sent).toHaveLength(2);
    expect(pull.stats()).toMatchObject({ wantsAnswered: 2, copiesSent: 2, wantsIgnored: 1 });
  });

  it('the inbox takes a copy as a relayed item (the store checks it), and hands wants to the pull', () => {
    const s = store();
    const wants: string[][] = [];
    const inbox = new AppInbox(
      s,
      () => {},
      () => {},
    );
    inbox.onWant = (_from, addrs) => wants.push([...addrs]);
    inbox.receive(peer, encodeMetadataCopiesFrames([item(alice, 2, { n: 'alice' })])[0]!);
    expect(s.get(alice.addr)?.metadata).toEqual({ n: 'alice' });
    // A relayed copy can't outrun the owner's own word by more than the relay window.
    inbox.receive(alice.addr, encodeMetadataCopiesFrames([item(alice, 3, { n: 'own' })])[0]!);
    inbox.receive(peer, encodeMetadataCopiesFrames([item(alice, 1_000, { n: 'Mallory' })])[0]!);
    expect(s.get(alice.addr)?.metadata).toEqual({ n: 'own' });
    inbox.receive(peer, encodeMetadataWantFrame([bob.addr]));
    expect(wants).toEqual([[bob.addr]]);
    inbox.receive(peer, encodeMetadataCopiesFrames([new Uint8Array([1, 2, 3])])[0]!);
    expect(inbox.stats().appDropped).toBe(1);
  });
});
