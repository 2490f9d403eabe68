import type { BroadcastHandler, Invalidates } from '../../shared/swim/index';
import { ADDR_BYTES, type BrowserIdentity, digestEntry } from '../../shared/swim/index';

/** Largest metadata object, as UTF-8 JSON. Keeps an item (plus its 23-byte head) inside one packet. */
export const MAX_METADATA_BYTES = 512;

const FORMAT = 1;
/** Format 2: the head, the owner's proof (`PROOF_BYTES`: its public key and signature), then the JSON. */
const SIGNED_FORMAT = 2;
/** u8 format, 16-byte addr, u16 generation, u32 version. */
const HEAD_BYTES = 1 + ADDR_BYTES + 2 + 4;
const PROOF_BYTES = 96;

/**
 * How items are signed and checked (`metadataAuth` over the member's key and the room, from
 * shared/signaling): the owner signs the item's head and JSON; a proof is its key and signature.
 */
export interface MetadataAuth {
  sign(bytes: Uint8Array): Uint8Array;
  /** Whether `proof` is `signer.addr`'s key and its signature over `bytes`. Never throws. */
  verify(signer: { readonly addr: string }, bytes: Uint8Array, proof: Uint8Array): boolean;
}

/** Metadata that is not a JSON object, or bigger than `MAX_METADATA_BYTES` encoded. Nothing changed. */
export class MetadataError extends Error {
  static readonly NAME = 'MetadataError';
  override readonly name = MetadataError.NAME;
}

/** A JSON object of the app's choosing (name, colour, cursor…). */
export type Metadata = Record<string, unknown>;

/** One member's metadata at one version: `(generation, version)` orders them. */
export interface MetadataItem {
  readonly addr: string;
  readonly generation: number;
  readonly version: number;
  readonly metadata: Metadata;
  /** Signed items (format 2): the owner's proof, and the bytes it covers (the item without it). */
  readonly proof?: Uint8Array;
  readonly signed?: Uint8Array;
}

/** Each decoded item's bytes as received: what a copy for another member is made of (`rawItemOf`). */
const rawItems = new WeakMap<MetadataItem, Uint8Array>();

/** The bytes `item` was decoded from (`decodeMetadataItem`), or undefined for an item built otherwise. */
export function rawItemOf(item: MetadataItem): Uint8Array | undefined {
  return rawItems.get(item);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(v: unknown): v is Metadata {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The UTF-8 JSON of `metadata`. Throws `MetadataError` unless it is a JSON object of at most
 * `MAX_METADATA_BYTES` bytes (the message says how big it was).
 */
export function encodeMetadataJson(metadata: unknown): Uint8Array {
  if (!isPlainObject(metadata)) throw new MetadataError('metadata must be a plain JSON object');
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch (e) {
    throw new MetadataError(
      `metadata is not JSON-serializable: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const bytes = encoder.encode(json);
  if (bytes.length > MAX_METADATA_BYTES) {
    throw new MetadataError(
      `metadata is ${bytes.length} bytes as JSON, over the ${MAX_METADATA_BYTES}-byte limit: keep presence small and send bulk data as messages`,
    );
  }
  return bytes;
}

/**
 * The broadcast item for `metadata` (already checked with `encodeMetadataJson`); with `sign`, a
 * signed item (format 2) whose proof covers the head (format, addr, generation, version) and the JSON.
 */
export function encodeMetadataItem(
  id: BrowserIdentity,
  version: number,
  json: Uint8Array,
  sign?: (bytes: Uint8Array) => Uint8Array,
): Uint8Array {
  const body = new Uint8Array(HEAD_BYTES + json.length);
  const dv = new DataView(body.buffer);
  body[0] = sign === undefined ? FORMAT : SIGNED_FORMAT;
  body.set(id.raw, 1);
  dv.setUint16(1 + ADDR_BYTES, id.generation);
  dv.setUint32(1 + ADDR_BYTES + 2, version >>> 0);
  body.set(json, HEAD_BYTES);
  if (sign === undefined) return body;
  const proof = sign(body);
  if (proof.length !== PROOF_BYTES) throw new MetadataError(`a proof is ${PROOF_BYTES} bytes`);
  const out = new Uint8Array(body.length + PROOF_BYTES);
  out.set(body.subarray(0, HEAD_BYTES));
  out.set(proof, HEAD_BYTES);
  out.set(json, HEAD_BYTES + PROOF_BYTES);
  return out;
}

/** Reads an item; throws `MetadataError` if it is not one (the core then reports a `custom-broadcast` error). */
export function decodeMetadataItem(bytes: Uint8Array): MetadataItem {
  const item = bytes[0] === SIGNED_FORMAT ? decodeSigned(bytes) : decodeUnsigned(bytes);
  rawItems.set(item, bytes.slice());
  return item;
}

function decodeUnsigned(bytes: Uint8Array): MetadataItem {
  if (bytes.length < HEAD_BYTES + 2 || bytes[0] !== FORMAT) throw new MetadataError('not a metadata item');
  if (bytes.length - HEAD_BYTES > MAX_METADATA_BYTES) throw new MetadataError('metadata item too big');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let addr = '';
  for (let i = 1; i <= ADDR_BYTES; i++) addr += bytes[i]!.toString(16).padStart(2, '0');
  const generation = dv.getUint16(1 + ADDR_BYTES);
  const version = dv.getUint32(1 + ADDR_BYTES + 2);
  let metadata: unknown;
  try {
    metadata = JSON.parse(decoder.decode(bytes.subarray(HEAD_BYTES)));
  } catch {
    throw new MetadataError('metadata item holds no valid JSON');
  }
  if (!isPlainObject(metadata)) throw new MetadataError('metadata item holds no JSON object');
  return { addr, generation, version, metadata };
}

function decodeSigned(bytes: Uint8Array): MetadataItem {
  if (bytes.length < HEAD_BYTES + PROOF_BYTES + 2) throw new MetadataError('not a metadata item');
  const proof = bytes.slice(HEAD_BYTES, HEAD_BYTES + PROOF_BYTES);
  const signed = new Uint8Array(bytes.length - PROOF_BYTES);
  signed.set(bytes.subarray(0, HEAD_BYTES));
  signed.set(bytes.subarray(HEAD_BYTES + PROOF_BYTES), HEAD_BYTES);
  signed[0] = FORMAT;
  const item = decodeUnsigned(signed);
  signed[0] = SIGNED_FORMAT;
  return { ...item, proof, signed };
}

/** Orders two (generation, version) pairs: positive when `a` is newer. */
function compare(a: { generation: number; version: number }, b: { generation: number; version: number }) {
  return a.generation - b.generation || a.version - b.version;
}

/** The backlog key of a metadata item: a newer item of the same member makes older ones obsolete. */
export class MetadataKey implements Invalidates {
  /** Items of different members never replace each other: the core finds a member's item by addr. */
  readonly scope: string;

  constructor(
    readonly addr: string,
    readonly generation: number,
    readonly version: number,
  ) {
    this.scope = addr;
  }

  invalidates(other: MetadataKey): boolean {
    return other.addr === this.addr && compare(this, other) > 0;
  }
}

/**
 * How far a relayed item's version may run ahead of the last item the member sent us itself. Its
 * own items always win over relayed ones; past this window, relayed items wait until it speaks to us
 * again. A member publishes at most 10 versions a second (`PUBLISH_INTERVAL_MS`).
 */
export const METADATA_RELAY_WINDOW = 64;

/** Items kept for members the core does not hold yet (a join may trail its metadata). Default. */
export const DEFAULT_MAX_PENDING_METADATA = 256;

/** What the store checks items against; without it every addr counts as a known member. */
export interface MetadataPolicy {
  /** The core's record of `addr`: the generation it holds, or undefined when it holds none. */
  readonly generationOf: (addr: string) => number | undefined;
  /** Our own addr: an item for it from someone else is a forgery (`onForgedSelf`). */
  readonly selfAddr?: string;
  /** Called (inside the core call: defer work) when someone else sends an item about us. */
  readonly onForgedSelf?: (item: MetadataItem) => void;
  /** Most items kept for members the core doesn't hold. Default `DEFAULT_MAX_PENDING_METADATA`. */
  readonly maxPending?: number;
  /**
   * With it, an item from someone else counts only when signed by its owner (`verify`), checked
   * before it is stored or pending, and once per item it would take (re-gossip of a held version is
   * turned away by the version check first). Without it, unsigned items as before.
   */
  readonly auth?: MetadataAuth;
}

/** What the store refused, for `room.stats()`. */
export interface MetadataStoreStats {
  /** Items about a life the core doesn't hold, or relayed past `METADATA_RELAY_WINDOW`. */
  readonly metadataRefused: number;
  /** Items for members not held yet, dropped at `maxPending` (oldest first). */
  readonly metadataPendingDropped: number;
  /** Items about us from someone else, newer than our own (echoes of ours are not counted). */
  readonly metadataForged: number;
  /** Items refused because their owner's signature was missing or did not verify (`auth`). */
  readonly metadataUnsigned: number;
}

interface Held {
  item: MetadataItem;
  /** (generation, version) of the last item the member sent us itself, if any. */
  own: { generation: number; version: number } | undefined;
}

/**
 * The newest metadata of every member we heard of, and the core's broadcast handler: an item is
 * taken (and disseminated further) only when it is newer than what we hold for its member; our own
 * items (`addBroadcast`, no sender) are always taken.
 *
 * Shoal bounds what a peer can make it hold or show (DESIGN.md §9), short of signed items: a
 * member's own items (in its own packets or app frames) win over relayed copies, and a relayed copy
 * may run at most `METADATA_RELAY_WINDOW` versions past its own last word; items about a life the
 * core doesn't hold are refused, and those for a member it doesn't hold yet wait in a bounded
 * pending store and are not passed on. Every lookup is by addr: O(1) per item.
 */
export class MetadataStore implements BroadcastHandler<BrowserIdentity, MetadataKey> {
  private readonly items = new Map<string, Held>();
  /** Items for members the core doesn't hold, oldest first, with the member that sent each (if known). */
  private readonly pending = new Map<string, { item: MetadataItem; from: string | undefined }>();
  private readonly maxPending: number;
  private refused = 0;
  private pendingDropped = 0;
  private forged = 0;
  private unsigned = 0;

  /**
   * `onChange(addr)` runs (inside the core call: defer work) when a member's metadata changed.
   * `isGone(item)` says the item's member (that life of it) is known Down: such items are dropped,
   * so metadata of departed members neither lingers here nor keeps circulating.
   */
  constructor(
    private readonly onChange: (addr: string) => void,
    private readonly isGone: (item: MetadataItem) => boolean = () => false,
    private readonly policy: MetadataPolicy | undefined = undefined,
  ) {
    this.maxPending = policy?.maxPending ?? DEFAULT_MAX_PENDING_METADATA;
  }

  receiveItem(bytes: Uint8Array, sender: BrowserIdentity | undefined): MetadataKey | undefined {
    const item = decodeMetadataItem(bytes);
    const key = new MetadataKey(item.addr, item.generation, item.version);
    if (sender === undefined) {
      // Ours: always queued.
      this.apply(item, true);
      return key;
    }
    return this.apply(item, sender.addr === item.addr, sender.addr) ? key : undefined;
  }

  /**
   * Keeps `item` if it is newer than what we hold for its member (`own`: the member sent it itself,
   * see the class doc); returns whether it was taken to be passed on. `from`, the member that sent it,
   * is kept with an item that waits for its member (`admit`).
   */
  apply(item: MetadataItem, own = false, from: string | undefined = own ? item.addr : undefined): boolean {
    if (this.isGone(item)) return false;
    const policy = this.policy;
    if (policy !== undefined && item.addr === policy.selfAddr) {
      if (!own) {
        // Our own items come back through relays; only one newer than ours is someone else's.
        const ours = this.items.get(item.addr);
        if ((ours === undefined || compare(item, ours.item) > 0) && this.ownerSigned(item)) {
          this.forged++;
          policy.onForgedSelf?.(item);
        }
        return false;
      }
    } else if (policy !== undefined) {
      const generation = policy.generationOf(item.addr);
      if (generation === undefined) {
        if (this.isNewerPending(item) && this.ownerSigned(item)) this.holdPending(item, from);
        return false;
      }
      if (item.generation > generation) {
        this.refused++;
        return false;
      }
    }
    const held = this.items.get(item.addr);
    if (held === undefined) {
      if (!this.ownerSigned(item)) return false;
      this.items.set(item.addr, { item, own: own ? item : undefined });
      this.onChange(item.addr);
      return true;
    }
    if (own) {
      // Its own word replaces a relayed copy, even one that claimed a higher version.
      if (held.own !== undefined && compare(item, held.own) <= 0) return false;
      if (!this.ownerSigned(item)) return false;
      held.own = item;
      if (held.item === item || compare(item, held.item) === 0) return false;
    } else {
      if (compare(item, held.item) <= 0) return false;
      const base = held.own;
      if (
        base !== undefined &&
        item.generation === base.generation &&
        item.version - base.version > METADATA_RELAY_WINDOW
      ) {
        this.refused++;
        return false;
      }
      if (!this.ownerSigned(item)) return false;
    }
    held.item = item;
    this.onChange(item.addr);
    return true;
  }

  get(addr: string): MetadataItem | undefined {
    return this.items.get(addr)?.item;
  }

  /**
   * The items we hold, as the core's periodic announce carries them (protocol 1.6): XOR over members of
   * their item's (addr, generation, version). Pending items are not held. Doesn't change state.
   */
  itemsDigest(): number {
    let x = 0;
    for (const { item } of this.items.values()) x ^= digestEntry(item.addr, item.generation, item.version);
    return x >>> 0;
  }

  /** Whether we hold an item for `addr`. */
  has(addr: string): boolean {
    return this.items.has(addr);
  }

  /**
   * The core now holds `addr` (it came up): a pending item for it, if any, is taken as if it had just
   * arrived from the member that sent it. With `relay` (the core's `relayBroadcast`) it goes that way,
   * so it is also passed on as that member's broadcast would have been; without (or when we don't
   * know the item's bytes or sender) it is only applied here. Call on member-up.
   */
  admit(addr: string, relay?: (bytes: Uint8Array, from: string) => void): void {
    const pending = this.pending.get(addr);
    if (pending === undefined) return;
    this.pending.delete(addr);
    const { item, from } = pending;
    const bytes = rawItemOf(item);
    if (relay !== undefined && bytes !== undefined && from !== undefined) relay(bytes, from);
    else this.apply(item, from === item.addr);
  }

  /** Forgets a member's metadata (it went Down). */
  delete(addr: string): void {
    this.items.delete(addr);
    this.pending.delete(addr);
  }

  get size(): number {
    return this.items.size;
  }

  /** Items waiting for their member to come up. */
  get pendingSize(): number {
    return this.pending.size;
  }

  stats(): MetadataStoreStats {
    return {
      metadataRefused: this.refused,
      metadataPendingDropped: this.pendingDropped,
      metadataForged: this.forged,
      metadataUnsigned: this.unsigned,
    };
  }

  /**
   * Whether `item` is signed by its owner, when the store checks (`auth`); counts a refusal. Costs a
   * signature verification: callers ask only once the item would be taken.
   */
  private ownerSigned(item: MetadataItem): boolean {
    const auth = this.policy?.auth;
    if (auth === undefined) return true;
    if (item.proof !== undefined && item.signed !== undefined && auth.verify(item, item.signed, item.proof)) {
      return true;
    }
    this.unsigned++;
    return false;
  }

  private isNewerPending(item: MetadataItem): boolean {
    const known = this.pending.get(item.addr);
    return known === undefined || compare(item, known.item) > 0;
  }

  private holdPending(item: MetadataItem, from: string | undefined): void {
    const known = this.pending.get(item.addr);
    if (known !== undefined && compare(item, known.item) <= 0) return;
    this.pending.delete(item.addr);
    this.pending.set(item.addr, { item, from });
    if (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
      this.pendingDropped++;
    }
  }
}
