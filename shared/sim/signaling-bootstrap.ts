import type { Rng } from '../swim/index';

/** Bootstrap peers handed to a new tab, as the signaling server does (DESIGN §4). */
export const BOOTSTRAP_PEERS = 4;

/**
 * The signaling server's part in a cold start, reduced to what the cluster sees: it remembers which
 * members joined the room and hands each newcomer up to `BOOTSTRAP_PEERS` random ones. A crashed or
 * departed tab's socket closes, so it leaves the room; a hung tab's socket stays open, so it stays.
 */
export class SignalingBootstrap {
  private readonly room: number[] = [];
  private readonly position = new Map<number, number>();

  constructor(
    private readonly rng: Rng,
    private readonly peers = BOOTSTRAP_PEERS,
    /**
     * How a joiner's peers are chosen: given the joiner and how many, the members to hand it (of
     * the room, itself excluded), or undefined for random ones. Default: random, as the server does.
     */
    private readonly choose?: (member: number, want: number) => number[] | undefined,
  ) {}

  /** Members in the room. */
  get size(): number {
    return this.room.length;
  }

  /** Adds `member` to the room and returns up to `peers` other members already in it (random, or as `choose` says). */
  join(member: number): number[] {
    const want = Math.min(this.peers, this.room.length - (this.position.has(member) ? 1 : 0));
    const picked = this.choose?.(member, want) ?? this.sample(member);
    if (!this.position.has(member)) {
      this.position.set(member, this.room.length);
      this.room.push(member);
    }
    return picked;
  }

  /** Up to `peers` random members of the room other than `member`. Doesn't change the room. */
  sample(member: number): number[] {
    const room = this.room;
    const others = room.length - (this.position.has(member) ? 1 : 0);
    const want = Math.min(this.peers, others);
    const picked: number[] = [];
    // Rejection sampling: `want` is tiny next to the room.
    while (picked.length < want) {
      const m = room[Math.min(room.length - 1, Math.floor(this.rng.next() * room.length))]!;
      if (m !== member && !picked.includes(m)) picked.push(m);
    }
    return picked;
  }

  /** Removes `member` from the room (its socket closed). */
  leave(member: number): void {
    const pos = this.position.get(member);
    if (pos === undefined) return;
    const last = this.room.pop()!;
    if (last !== member) {
      this.room[pos] = last;
      this.position.set(last, pos);
    }
    this.position.delete(member);
  }
}
