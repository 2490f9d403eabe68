import type { PeerAddr, SignalDelivery } from '../shared/signaling/index';
import { type JoinLimits, type JoinOutcome, type RoomDirectory, sampleDistinct } from './room-directory';
import type { SignalingSocket } from './types';

interface Room {
  /** Member addrs in a dense array, so sampling is O(K) and removal is a swap with the last. */
  readonly addrs: PeerAddr[];
  readonly members: Map<PeerAddr, { socket: SignalingSocket; index: number }>;
}

/**
 * The single-process directory: rooms in memory, bounded by the connection and room limits.
 * Joins are O(K), leaves O(1).
 */
export class LocalRoomDirectory implements RoomDirectory {
  private readonly rooms = new Map<string, Room>();
  /** For each socket id: room → the addr it joined with. */
  private readonly memberships = new Map<string, Map<string, PeerAddr>>();
  private memberCount = 0;

  constructor(private readonly random: () => number) {}

  async join(
    socket: SignalingSocket,
    roomName: string,
    addr: PeerAddr,
    limits: JoinLimits,
  ): Promise<JoinOutcome> {
    const room = this.rooms.get(roomName);
    const existing = room?.members.get(addr);
    const replacing = existing !== undefined && existing.socket.id !== socket.id;
    const rejoining = existing !== undefined && existing.socket.id === socket.id;
    const ownOldAddr = this.addrOf(socket, roomName);
    const movingAddr = ownOldAddr !== undefined && ownOldAddr !== addr;
    if (room === undefined && this.rooms.size >= limits.maxRooms) {
      return {
        ok: false,
        reason: 'server-full',
        message: `the server holds its limit of ${limits.maxRooms} rooms`,
      };
    }
    const othersAfter = (room?.addrs.length ?? 0) - (existing !== undefined ? 1 : 0) - (movingAddr ? 1 : 0);
    if (othersAfter >= limits.maxMembersPerRoom) {
      return {
        ok: false,
        reason: 'room-full',
        message: `room ${roomName} has its limit of ${limits.maxMembersPerRoom} members`,
      };
    }
    if (replacing) this.remove(existing.socket.id, roomName, addr);
    if (movingAddr) this.remove(socket.id, roomName, ownOldAddr);
    const target = this.rooms.get(roomName) ?? this.openRoom(roomName);
    const others = rejoining ? target.addrs.filter((a) => a !== addr) : target.addrs;
    const peers = sampleDistinct(others, limits.bootstrapPeers, this.random);
    const size = others.length + 1; // before the insert: `others` may be the room's own list
    if (!rejoining) this.insert(socket, target, roomName, addr);
    return { ok: true, peers, replaced: replacing, size };
  }

  async leave(socket: SignalingSocket, roomName: string): Promise<boolean> {
    const addr = this.addrOf(socket, roomName);
    if (addr === undefined) return false;
    this.remove(socket.id, roomName, addr);
    return true;
  }

  leaveAll(socket: SignalingSocket): void {
    const mine = this.memberships.get(socket.id);
    if (mine === undefined) return;
    for (const [roomName, addr] of [...mine]) this.remove(socket.id, roomName, addr);
  }

  addrOf(socket: SignalingSocket, roomName: string): PeerAddr | undefined {
    return this.memberships.get(socket.id)?.get(roomName);
  }

  roomCountOf(socket: SignalingSocket): number {
    return this.memberships.get(socket.id)?.size ?? 0;
  }

  async deliver(roomName: string, to: PeerAddr, delivery: SignalDelivery): Promise<boolean> {
    const member = this.rooms.get(roomName)?.members.get(to);
    if (member === undefined) return false;
    member.socket.emit('signal', delivery);
    return true;
  }

  localStats(): { rooms: number; members: number } {
    return { rooms: this.rooms.size, members: this.memberCount };
  }

  private openRoom(roomName: string): Room {
    const room: Room = { addrs: [], members: new Map() };
    this.rooms.set(roomName, room);
    return room;
  }

  private insert(socket: SignalingSocket, room: Room, roomName: string, addr: PeerAddr): void {
    room.members.set(addr, { socket, index: room.addrs.length });
    room.addrs.push(addr);
    let mine = this.memberships.get(socket.id);
    if (mine === undefined) {
      mine = new Map();
      this.memberships.set(socket.id, mine);
    }
    mine.set(roomName, addr);
    this.memberCount++;
  }

  /** Removes one membership if it is held by `socketId`; closes the room when it empties. */
  private remove(socketId: string, roomName: string, addr: PeerAddr): void {
    const room = this.rooms.get(roomName);
    const member = room?.members.get(addr);
    if (room !== undefined && member !== undefined && member.socket.id === socketId) {
      const last = room.addrs.pop()!;
      if (last !== addr) {
        room.addrs[member.index] = last;
        room.members.get(last)!.index = member.index;
      }
      room.members.delete(addr);
      this.memberCount--;
      if (room.addrs.length === 0) this.rooms.delete(roomName);
    }
    const mine = this.memberships.get(socketId);
    if (mine?.get(roomName) === addr) {
      mine.delete(roomName);
      if (mine.size === 0) this.memberships.delete(socketId);
    }
  }
}
