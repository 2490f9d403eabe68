import type { BroadcastHandler, Invalidates } from './broadcast';
import type { Codec } from './codec';
import { type CustomBroadcastLimits, CustomBroadcasts, RETAINED_BROADCASTS } from './custom-broadcasts';
import { EncodeError } from './errors';
import { feedCandidates, type KeyedRecord, nextCursor } from './feed-page';
import type { Identity } from './identity';
import type { Incarnation, Member } from './member';
import type { MemberRecord, Members } from './members';
import { encodedHeaderSize, PacketEncoder } from './packet';
import type { Header, Message, MessageType } from './payload';
import type { Rng } from './rng';
import type { Runtime } from './runtime';
import { UpdateBacklog } from './update-backlog';

/** Messages that carry the update backlog (or, for a Feed, active members). */
export function carriesMembers(type: MessageType): boolean {
  return type !== 'announce' && type !== 'turn-undead' && type !== 'broadcast';
}

function allowsCustomBroadcasts(type: MessageType): boolean {
  return type !== 'announce' && type !== 'turn-undead';
}

/** `rec`'s signed Alive when it proves the incarnation we hold, else undefined. */
export function provenAlive<T extends Identity>(rec: MemberRecord<T>): Member<T> | undefined {
  const alive = rec.signedAlive;
  return alive !== undefined && alive.incarnation === rec.incarnation ? alive : undefined;
}

/** Whatever the codec threw while writing (`RangeError` for a field out of range), the host sees `EncodeError`. */
export function asEncodeError(e: unknown): EncodeError {
  if (e instanceof EncodeError) return e;
  return new EncodeError(e instanceof Error ? e.message : String(e), { cause: e });
}

/** Who we are right now: the header's source. */
export interface Sender<T extends Identity> {
  readonly identity: T;
  readonly incarnation: Incarnation;
}

/**
 * What goes into a packet, as foca's `send_message`: the header, then piggybacked membership
 * updates (or active members, for a Feed), then custom broadcasts (for a Feed, then retained ones),
 * never over `maxPacketSize`.
 * Owns the two dissemination backlogs and one reused encoder; decides nothing about state.
 */
export class Outbox<T extends Identity, K extends Invalidates> {
  readonly updates: UpdateBacklog<T>;
  readonly customs: CustomBroadcasts<K>;
  private encoder: PacketEncoder<T>;
  private readonly sample: T[] = [];
  /**
   * With statements (statements.ts): a Feed lists only members whose own proof we hold, since
   * everyone would drop the others. Set by the core.
   */
  signedOnly = false;

  constructor(
    private readonly codec: Codec<T>,
    maxPacketSize: number,
    private readonly handler: BroadcastHandler<T, K> | undefined,
    private readonly dataNotifications: boolean,
    limits?: CustomBroadcastLimits,
  ) {
    this.customs = new CustomBroadcasts<K>(RETAINED_BROADCASTS, limits);
    this.updates = new UpdateBacklog(codec);
    this.encoder = new PacketEncoder(codec, maxPacketSize);
  }

  get maxPacketSize(): number {
    return this.encoder.maxPacketSize;
  }

  set maxPacketSize(size: number) {
    if (size !== this.encoder.maxPacketSize) this.encoder = new PacketEncoder(this.codec, size);
  }

  /**
   * The largest custom broadcast that fits a packet from `from`: after a header (sized with our own
   * identity as the destination), an empty member count and the item's length prefix.
   */
  broadcastRoom(from: Sender<T>): number {
    const header: Header<T> = {
      src: from.identity,
      srcIncarnation: from.incarnation,
      dst: from.identity,
      message: { type: 'gossip' },
    };
    let size: number;
    try {
      size = encodedHeaderSize(this.codec, header);
    } catch (e) {
      throw asEncodeError(e);
    }
    return this.maxPacketSize - size - 2 - 2;
  }

  /** Bytes `member` takes on the wire. Throws `EncodeError` if the codec can't write it; changes nothing. */
  measure(member: Member<T>): number {
    try {
      return this.updates.measure(member);
    } catch (e) {
      throw asEncodeError(e);
    }
  }

  /**
   * Sends `message` to `dst` with the update backlog (after `intro` and `extra`, if given) and custom
   * broadcasts. Throws `EncodeError` if the header can't be encoded (nothing was sent or counted).
   */
  send(
    from: Sender<T>,
    dst: T,
    message: Message<T>,
    runtime: Runtime<T>,
    extra?: Member<T>,
    intro?: Member<T>,
  ): void {
    const header: Header<T> = { src: from.identity, srcIncarnation: from.incarnation, dst, message };
    this.begin(header);
    if (carriesMembers(message.type)) {
      if (intro !== undefined) this.encoder.tryAddMember(intro);
      if (extra !== undefined) this.encoder.tryAddMember(extra);
      this.updates.fill(this.encoder);
    }
    this.finishAndSend(header, runtime);
  }

  /**
   * Sends a Feed to `dst`: for cursor 0 (answering an Announce) a random sample of active members,
   * as foca, with next = 1 when not all fit (keeping room for retained custom broadcasts);
   * otherwise the page of members from `cursor` on in feed-key order, with next = the key of the
   * first member left out (0 on the last page). `intro` (the sender's own signed Alive) goes first.
   * With `listMembers` false, a Feed of no members (next = 0), and with `repairItems` false, one without
   * retained custom broadcasts: the answer to a periodic announce that holds them already (protocol 1.6).
   */
  sendFeed(
    from: Sender<T>,
    dst: T,
    cursor: number,
    table: Members<T>,
    rng: Rng,
    runtime: Runtime<T>,
    intro?: Member<T>,
    listMembers = true,
    repairItems = true,
  ): void {
    let candidates: KeyedRecord<T>[] | MemberRecord<T>[];
    let total: number;
    if (!listMembers) {
      candidates = [];
      total = 0;
    } else if (cursor === 0) {
      const records: MemberRecord<T>[] = [];
      table.chooseActive(
        this.estimateFeedCapacity(from, dst),
        this.sample,
        rng,
        (id) => id.addr !== dst.addr,
      );
      for (const id of this.sample) {
        const rec = table.get(id.addr);
        if (rec !== undefined) records.push(rec);
      }
      this.sample.length = 0;
      candidates = records;
      total = table.numActive - (table.isActive(dst) ? 1 : 0);
    } else {
      candidates = feedCandidates(table.iterActive(), cursor, dst.addr);
      total = candidates.length;
    }
    const recordAt = (i: number): MemberRecord<T> => {
      const c = candidates[i]!;
      return 'rec' in c ? c.rec : c;
    };
    const reserve = cursor === 0 && repairItems ? this.repairReserve(dst) : 0;
    // With statements a member is listed as its own signed Alive at the incarnation we hold (Suspect
    // too): a lower one would make the receiver refuse accusations at ours. One we can't prove is
    // passed over, not a reason to end the page.
    const fits = (rec: MemberRecord<T>): boolean => {
      const entry = this.signedOnly ? provenAlive(rec) : rec;
      return (
        entry === undefined ||
        ((reserve === 0 || this.encoder.remaining - this.updates.measure(entry) >= reserve) &&
          this.encoder.tryAddMember(entry))
      );
    };
    const fill = (next: number): { header: Header<T>; fit: number } => {
      const header: Header<T> = {
        src: from.identity,
        srcIncarnation: from.incarnation,
        dst,
        message: { type: 'feed', next },
      };
      this.begin(header);
      if (intro !== undefined) this.encoder.tryAddMember(intro);
      let fit = 0;
      while (fit < candidates.length && fits(recordAt(fit))) fit++;
      return { header, fit };
    };
    // `next` is a fixed-size field: encode with a placeholder, then again with the real value.
    const placeholder = 1;
    let { header, fit } = fill(placeholder);
    const next =
      cursor === 0 ? (fit < total ? 1 : 0) : nextCursor(candidates as KeyedRecord<T>[], fit, cursor);
    if (next !== placeholder) ({ header, fit } = fill(next));
    this.finishAndSend(header, runtime, repairItems);
  }

  /** Bytes a packet of `message` to `dst` has for members: what its header and member count leave. */
  memberRoom(from: Sender<T>, dst: T, message: Message<T>): number {
    const header: Header<T> = { src: from.identity, srcIncarnation: from.incarnation, dst, message };
    try {
      return this.maxPacketSize - encodedHeaderSize(this.codec, header) - 2;
    } catch (e) {
      throw asEncodeError(e);
    }
  }

  /**
   * Sends `message` to `dst` carrying `records[start, start + count)` in place of the update backlog
   * (anti-entropy's pages; size them with `memberRoom` and `measure`: those that don't fit are left
   * out). Throws `EncodeError` if the header can't be encoded (nothing sent).
   */
  sendRecords(
    from: Sender<T>,
    dst: T,
    message: Message<T>,
    records: readonly Member<T>[],
    start: number,
    count: number,
    runtime: Runtime<T>,
  ): void {
    const header: Header<T> = { src: from.identity, srcIncarnation: from.incarnation, dst, message };
    this.begin(header);
    const end = Math.min(records.length, start + count);
    for (let i = start; i < end && this.encoder.tryAddMember(records[i]!); i++);
    this.finishAndSend(header, runtime);
  }

  /**
   * Room page 0 of a Feed keeps for retained custom broadcasts: what they take, at most a quarter of
   * the packet. Shoal: that page is the only Feed a periodic announce brings, and in a cluster too big
   * for one packet its members would leave no room; a joiner loses nothing, as it walks every page
   * from cursor 1 anyway.
   */
  private repairReserve(dst: T): number {
    if (this.customs.retainedSize === 0) return 0;
    const should = this.handler?.shouldAddBroadcastData;
    if (should !== undefined && !should.call(this.handler, dst)) return 0;
    return Math.min(this.customs.retainedBytes, Math.floor(this.maxPacketSize / 4));
  }

  private begin(header: Header<T>): void {
    try {
      this.encoder.begin(header);
    } catch (e) {
      throw asEncodeError(e);
    }
  }

  private finishAndSend(header: Header<T>, runtime: Runtime<T>, repairItems = true): void {
    const customs = this.customs;
    const type = header.message.type;
    // Shoal: a Feed also carries retained items in the room its members left, repairing a member no
    // holder picked (see PROTOCOL.md, "Custom broadcast repair").
    const repair = type === 'feed' && repairItems && customs.retainedSize > 0;
    if ((customs.size > 0 && allowsCustomBroadcasts(type)) || repair) {
      const should = this.handler?.shouldAddBroadcastData;
      if (should === undefined || should.call(this.handler, header.dst)) {
        const active = customs.size > 0;
        if (active) customs.fill(this.encoder);
        if (repair) customs.fillRetained(this.encoder, active);
      }
    }
    runtime.sendTo(header.dst, this.encoder.finish());
    if (this.dataNotifications) runtime.notify({ type: 'data-sent', header });
  }

  // Foca's estimate: as many members as our own would take, at least 5; the encoder has the last word.
  private estimateFeedCapacity(from: Sender<T>, dst: T): number {
    const perMember = Math.max(
      1,
      this.measure({ id: from.identity, incarnation: from.incarnation, state: 'alive' }),
    );
    const headerAndCount = this.measure({ id: dst, incarnation: 0, state: 'alive' }) * 2 + 8;
    return Math.max(5, Math.ceil((this.maxPacketSize - headerAndCount) / perMember) + 1);
  }
}
