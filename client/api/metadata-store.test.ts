import { describe, expect, it } from 'vitest';
import { BrowserIdentity } from '../../shared/swim/index';
import { encodeMetadataFrame } from './app-frames';
import { AppInbox } from './app-inbox';
import {
  encodeMetadataItem,
  encodeMetadataJson,
  METADATA_RELAY_WINDOW,
  MetadataKey,
  type MetadataPolicy,
  MetadataStore,
} from './metadata';

const alice = BrowserIdentity.fromHex('0a'.repeat(16), 3);
const bob = BrowserIdentity.fromHex('0b'.repeat(16), 0);
const me = BrowserIdentity.fromHex('0c'.repeat(16), 1);

const item = (id: BrowserIdentity, version: number, metadata: Record<string, unknown>) =>
  encodeMetadataItem(id, version, encodeMetadataJson(metadata));

/** A store whose core holds alice and bob at their generations (and us). */
function store(extra: Partial<MetadataPolicy> = {}) {
  const held = new Map([
    [alice.addr, alice.generation],
    [bob.addr, bob.generation],
  ]);
  const forged: string[] = [];
  const s = new MetadataStore(() => {}, undefined, {
    generationOf: (addr) => held.get(addr),
    selfAddr: me.addr,
    onForgedSelf: (it) => forged.push(`${it.addr}@${it.version}`),
    ...extra,
  });
  return { s, held, forged };
}

describe('MetadataStore bounds (DESIGN.md §9)', () => {
  it("a member's own item beats a relayed copy with a higher version; relays may then run only a window ahead", () => {
    const { s } = store();
    expect(s.receiveItem(item(alice, 0xffffffff, { name: 'Mallory' }), bob)).toBeInstanceOf(MetadataKey);
    expect(s.get(alice.addr)?.metadata).toEqual({ name: 'Mallory' });
    // Alice's own packet: its word wins.
    expect(s.receiveItem(item(alice, 5, { name: 'Alice' }), alice)).toBeInstanceOf(MetadataKey);
    expect(s.get(alice.addr)?.metadata).toEqual({ name: 'Alice' });
    // Relayed again past the window: refused.
    expect(
      s.receiveItem(item(alice, 5 + METADATA_RELAY_WINDOW + 1, { name: 'Mallory' }), bob),
    ).toBeUndefined();
    // Alice's next versions, relayed: taken.
    expect(s.receiveItem(item(alice, 6, { name: 'Alice 6' }), bob)).toBeInstanceOf(MetadataKey);
    expect(s.get(alice.addr)?.metadata).toEqual({ name: 'Alice 6' });
    expect(s.stats().metadataRefused).toBe(1);
  });

  it('an item about us from anyone else is refused, and reported when it is newer than ours', () => {
    const { s, forged } = store();
    expect(s.receiveItem(item(me, 1, { name: 'me' }), undefined)).toBeInstanceOf(MetadataKey);
    // An echo of our own item, relayed back: not passed on, not a forgery.
    expect(s.receiveItem(item(me, 1, { name: 'me' }), bob)).toBeUndefined();
    expect(s.receiveItem(item(me, 9, { name: 'Mallory' }), bob)).toBeUndefined();
    expect(forged).toEqual([`${me.addr}@9`]);
    expect(s.stats().metadataForged).toBe(1);
    expect(s.get(me.addr)?.metadata).toEqual({ name: 'me' });
  });

  it('an item for a life the core does not hold is refused', () => {
    const { s } = store();
    expect(s.receiveItem(item(alice.renew()!, 1, { n: 1 }), bob)).toBeUndefined();
    expect(s.stats().metadataRefused).toBe(1);
  });

  it('items for members not held wait in a bounded store, are not passed on, and are taken when the member comes up', () => {
    const { s, held } = store({ maxPending: 2 });
    const carol = BrowserIdentity.fromHex('0d'.repeat(16), 0);
    const dave = BrowserIdentity.fromHex('0e'.repeat(16), 0);
    const erin = BrowserIdentity.fromHex('0f'.repeat(16), 0);
    for (const id of [carol, dave, erin])
      expect(s.receiveItem(item(id, 1, { id: id.addr }), bob)).toBeUndefined();
    expect(s.pendingSize).toBe(2);
    expect(s.stats().metadataPendingDropped).toBe(1);
    held.set(erin.addr, 0);
    s.admit(erin.addr);
    expect(s.get(erin.addr)?.metadata).toEqual({ id: erin.addr });
    s.admit(carol.addr); // dropped first, as the oldest
    expect(s.get(carol.addr)).toBeUndefined();
  });

  it('a pending item, once its member comes up, goes to `relay` with the member that sent it (to be passed on)', () => {
    const { s, held } = store();
    const dave = BrowserIdentity.fromHex('0e'.repeat(16), 0);
    const erin = BrowserIdentity.fromHex('0f'.repeat(16), 0);
    const daveItem = item(dave, 1, { n: 'dave' });
    const erinItem = item(erin, 2, { n: 'erin' });
    s.receiveItem(daveItem, dave); // its own word
    s.receiveItem(erinItem, bob); // relayed by bob
    const relayed: [Uint8Array, string][] = [];
    const relay = (bytes: Uint8Array, from: string) => {
      relayed.push([bytes, from]);
      s.receiveItem(bytes, from === dave.addr ? dave : bob); // as the core's relayBroadcast does
    };
    held.set(dave.addr, 0);
    held.set(erin.addr, 0);
    s.admit(dave.addr, relay);
    s.admit(erin.addr, relay);
    expect(relayed).toEqual([
      [daveItem, dave.addr],
      [erinItem, bob.addr],
    ]);
    expect(s.get(dave.addr)?.metadata).toEqual({ n: 'dave' });
    expect(s.get(erin.addr)?.metadata).toEqual({ n: 'erin' });
    s.admit(dave.addr, relay); // taken once
    expect(relayed).toHaveLength(2);
    // Dave's was its own word: a relayed copy can't outrun it past the relay window.
    expect(s.receiveItem(item(dave, 1 + METADATA_RELAY_WINDOW + 1, { n: 'Mallory' }), bob)).toBeUndefined();
    expect(s.get(dave.addr)?.metadata).toEqual({ n: 'dave' });
  });
});

describe('AppInbox bounds', () => {
  it('a direct metadata frame is its sender’s own word', () => {
    const { s } = store();
    const inbox = new AppInbox(
      s,
      () => {},
      () => {},
    );
    s.receiveItem(item(alice, 0xffffffff, { name: 'Mallory' }), bob);
    inbox.receive(alice.addr, encodeMetadataFrame(item(alice, 2, { name: 'Alice' })));
    expect(s.get(alice.addr)?.metadata).toEqual({ name: 'Alice' });
  });

  it('takes a burst, then the rate, per link; drops frames over the size cap before parsing', () => {
    let now = 0;
    const got: string[] = [];
    const inbox = new AppInbox(
      store().s,
      (m) => got.push(m.from),
      () => {},
      { messagesPerSecond: 10, messageBurst: 5, maxMessageBytes: 64 },
      () => now,
    );
    const frame = new Uint8Array([1, 7]);
    for (let k = 0; k < 8; k++) inbox.receive('x', frame);
    inbox.receive('y', frame);
    now = 500;
    for (let k = 0; k < 8; k++) inbox.receive('x', frame);
    inbox.receive('x', new Uint8Array(65));
    expect(got.filter((f) => f === 'x')).toHaveLength(10);
    expect(got.filter((f) => f === 'y')).toHaveLength(1);
    expect(inbox.stats()).toEqual({ appDropped: 0, appRateLimited: 6, appTooBig: 1 });
  });
});
