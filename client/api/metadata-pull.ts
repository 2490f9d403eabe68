import type { Clock } from '../../shared/host/index';
import type { Mesh } from '../mesh/mesh';
import { encodeMetadataCopiesFrames, encodeMetadataWantFrame, MAX_METADATA_WANTS } from './app-frames';
import { type MetadataStore, rawItemOf } from './metadata';

/** A member held this long without its metadata is asked for. */
export const PULL_AFTER_MS = 2_000;
/** How often the missing are asked for, while any are. */
export const PULL_EVERY_MS = 1_000;
/**
 * So many members held without metadata at once is a burst: we joined (a Feed listed the room), or
 * met another half of it. Their items are one ask away at the member that listed them, and a Feed
 * has room for few of them (a quarter of a packet; signed items take ~150 bytes each), so a burst is
 * asked for after `BURST_AFTER_MS`, not `PULL_AFTER_MS`. One member missing is a join the room's own
 * paths (its link, its gossip) bring within a period or two.
 */
export const BURST_MISSING = 3;
/** How long a burst waits for the items already on their way (the same packet, the next one). */
export const BURST_AFTER_MS = 150;
/** A link's asks answered at most once per this many ms (the rest are ignored and counted). */
export const ANSWER_EVERY_MS = 500;
/** Links whose last answer time is kept; past it the oldest is forgotten. */
const MAX_ANSWERED_LINKS = 1024;

/** What the pull did, for `room.stats().metadataPull`. */
export interface MetadataPullStats {
  /** Asks we sent (`metadata-want` frames), and members named in them. */
  readonly wantsSent: number;
  readonly membersAsked: number;
  /** Asks we answered, and the frames of copies we sent (several items each). */
  readonly wantsAnswered: number;
  readonly copiesSent: number;
  /** Asks ignored: over a link's answer rate. */
  readonly wantsIgnored: number;
  /** Members held now without metadata. */
  readonly missing: number;
}

/**
 * Repairs metadata that never arrived. A member's item reaches the room as a broadcast (and directly
 * over our link to it when it comes up), but in a large room most members hold no link to each other
 * and a broadcast can miss a member for good, so a member could be listed without its metadata
 * forever (measured in Chromium: 40 members on 12 links, one member held all 40 and showed 39 for
 * 100 s). A member held `PULL_AFTER_MS` without an item is asked for, up to `MAX_METADATA_WANTS` at a
 * time, from one linked member in turn every `PULL_EVERY_MS`; the asked member answers with copies of
 * the items it holds (several per frame: one data-channel message per 8 KiB, not one per item), which the store checks as relayed copies (signed items verify, the relay window
 * applies). Nothing is sent while every held member has its metadata: a full mesh never asks.
 */
export class MetadataPull {
  readonly #missingSince = new Map<string, number>();
  readonly #answeredAt = new Map<string, number>();
  #timer: unknown;
  #burstTimer: unknown;
  /** Members that came up missing since `#windowStart` (a burst's window), and the last burst's ask. */
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowCount = 0;
  #lastBurstAt = Number.NEGATIVE_INFINITY;
  #turn = 0;
  #stopped = false;
  #wantsSent = 0;
  #membersAsked = 0;
  #wantsAnswered = 0;
  #copiesSent = 0;
  #wantsIgnored = 0;

  constructor(
    private readonly store: MetadataStore,
    private readonly mesh: Mesh,
    private readonly clock: Clock,
  ) {}

  /** A member came up: if we hold no item for it, its clock starts. */
  memberUp(addr: string): void {
    if (this.#stopped || this.store.has(addr)) return;
    if (!this.#missingSince.has(addr)) this.#missingSince.set(addr, this.clock.now());
    this.#arm();
    this.#noteBurst();
  }

  /** A member went Down: no longer asked for. */
  memberDown(addr: string): void {
    this.#missingSince.delete(addr);
  }

  /** A peer asked for items: copies of those we hold go back on its link, at most once per `ANSWER_EVERY_MS`. */
  answer(from: string, addrs: readonly string[]): void {
    if (this.#stopped) return;
    const now = this.clock.now();
    const last = this.#answeredAt.get(from);
    if (last !== undefined && now - last < ANSWER_EVERY_MS) {
      this.#wantsIgnored++;
      return;
    }
    this.#answeredAt.delete(from);
    this.#answeredAt.set(from, now);
    if (this.#answeredAt.size > MAX_ANSWERED_LINKS) {
      const oldest = this.#answeredAt.keys().next();
      if (oldest.done !== true) this.#answeredAt.delete(oldest.value);
    }
    this.#wantsAnswered++;
    const copies: Uint8Array[] = [];
    for (const addr of addrs) {
      const held = this.store.get(addr);
      const raw = held === undefined ? undefined : rawItemOf(held);
      if (raw !== undefined) copies.push(raw);
    }
    for (const frame of encodeMetadataCopiesFrames(copies)) {
      if (this.mesh.sendApp(from, frame)) this.#copiesSent += 1;
    }
  }

  stats(): MetadataPullStats {
    return {
      wantsSent: this.#wantsSent,
      membersAsked: this.#membersAsked,
      wantsAnswered: this.#wantsAnswered,
      copiesSent: this.#copiesSent,
      wantsIgnored: this.#wantsIgnored,
      missing: this.#missingSince.size,
    };
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    if (this.#burstTimer !== undefined) this.clock.clearTimeout(this.#burstTimer);
    this.#timer = undefined;
    this.#burstTimer = undefined;
  }

  /**
   * Counts a member that came up missing; the `BURST_MISSING`th within `BURST_AFTER_MS` arms a burst's
   * ask, at most one per `PULL_EVERY_MS` (a large room whose members keep coming up asks at the
   * regular pace).
   */
  #noteBurst(): void {
    const now = this.clock.now();
    if (now - this.#windowStart > BURST_AFTER_MS) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    this.#windowCount++;
    if (
      this.#windowCount < BURST_MISSING ||
      this.#burstTimer !== undefined ||
      now - this.#lastBurstAt < PULL_EVERY_MS
    ) {
      return;
    }
    this.#lastBurstAt = now;
    this.#burstTimer = this.clock.setTimeout(() => {
      this.#burstTimer = undefined;
      this.#pull(BURST_AFTER_MS);
    }, BURST_AFTER_MS);
  }

  // One timer while anyone is missing; none otherwise (no wake-ups in a room at rest).
  #arm(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pull(PULL_AFTER_MS);
      if (this.#missingSince.size > 0) this.#arm();
    }, PULL_EVERY_MS);
  }

  /** Asks one linked member, in turn, for those missing `age` ms or more (the regular pull or a burst's). */
  #pull(age: number): void {
    if (this.#stopped) return;
    const now = this.clock.now();
    const due: string[] = [];
    for (const [addr, since] of this.#missingSince) {
      if (this.store.has(addr)) this.#missingSince.delete(addr);
      else if (now - since >= age && due.length < MAX_METADATA_WANTS) due.push(addr);
    }
    const peers = this.mesh.openPeers();
    if (due.length === 0 || peers.length === 0) return;
    const peer = peers[this.#turn++ % peers.length]!;
    if (this.mesh.sendApp(peer, encodeMetadataWantFrame(due))) {
      this.#wantsSent++;
      this.#membersAsked += due.length;
    }
  }
}
