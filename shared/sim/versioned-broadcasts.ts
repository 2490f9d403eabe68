import type { BroadcastHandler, Identity, Invalidates } from '../swim/index';

/** The key of a versioned value: a newer version of the same key makes an older one obsolete. */
export class VersionKey implements Invalidates {
  constructor(
    readonly key: number,
    readonly version: number,
  ) {}

  invalidates(other: VersionKey): boolean {
    return other.key === this.key && this.version > other.version;
  }
}

/** Bytes of a versioned item: u16 key, u32 version, then `padding` zero bytes (to model bigger payloads). */
export function encodeVersioned(key: number, version: number, padding = 0): Uint8Array {
  const out = new Uint8Array(6 + padding);
  out[0] = key >> 8;
  out[1] = key & 0xff;
  out[2] = version >>> 24;
  out[3] = (version >>> 16) & 0xff;
  out[4] = (version >>> 8) & 0xff;
  out[5] = version & 0xff;
  return out;
}

/**
 * A member's store of versioned values (the shape of presence metadata): keeps the newest version per
 * key and disseminates only what is newer than what it holds. Items are u16 key + u32 version (+ bytes).
 */
export class VersionedStore<T extends Identity> implements BroadcastHandler<T, VersionKey> {
  readonly versions = new Map<number, number>();

  /** Called when a newer version is taken (by `addBroadcast` or from the network). */
  constructor(private readonly onNewer?: (key: number, version: number) => void) {}

  receiveItem(item: Uint8Array): VersionKey | undefined {
    if (item.length < 6) throw new RangeError(`versioned item needs 6 bytes, got ${item.length}`);
    const key = (item[0]! << 8) | item[1]!;
    const version = ((item[2]! << 24) | (item[3]! << 16) | (item[4]! << 8) | item[5]!) >>> 0;
    const known = this.versions.get(key);
    if (known !== undefined && known >= version) return undefined;
    this.versions.set(key, version);
    this.onNewer?.(key, version);
    return new VersionKey(key, version);
  }
}
