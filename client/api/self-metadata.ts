import type { Clock } from '../../shared/host/index';
import type { Mesh } from '../mesh/mesh';
import type { SwimHost } from '../runtime/swim-host';
import { encodeMetadataFrame } from './app-frames';
import { encodeMetadataItem, encodeMetadataJson, type Metadata, type MetadataKey } from './metadata';

/** At most one metadata broadcast per this many ms; the latest value wins. */
export const PUBLISH_INTERVAL_MS = 100;

/** At most one direct re-send of our metadata to every link per this many ms (see `reassert`). */
export const REASSERT_INTERVAL_MS = 1000;

/**
 * Our own metadata and how it gets out: each change is a new version, queued as a custom broadcast
 * (throttled) that the core spreads and older versions drop out of the backlog; members that just came
 * up, or reloaded, get the current version directly on their data channel, since broadcasts that went
 * out before they joined will never reach them.
 */
export class SelfMetadata<M extends Metadata> {
  private value: M;
  private json: Uint8Array;
  private item: Uint8Array = new Uint8Array(0);
  private version = 0;
  private lastPublish = Number.NEGATIVE_INFINITY;
  private handle: unknown;
  private stopped = false;
  private lastReassert = Number.NEGATIVE_INFINITY;
  /** Members that have not had our metadata directly yet. */
  private readonly owed = new Set<string>();

  constructor(
    initial: M,
    private readonly host: SwimHost<MetadataKey>,
    private readonly mesh: Mesh,
    private readonly clock: Clock,
    /** Signs our items (signed statements on: `metadataAuth`); unsigned without. */
    private readonly sign?: (bytes: Uint8Array) => Uint8Array,
  ) {
    this.value = initial;
    this.json = encodeMetadataJson(initial);
  }

  get current(): M {
    return this.value;
  }

  /**
   * Merges `partial` in and schedules a broadcast. Throws `MetadataError` (changing nothing) when the
   * result is not a JSON object of at most 512 bytes.
   */
  merge(partial: Partial<M>): void {
    const next = { ...this.value, ...partial } as M;
    const json = encodeMetadataJson(next);
    this.value = next;
    this.json = json;
    if (this.handle !== undefined) return;
    const wait = this.lastPublish + PUBLISH_INTERVAL_MS - this.clock.now();
    if (wait <= 0) {
      this.publish();
      return;
    }
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      if (!this.stopped) this.publish();
    }, wait);
  }

  /** Queues the current value as a new version now (also after a rejoin: the generation changed). */
  publish(): void {
    this.version++;
    this.lastPublish = this.clock.now();
    this.item = encodeMetadataItem(this.host.identity, this.version, this.json, this.sign);
    this.host.publishBroadcast(this.item);
  }

  /** `addr` needs our metadata directly (it just came up or reloaded); sent as soon as a link is open. */
  owe(addr: string): void {
    this.owed.add(addr);
    this.sendOwed(addr);
  }

  /** Sends what we owe `addr` if its link is open (call on peer-open). */
  sendOwed(addr: string): void {
    if (!this.owed.has(addr) || !this.mesh.isOpen(addr)) return;
    if (this.mesh.sendApp(addr, encodeMetadataFrame(this.item))) this.owed.delete(addr);
  }

  /**
   * Someone relayed an item about us that we never sent (a forgery, or a life of ours long gone):
   * sends our current item directly to every linked member, where a member's own word beats relayed
   * copies (see `MetadataStore`). At most once per `REASSERT_INTERVAL_MS`; deferred out of the core
   * call that found the forgery.
   */
  reassert(): void {
    const now = this.clock.now();
    if (this.stopped || now - this.lastReassert < REASSERT_INTERVAL_MS) return;
    this.lastReassert = now;
    this.clock.setTimeout(() => {
      if (this.stopped) return;
      for (const addr of this.mesh.openPeers()) this.owe(addr);
    }, 0);
  }

  forget(addr: string): void {
    this.owed.delete(addr);
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
  }
}
