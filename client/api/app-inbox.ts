import type { BrowserIdentity, Member } from '../../shared/swim/index';
import { MAX_FRAME_PAYLOAD_BYTES } from '../mesh/limits';
import { decodeAppFrame } from './app-frames';
import { decodeMetadataItem, type MetadataItem, type MetadataStore } from './metadata';
import type { RoomMessage } from './room-events';

/** Per-link bounds on app frames (`RoomLimits`); each has a default. */
export interface AppInboxLimits {
  /** App frames taken per second from one link, on average (a token bucket). Default 100. */
  readonly messagesPerSecond: number;
  /** Frames one link may send at once above that rate (the bucket's size). Default 200. */
  readonly messageBurst: number;
  /** Largest app frame taken, in bytes. Default: a whole data-channel frame's payload. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_APP_INBOX_LIMITS: AppInboxLimits = {
  messagesPerSecond: 100,
  messageBurst: 200,
  maxMessageBytes: MAX_FRAME_PAYLOAD_BYTES,
};

/** What the inbox dropped, for `room.stats()`. */
export interface AppInboxStats {
  /** Frames that were malformed or spoofed. */
  readonly appDropped: number;
  /** Frames over a link's rate (`messagesPerSecond`, `messageBurst`). */
  readonly appRateLimited: number;
  /** Frames over `maxMessageBytes`. */
  readonly appTooBig: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Links whose buckets are kept; past it the oldest is forgotten (a full bucket again, harmless). */
const MAX_BUCKETS = 1024;

/**
 * Routes the app frames that arrive on data channels: app messages go to the room's `message` event,
 * metadata sent directly by a member goes to the metadata store. Bounds what one link can make us
 * handle (a size cap and a token bucket per link: DESIGN.md §9) and counts what it drops: frames that
 * don't parse, metadata that claims to be another member's (only a member speaks for its own
 * metadata directly; relayed copies come as broadcasts, checked by the core), and frames over a bound.
 */
export class AppInbox {
  private droppedFrames = 0;
  private rateLimited = 0;
  private tooBig = 0;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly onMessage: (message: RoomMessage) => void,
    /** After a direct metadata item was taken. */
    private readonly onMetadata: () => void,
    private readonly limits: AppInboxLimits = DEFAULT_APP_INBOX_LIMITS,
    /** Monotonic ms, for the buckets. */
    private readonly now: () => number = () => 0,
  ) {}

  /** Asks for metadata copies (`metadata-want`) go here; none: they are ignored. */
  onWant: ((from: string, addrs: readonly string[]) => void) | undefined;

  /**
   * Takes a metadata item that came on `from`'s link through the core, so it is passed on by gossip
   * like one in `from`'s packets (the host's `relayBroadcast`); returns whether it was taken. None:
   * the store takes it and nobody else hears of it from us.
   */
  relayMetadata: ((bytes: Uint8Array, from: string) => boolean) | undefined;

  /** A linked member's notice that its page is reloading (`reloading`) goes here; none: ignored. */
  onReloading: ((from: string) => void) | undefined;

  /** Frames dropped because they were malformed or spoofed. */
  get dropped(): number {
    return this.droppedFrames;
  }

  stats(): AppInboxStats {
    return { appDropped: this.droppedFrames, appRateLimited: this.rateLimited, appTooBig: this.tooBig };
  }

  /** Handles one app frame from the member `from`. */
  receive(from: string, bytes: Uint8Array): void {
    // Checked before parsing: a flood costs a size check and a bucket, not a JSON parse.
    if (bytes.length > this.limits.maxMessageBytes) {
      this.tooBig++;
      return;
    }
    if (!this.take(from)) {
      this.rateLimited++;
      return;
    }
    const frame = decodeAppFrame(bytes);
    if (frame === undefined) {
      this.droppedFrames++;
      return;
    }
    switch (frame.kind) {
      case 'message':
        this.onMessage({ from, data: frame.data });
        return;
      case 'metadata-want':
        this.onWant?.(from, frame.addrs);
        return;
      case 'metadata':
        this.takeMetadata(from, [frame.item], true);
        return;
      case 'metadata-copies':
        this.takeMetadata(from, frame.items, false);
        return;
      case 'reloading':
        this.onReloading?.(from);
        return;
    }
  }

  /**
   * Takes metadata items that came on `from`'s link: `direct` ones must be the sender's own (only a
   * member speaks for its own metadata directly); copies (answers to our asks) are the sender's own
   * word when they are its items, else relayed copies, checked as a broadcast's would be (see
   * `MetadataStore`). A malformed or spoofed item is counted and skipped.
   */
  private takeMetadata(from: string, items: readonly Uint8Array[], direct: boolean): void {
    let taken = false;
    for (const bytes of items) {
      try {
        const item = decodeMetadataItem(bytes);
        const own = item.addr === from;
        if (direct && !own) {
          this.droppedFrames++;
          continue;
        }
        if (this.relayMetadata === undefined) this.metadata.apply(item, own, from);
        else this.relayMetadata(bytes, from);
        taken = true;
      } catch {
        this.droppedFrames++;
      }
    }
    if (taken) this.onMetadata();
  }

  /** Takes a token from `from`'s bucket; false when it is empty. */
  private take(from: string): boolean {
    const { messagesPerSecond, messageBurst } = this.limits;
    const now = this.now();
    let b = this.buckets.get(from);
    if (b === undefined) {
      b = { tokens: messageBurst, at: now };
      this.buckets.set(from, b);
      if (this.buckets.size > MAX_BUCKETS) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    } else {
      b.tokens = Math.min(messageBurst, b.tokens + ((now - b.at) * messagesPerSecond) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }
}

/**
 * The metadata store's check that an item's member (that life of it) is known Down: its items are
 * dropped, so metadata of departed members neither lingers nor keeps circulating. `lookup` reads the
 * core's record of a member (lazily: the store is built before the host that uses it).
 */
export function isGoneMember(
  lookup: (addr: string) => Member<BrowserIdentity> | undefined,
): (item: MetadataItem) => boolean {
  return (item) => {
    const m = lookup(item.addr);
    return m !== undefined && m.state === 'down' && m.id.generation >= item.generation;
  };
}
