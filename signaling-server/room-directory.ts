import type { ErrorReason, PeerAddr, SignalDelivery } from '../shared/signaling/index';
import type { SignalingSocket } from './types';

export type JoinOutcome =
  | {
      readonly ok: true;
      readonly peers: PeerAddr[];
      readonly replaced: boolean;
      /** Members of the room with the joiner (on this instance's view of the cluster). */
      readonly size: number;
    }
  | {
      readonly ok: false;
      readonly reason: Extract<ErrorReason, 'room-full' | 'server-full'>;
      readonly message: string;
    };

export interface JoinLimits {
  readonly maxMembersPerRoom: number;
  readonly maxRooms: number;
  /** K: how many random other members to answer with. */
  readonly bootstrapPeers: number;
}

/**
 * Who is in which room, and how to reach them. Soft state only: it is rebuilt by clients joining
 * again after a restart. One implementation per deployment: in memory for one process, or through
 * socket.io's Redis adapter for several.
 */
export interface RoomDirectory {
  /**
   * Adds `socket` to `room` under `addr` and answers with up to K random other members. An entry with
   * the same addr from another socket (a reloaded tab) is replaced. A socket already in the room under
   * another addr is moved to the new one. Refusals change nothing.
   */
  join(socket: SignalingSocket, room: string, addr: PeerAddr, limits: JoinLimits): Promise<JoinOutcome>;
  /** Removes `socket` from `room`; false (and nothing changes) when it was not a member. */
  leave(socket: SignalingSocket, room: string): Promise<boolean>;
  /** Removes `socket` from all its rooms; used on disconnect. */
  leaveAll(socket: SignalingSocket): void;
  /** The addr `socket` joined `room` with, or undefined when it is not a member. Doesn't change state. */
  addrOf(socket: SignalingSocket, room: string): PeerAddr | undefined;
  /** How many rooms `socket` is a member of. Doesn't change state. */
  roomCountOf(socket: SignalingSocket): number;
  /** Emits `delivery` to the member `to` of `room`; false when there is no such member. */
  deliver(room: string, to: PeerAddr, delivery: SignalDelivery): Promise<boolean>;
  /** Rooms and memberships held by this process, for metrics. Doesn't change state. */
  localStats(): { rooms: number; members: number };
}

/** Picks up to `k` distinct items uniformly at random, without copying a large input. */
export function sampleDistinct<T>(items: readonly T[], k: number, random: () => number): T[] {
  const n = items.length;
  if (k * 2 >= n) return shuffle([...items], random).slice(0, k);
  // k is far below n: pick indices by rejection, O(k) expected, without copying a large room.
  const picked = new Set<number>();
  const out: T[] = [];
  while (out.length < k) {
    const i = Math.floor(random() * n);
    if (picked.has(i)) continue;
    picked.add(i);
    out.push(items[i]!);
  }
  return out;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
