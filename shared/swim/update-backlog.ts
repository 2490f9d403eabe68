import type { Codec } from './codec';
import type { Identity } from './identity';
import type { Member } from './member';
import { encodedMemberSize, type PacketEncoder } from './packet';

interface Entry<T extends Identity> {
  member: Member<T>;
  size: number;
  remaining: number;
  sent: number;
}

/**
 * Least sent first, then the largest. With one transmission budget for all this is foca's order
 * (most remaining first); with larger budgets for some updates (joins), a fresh update still goes
 * before an older one that merely has more sends left.
 */
function byPriority<T extends Identity>(a: Entry<T>, b: Entry<T>): number {
  return a.sent - b.sent || b.size - a.size;
}

/**
 * Membership updates waiting to be piggybacked, at most one per addr (a newer update about an addr
 * replaces the older one). Each is sent `maxTransmissions` times, then dropped.
 */
export class UpdateBacklog<T extends Identity> {
  private readonly byAddr = new Map<string, Entry<T>>();
  private entries: Entry<T>[] = [];
  private minSize = Number.POSITIVE_INFINITY;
  // Sorting waits for the next fill: a join can queue a thousand updates between two sends.
  private dirty = false;

  constructor(private readonly codec: Codec<T>) {}

  get size(): number {
    return this.entries.length;
  }

  /**
   * Bytes `member` takes on the wire. Throws (`RangeError`) for one the codec can't encode; call it
   * before changing any state, so a failed encode changes nothing.
   */
  measure(member: Member<T>): number {
    return encodedMemberSize(this.codec, member);
  }

  /** Queues `member` for `maxTransmissions` sends, replacing any update about the same addr. */
  add(member: Member<T>, size: number, maxTransmissions: number): void {
    const old = this.byAddr.get(member.id.addr);
    if (old !== undefined) {
      old.member = member;
      old.size = size;
      old.remaining = maxTransmissions;
      old.sent = 0;
    } else {
      const entry: Entry<T> = { member, size, remaining: maxTransmissions, sent: 0 };
      this.byAddr.set(member.id.addr, entry);
      this.entries.push(entry);
    }
    if (size < this.minSize) this.minSize = size;
    this.dirty = true;
  }

  /** Drops the update about `addr`, if one is queued. */
  remove(addr: string): void {
    const entry = this.byAddr.get(addr);
    if (entry === undefined) return;
    this.byAddr.delete(addr);
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /**
   * Adds as many updates to the packet as fit, in priority order (skipping those too big for the
   * space left), counts one transmission for each and drops those with none left. Returns how many.
   */
  fill(encoder: PacketEncoder<T>): number {
    if (this.entries.length === 0) return 0;
    if (this.dirty) {
      this.entries.sort(byPriority);
      this.dirty = false;
    }
    const list = this.entries;
    let taken = 0;
    let exhausted = false;
    for (let i = 0; i < list.length; i++) {
      if (encoder.remaining < this.minSize) break;
      const e = list[i]!;
      if (e.size > encoder.remaining || !encoder.tryAddMember(e.member)) continue;
      taken++;
      e.sent++;
      if (--e.remaining === 0) exhausted = true;
    }
    if (taken === 0) return 0;
    if (exhausted) {
      let min = Number.POSITIVE_INFINITY;
      this.entries = list.filter((e) => {
        if (e.remaining > 0) {
          if (e.size < min) min = e.size;
          return true;
        }
        this.byAddr.delete(e.member.id.addr);
        return false;
      });
      this.minSize = min;
    }
    this.entries.sort(byPriority);
    return taken;
  }

  /** The queued updates, highest priority (least sent) first (for tests and inspection). */
  peek(): ReadonlyArray<{ readonly member: Member<T>; readonly remaining: number }> {
    if (this.dirty) {
      this.entries.sort(byPriority);
      this.dirty = false;
    }
    return this.entries;
  }
}
