import { describe, expect, it } from 'vitest';
import { BrowserIdentity } from '../../shared/swim/index';
import type { Mesh } from '../mesh/mesh';
import { ManualClock } from '../runtime/test-support/manual-clock';
import {
  decodeAppFrame,
  encodeMetadataCopyFrame,
  encodeMetadataWantFrame,
  MAX_METADATA_WANTS,
} from './app-frames';
import { AppInbox } from './app-inbox';
import { encodeMetadataItem, encodeMetadataJson, MetadataStore } from './metadata';
import { ANSWER_EVERY_MS, MetadataPull, PULL_AFTER_MS, PULL_EVERY_MS } from './metadata-pull';

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
    expect(decodeAppFrame(encodeMetadataCopyFrame(copy))).toEqual({ kind: 'metadata-copy', item: copy });
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

  it('answers with copies of the items it holds, at most once per link per ANSWER_EVERY_MS', () => {
    const clock = new ManualClock();
    const s = store();
    const { mesh, sent } = fakeMesh([peer]);
    const pull = new MetadataPull(s, mesh, clock);
    const aliceItem = item(alice, 4, { n: 'alice' });
    s.receiveItem(aliceItem, alice);
    pull.answer(peer, [alice.addr, bob.addr]); // bob's we don't hold
    expect(sent.map((x) => decodeAppFrame(x.bytes))).toEqual([{ kind: 'metadata-copy', item: aliceItem }]);
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
    inbox.receive(peer, encodeMetadataCopyFrame(item(alice, 2, { n: 'alice' })));
    expect(s.get(alice.addr)?.metadata).toEqual({ n: 'alice' });
    // A relayed copy can't outrun the owner's own word by more than the relay window.
    inbox.receive(alice.addr, encodeMetadataCopyFrame(item(alice, 3, { n: 'own' })));
    inbox.receive(peer, encodeMetadataCopyFrame(item(alice, 1_000, { n: 'Mallory' })));
    expect(s.get(alice.addr)?.metadata).toEqual({ n: 'own' });
    inbox.receive(peer, encodeMetadataWantFrame([bob.addr]));
    expect(wants).toEqual([[bob.addr]]);
    inbox.receive(peer, encodeMetadataCopyFrame(new Uint8Array([1, 2, 3])));
    expect(inbox.stats().appDropped).toBe(1);
  });
});
