/**
 * `bench:core` rows for the core at its bounds (bounds.ts): what a hostile member's packets cost once
 * the member table or the custom broadcast backlog is full. Before the bounds, the 42-item packet
 * took 0.3–1.1 s at 17–25k items (a filter and a sort per item).
 */
import { AccumulatingRuntime } from '../accumulating-runtime';
import { BinaryCodec } from '../binary-codec';
import { DEFAULT_BOUNDS } from '../bounds';
import type { BroadcastHandler, Invalidates } from '../broadcast';
import { BrowserIdentity, browserIdentityCodec } from '../browser-identity';
import { DEFAULT_MAX_PACKET_SIZE, lan } from '../config';
import type { Member } from '../member';
import { PacketEncoder } from '../packet';
import type { Header } from '../payload';
import { seededRng } from '../seeded-rng';
import { Swim } from '../swim';
import type { Measured, Row } from './bench-row';

/** A key per owner, scoped like the room's metadata keys. */
class OwnerKey implements Invalidates {
  readonly scope: string;
  constructor(
    readonly owner: number,
    readonly version: number,
  ) {
    this.scope = String(owner);
  }
  invalidates(other: OwnerKey): boolean {
    return other.owner === this.owner && this.version > other.version;
  }
}

/** Takes every item as its owner's newest version: each one replaces a held item or adds one. */
class TakeAll implements BroadcastHandler<BrowserIdentity, OwnerKey> {
  private version = 0;
  receiveItem(item: Uint8Array): OwnerKey {
    const owner = new DataView(item.buffer, item.byteOffset, item.byteLength).getUint32(0);
    return new OwnerKey(owner, ++this.version);
  }
}

const codec = new BinaryCodec(browserIdentityCodec);

function packet(
  src: BrowserIdentity,
  dst: BrowserIdentity,
  members: Member<BrowserIdentity>[],
  items: Uint8Array[],
) {
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  const h: Header<BrowserIdentity> = { src, srcIncarnation: 0, dst, message: { type: 'gossip' } };
  enc.begin(h);
  for (const m of members) if (!enc.tryAddMember(m)) break;
  for (const b of items) if (!enc.tryAddBroadcast(b)) break;
  return enc.finish();
}

/** The rows; `measure` is the bench's own loop (warm-up, then ops per second). */
export function boundRows(measure: (fn: () => void) => Measured): Row[] {
  const rng = seededRng(7);
  const us = BrowserIdentity.random(rng, 1);
  const mallory = BrowserIdentity.random(rng, 1);
  const rt = new AccumulatingRuntime<BrowserIdentity>();
  const rows: Row[] = [];
  let refused = 0;

  // Members: the table full of gossip-only members, then packets of new ones (all refused).
  const atCap = new Swim({
    identity: us,
    config: lan(100),
    rng: seededRng(8),
    codec,
    dataNotifications: false,
  });
  const held: Member<BrowserIdentity>[] = [{ id: mallory, incarnation: 0, state: 'alive' }];
  while (held.length < DEFAULT_BOUNDS.maxMembers)
    held.push({ id: BrowserIdentity.random(rng), incarnation: 0, state: 'alive' });
  atCap.applyMany(held, false, rt);
  const fakes: Member<BrowserIdentity>[] = [];
  for (let k = 0; k < 80; k++)
    fakes.push({ id: BrowserIdentity.random(rng), incarnation: 0, state: 'alive' });
  const gossip = packet(mallory, us, fakes, []);
  rt.clear();
  const members = measure(() => {
    if (!atCap.handleData(gossip, rt).ok) refused++;
    rt.clear();
  });
  rows.push({
    bench: 'handleData',
    case: `gossip, full 1,200 B, new members, core at maxMembers (${DEFAULT_BOUNDS.maxMembers.toLocaleString('en-US')} held)`,
    bytes: gossip.length,
    ...members,
    ...(refused > 0 ? { note: `error: ${refused} refused` } : {}),
  });

  // Custom broadcasts: the backlog full, then packets of 42 items for owners it doesn't hold.
  const full = new Swim<BrowserIdentity, OwnerKey>({
    identity: us,
    config: lan(100),
    rng: seededRng(9),
    codec,
    dataNotifications: false,
    broadcastHandler: new TakeAll(),
  });
  full.applyMany([{ id: mallory, incarnation: 0, state: 'alive' }], false, rt);
  const item = (owner: number) => {
    const b = new Uint8Array(25);
    new DataView(b.buffer).setUint32(0, owner);
    return b;
  };
  let owner = 0;
  const ITEMS = 42;
  const RING = 64;
  const packets: Uint8Array[] = [];
  for (let p = 0; p < RING; p++) {
    const items: Uint8Array[] = [];
    for (let k = 0; k < ITEMS; k++) items.push(item(owner++));
    packets.push(packet(mallory, us, [], items));
  }
  // Fill the backlog past its cap first.
  for (let k = 0; k * ITEMS < DEFAULT_BOUNDS.maxCustomBroadcasts * 2; k++)
    full.handleData(packets[k % RING]!, rt);
  rt.clear();
  let next = 0;
  const customs = measure(() => {
    if (!full.handleData(packets[next++ % RING]!, rt).ok) refused++;
    rt.clear();
  });
  rows.push({
    bench: 'handleData',
    case: `42 custom-broadcast items, backlog at maxCustomBroadcasts (${full.customBroadcastBacklog.toLocaleString('en-US')} held)`,
    bytes: packets[0]!.length,
    ...customs,
    ...(refused > 0 ? { note: `error: ${refused} refused` } : {}),
  });
  return rows;
}
