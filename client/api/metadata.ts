import type { BroadcastHandler, Invalidates } from '../../shared/swim/index';
import { ADDR_BYTES, type BrowserIdentity } from '../../shared/swim/index';

/** Largest metadata object, as UTF-8 JSON. Keeps an item (plus its 23-byte head) inside one packet. */
export const MAX_METADATA_BYTES = 512;

const FORMAT = 1;
/** u8 format, 16-byte addr, u16 generation, u32 version. */
const HEAD_BYTES = 1 + ADDR_BYTES + 2 + 4;

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

/** The broadcast item for `metadata` (already checked with `encodeMetadataJson`). */
export function encodeMetadataItem(id: BrowserIdentity, version: number, json: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES + json.length);
  const dv = new DataView(out.buffer);
  out[0] = FORMAT;
  out.set(id.raw, 1);
  dv.setUint16(1 + ADDR_BYTES, id.generation);
  dv.setUint32(1 + ADDR_BYTES + 2, version >>> 0);
  out.set(json, HEAD_BYTES);
  return out;
}

/** Reads an item; throws `MetadataError` if it is not one (the core then reports a `custom-broadcast` error). */
export function decodeMetadataItem(bytes: Uint8Array): MetadataItem {
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

/** Orders two (generation, version) pairs: positive when `a` is newer. */
function compare(a: { generation: number; version: number }, b: { generation: number; version: number }) {
  return a.generation - b.generation || a.version - b.version;
}

/** The backlog key of a metadata item: a newer item of the same member makes older ones obsolete. */
export class MetadataKey implements Invalidates {
  constructor(
    readonly addr: string,
    readonly generation: number,
    readonly version: number,
  ) {}

  invalidates(other: MetadataKey): boolean {
    return other.addr === this.addr && compare(this, other) > 0;
  }
}

/**
 * The newest metadata of every member we heard of, and the core's broadcast handler: an item is
 * taken (and disseminated further) only when it is newer than what we hold for its member; our own
 * items (`addBroadcast`, no sender) are always taken.
 */
export class MetadataStore implements BroadcastHandler<BrowserIdentity, MetadataKey> {
  private readonly items = new Map<string, MetadataItem>();

  /**
   * `onChange(addr)` runs (inside the core call: defer work) when a member's metadata changed.
   * `isGone(item)` says the item's member (that life of it) is known Down: such items are dropped,
   * so metadata of departed members neither lingers here nor keeps circulating.
   */
  constructor(
    private readonly onChange: (addr: string) => void,
    private readonly isGone: (item: MetadataItem) => boolean = () => false,
  ) {}

  receiveItem(bytes: Uint8Array, sender: BrowserIdentity | undefined): MetadataKey | undefined {
    const item = decodeMetadataItem(bytes);
    if (!this.apply(item) && sender !== undefined) return undefined;
    return new MetadataKey(item.addr, item.generation, item.version);
  }

  /** Keeps `item` if it is newer than what we hold for its member; returns whether it did. */
  apply(item: MetadataItem): boolean {
    if (this.isGone(item)) return false;
    const known = this.items.get(item.addr);
    if (known !== undefined && compare(item, known) <= 0) return false;
    this.items.set(item.addr, item);
    this.onChange(item.addr);
    return true;
  }

  get(addr: string): MetadataItem | undefined {
    return this.items.get(addr);
  }

  /** Forgets a member's metadata (it went Down). */
  delete(addr: string): void {
    this.items.delete(addr);
  }

  get size(): number {
    return this.items.size;
  }
}
