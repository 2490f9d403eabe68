import type { BroadcastHandler, Invalidates } from '../broadcast';
import type { TestId } from './test-id';

/** foca's test key: (key, version); a higher version of the same key invalidates the lower. */
export class VersionedKey implements Invalidates {
  constructor(
    readonly key: number,
    readonly version: number,
  ) {}

  invalidates(other: VersionedKey): boolean {
    return this.key === other.key && this.version > other.version;
  }

  /** 4-byte key then 2-byte version. */
  bytes(): Uint8Array {
    const out = new Uint8Array(6);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.key);
    dv.setUint16(4, this.version);
    return out;
  }

  static parse(data: Uint8Array): VersionedKey {
    if (data.length !== 6) throw new Error(`a versioned key is 6 bytes, got ${data.length}`);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return new VersionedKey(dv.getUint32(0), dv.getUint16(4));
  }
}

/**
 * Keeps the latest version per key; an item is new information only if its version is higher.
 * Never attaches broadcasts to messages for the members in `skip`.
 */
export class VersionedHandler implements BroadcastHandler<TestId, VersionedKey> {
  readonly versions = new Map<number, number>();
  readonly received: Array<{ key: number; version: number; sender: string | undefined }> = [];
  constructor(readonly skip: ReadonlySet<string> = new Set()) {}

  receiveItem(item: Uint8Array, sender: TestId | undefined): VersionedKey | undefined {
    const k = VersionedKey.parse(item);
    this.received.push({ key: k.key, version: k.version, sender: sender?.toString() });
    const known = this.versions.get(k.key);
    if (known !== undefined && known >= k.version) return undefined;
    this.versions.set(k.key, k.version);
    return k;
  }

  shouldAddBroadcastData(member: TestId): boolean {
    return !this.skip.has(member.addr);
  }
}
