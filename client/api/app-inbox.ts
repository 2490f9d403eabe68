import type { BrowserIdentity, Member } from '../../shared/swim/index';
import { decodeAppFrame } from './app-frames';
import { decodeMetadataItem, type MetadataItem, type MetadataStore } from './metadata';
import type { RoomMessage } from './room-events';

/**
 * Routes the app frames that arrive on data channels: app messages go to the room's `message` event,
 * metadata sent directly by a member goes to the metadata store. Counts what it drops: frames that
 * don't parse, and metadata that claims to be another member's (only a member speaks for its own
 * metadata directly; relayed copies come as broadcasts, checked by the core).
 */
export class AppInbox {
  private droppedFrames = 0;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly onMessage: (message: RoomMessage) => void,
    /** After a direct metadata item was taken. */
    private readonly onMetadata: () => void,
  ) {}

  /** Frames dropped because they were malformed or spoofed. */
  get dropped(): number {
    return this.droppedFrames;
  }

  /** Handles one app frame from the member `from`. */
  receive(from: string, bytes: Uint8Array): void {
    const frame = decodeAppFrame(bytes);
    if (frame === undefined) {
      this.droppedFrames++;
      return;
    }
    if (frame.kind === 'message') {
      this.onMessage({ from, data: frame.data });
      return;
    }
    try {
      const item = decodeMetadataItem(frame.item);
      if (item.addr !== from) {
        this.droppedFrames++;
        return;
      }
      this.metadata.apply(item);
      this.onMetadata();
    } catch {
      this.droppedFrames++;
    }
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
