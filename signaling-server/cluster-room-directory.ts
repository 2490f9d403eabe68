import type { PeerAddr, SignalDelivery } from '../shared/signaling/index';
import { type JoinLimits, type JoinOutcome, type RoomDirectory, sampleDistinct } from './room-directory';
import type { SignalingIo, SignalingSocket } from './types';

/** The socket.io room holding every member of a signaling room. */
const roomKey = (room: string): string => `r:${room}`;
/** The socket.io room holding the one socket that joined `room` as `addr`; room names have no ':'. */
const memberKey = (room: string, addr: PeerAddr): string => `m:${room}:${addr}`;
const memberPrefix = (room: string): string => `m:${room}:`;

function addrIn(rooms: Iterable<string>, room: string): PeerAddr | undefined {
  const prefix = memberPrefix(room);
  for (const key of rooms) if (key.startsWith(prefix)) return key.slice(prefix.length);
  return undefined;
}

/**
 * The multi-instance directory. Membership is kept in socket.io rooms only (`r:<room>` and
 * `m:<room>:<addr>` per member), which the Redis adapter makes visible to every instance:
 * `fetchSockets()` asks all live instances, so nothing goes stale when an instance dies.
 * A join costs one cluster-wide fetch of the room (O(room size)); a relay one fetch of one member.
 * Room limits are checked against that snapshot, so two racing joins may overshoot by one.
 */
export class ClusterRoomDirectory implements RoomDirectory {
  constructor(
    private readonly io: SignalingIo,
    private readonly random: () => number,
  ) {}

  async join(
    socket: SignalingSocket,
    room: string,
    addr: PeerAddr,
    limits: JoinLimits,
  ): Promise<JoinOutcome> {
    const ownOld = this.addrOf(socket, room);
    const members = await this.io.in(roomKey(room)).fetchSockets();
    const others: PeerAddr[] = [];
    const stale: string[] = [];
    for (const member of members) {
      if (member.id === socket.id) continue;
      const memberAddr = addrIn(member.rooms, room);
      if (memberAddr === undefined) continue;
      if (memberAddr === addr) stale.push(member.id);
      else others.push(memberAddr);
    }
    if (members.length === 0 && this.localStats().rooms >= limits.maxRooms) {
      return {
        ok: false,
        reason: 'server-full',
        message: `the server holds its limit of ${limits.maxRooms} rooms`,
      };
    }
    if (others.length >= limits.maxMembersPerRoom) {
      return {
        ok: false,
        reason: 'room-full',
        message: `room ${room} has its limit of ${limits.maxMembersPerRoom} members`,
      };
    }
    // A reloaded tab: its old socket (on whichever instance) gives up the addr.
    for (const id of stale) this.io.in(id).socketsLeave([roomKey(room), memberKey(room, addr)]);
    if (ownOld !== undefined && ownOld !== addr) socket.leave(memberKey(room, ownOld));
    socket.join([roomKey(room), memberKey(room, addr)]);
    return {
      ok: true,
      peers: sampleDistinct(others, limits.bootstrapPeers, this.random),
      replaced: stale.length > 0,
      size: others.length + 1,
    };
  }

  async leave(socket: SignalingSocket, room: string): Promise<boolean> {
    const addr = this.addrOf(socket, room);
    if (addr === undefined) return false;
    socket.leave(roomKey(room));
    socket.leave(memberKey(room, addr));
    return true;
  }

  leaveAll(socket: SignalingSocket): void {
    for (const key of [...socket.rooms]) if (key !== socket.id) socket.leave(key);
  }

  addrOf(socket: SignalingSocket, room: string): PeerAddr | undefined {
    // socket.rooms is the truth: a remote `socketsLeave` (a reload elsewhere) updates it here.
    return socket.rooms.has(roomKey(room)) ? addrIn(socket.rooms, room) : undefined;
  }

  roomCountOf(socket: SignalingSocket): number {
    let n = 0;
    for (const key of socket.rooms) if (key.startsWith('r:')) n++;
    return n;
  }

  async deliver(room: string, to: PeerAddr, delivery: SignalDelivery): Promise<boolean> {
    const key = memberKey(room, to);
    const here = this.io.of('/').adapter.rooms.get(key);
    if (here === undefined || here.size === 0) {
      const remote = await this.io.in(key).fetchSockets();
      if (remote.length === 0) return false;
    }
    this.io.to(key).emit('signal', delivery);
    return true;
  }

  localStats(): { rooms: number; members: number } {
    let rooms = 0;
    let members = 0;
    for (const [key, sockets] of this.io.of('/').adapter.rooms) {
      if (key.startsWith('r:')) {
        rooms++;
        members += sockets.size;
      }
    }
    return { rooms, members };
  }
}
