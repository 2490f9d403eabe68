import type { IncomingMessage } from 'node:http';

/** The per-IP limits the ledger enforces; 0 turns one off. */
export interface IpLimits {
  readonly maxSocketsPerIp: number;
  readonly maxRoomsPerIp: number;
}

interface IpEntry {
  sockets: number;
  /** Room → how many of this IP's sockets are in it. */
  readonly rooms: Map<string, number>;
}

/**
 * Sockets and rooms per client IP address, so that one machine cannot fill the server: the socket
 * count is checked before a connection is accepted, the room count before a join opens a room for
 * that IP. Entries go when an IP's last socket goes, so the ledger is bounded by open sockets.
 * Local to one process (a cluster of N instances lets an IP hold N times as much).
 */
export class IpLedger {
  private readonly ips = new Map<string, IpEntry>();

  constructor(private readonly limits: IpLimits) {}

  /** Whether one more socket from `ip` is within the limit. Doesn't change state. */
  canConnect(ip: string): boolean {
    const max = this.limits.maxSocketsPerIp;
    return max === 0 || (this.ips.get(ip)?.sockets ?? 0) < max;
  }

  /** Counts a socket of `ip`; false when it is over the limit (the caller then drops it, uncounted). */
  connect(ip: string): boolean {
    if (!this.canConnect(ip)) return false;
    let entry = this.ips.get(ip);
    if (entry === undefined) {
      entry = { sockets: 0, rooms: new Map() };
      this.ips.set(ip, entry);
    }
    entry.sockets++;
    return true;
  }

  /** Uncounts a socket of `ip` and the rooms it was in (`rooms`, as `joinRoom` counted them). */
  disconnect(ip: string, rooms: Iterable<string>): void {
    const entry = this.ips.get(ip);
    if (entry === undefined) return;
    for (const room of rooms) this.leaveRoom(ip, room);
    entry.sockets--;
    if (entry.sockets <= 0) this.ips.delete(ip);
  }

  /** Whether a socket of `ip` may join `room`: always when the IP is in it already. Doesn't change state. */
  canJoinRoom(ip: string, room: string): boolean {
    const max = this.limits.maxRoomsPerIp;
    const rooms = this.ips.get(ip)?.rooms;
    return max === 0 || rooms === undefined || rooms.has(room) || rooms.size < max;
  }

  /** Counts one socket of `ip` in `room` (call once per socket and room). */
  joinRoom(ip: string, room: string): void {
    const rooms = this.ips.get(ip)?.rooms;
    if (rooms !== undefined) rooms.set(room, (rooms.get(room) ?? 0) + 1);
  }

  /** Uncounts one socket of `ip` in `room`. */
  leaveRoom(ip: string, room: string): void {
    const rooms = this.ips.get(ip)?.rooms;
    const n = rooms?.get(room);
    if (rooms === undefined || n === undefined) return;
    if (n <= 1) rooms.delete(room);
    else rooms.set(room, n - 1);
  }

  /** Distinct client IPs with an open socket. Doesn't change state. */
  get size(): number {
    return this.ips.size;
  }
}

/** The client's IP address as this process sees it (the proxy's, behind a proxy). */
export function remoteIp(req: Pick<IncomingMessage, 'socket'>): string {
  return req.socket.remoteAddress ?? 'unknown';
}
