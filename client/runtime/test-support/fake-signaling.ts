import type { LocalSignalingHub } from '../../mesh/local-signaling';
import type { PeerAddr } from '../../mesh/mesh';
import { Emitter } from '../emitter';
import { JoinRefusedError, type SignalingClient, type SignalingClientEvents } from '../signaling-client';

/**
 * An in-process signaling server for the runtime's tests: rooms of addrs, `join` answering with up
 * to `k` other members, signals relayed through the in-memory network's hub, and an on/off switch
 * that disconnects and reconnects every client like a server restart.
 */
export class FakeSignalingServer {
  private readonly rooms = new Map<string, Set<PeerAddr>>();
  private readonly clients = new Set<FakeSignalingClient>();
  online = true;
  joins = 0;
  /** When set, picks a join's peers from the others (oldest first) instead of the newest `k`. */
  pickPeers: ((joiner: PeerAddr, others: readonly PeerAddr[]) => PeerAddr[]) | undefined;
  /** When set, every join is refused with this reason. */
  refuseWith: JoinRefusedError['reason'] | undefined;

  constructor(
    readonly hub: LocalSignalingHub,
    private readonly k = 4,
  ) {}

  client(room: string, addr: PeerAddr): FakeSignalingClient {
    const c = new FakeSignalingClient(this, room, addr);
    this.clients.add(c);
    return c;
  }

  /** Stops (all clients see a disconnect; the server forgets its rooms) or restarts the server. */
  setOnline(online: boolean): void {
    this.online = online;
    this.hub.setOnline(online);
    if (!online) this.rooms.clear();
    for (const c of this.clients) c.setConnected(online);
  }

  /** Members of `room` as the server holds them (as a real server's join answer says). */
  sizeOf(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  join(room: string, addr: PeerAddr): PeerAddr[] {
    this.joins++;
    let members = this.rooms.get(room);
    if (members === undefined) {
      members = new Set();
      this.rooms.set(room, members);
    }
    const others = [...members].filter((a) => a !== addr);
    members.add(addr);
    return this.pickPeers?.(addr, others) ?? others.slice(-this.k);
  }

  leave(room: string, addr: PeerAddr): void {
    this.rooms.get(room)?.delete(addr);
  }

  forget(c: FakeSignalingClient): void {
    this.clients.delete(c);
  }
}

export class FakeSignalingClient implements SignalingClient {
  private readonly events = new Emitter<SignalingClientEvents>();
  private readonly server;
  private isConnected: boolean;
  private closed = false;

  constructor(
    private readonly fake: FakeSignalingServer,
    private readonly room: string,
    private readonly addr: PeerAddr,
  ) {
    this.server = fake.hub.client(addr);
    this.isConnected = fake.online;
  }

  get connected(): boolean {
    return this.isConnected && !this.closed;
  }

  setConnected(connected: boolean): void {
    if (this.closed || this.isConnected === connected) return;
    this.isConnected = connected;
    this.events.emit(connected ? 'connect' : 'disconnect');
  }

  roomSize: number | undefined;

  async join(): Promise<PeerAddr[]> {
    await Promise.resolve();
    if (!this.connected) throw new JoinRefusedError('disconnected', 'not connected');
    if (this.fake.refuseWith !== undefined)
      throw new JoinRefusedError(this.fake.refuseWith, 'refused by the test');
    const peers = this.fake.join(this.room, this.addr);
    this.roomSize = this.fake.sizeOf(this.room);
    return peers;
  }

  send(to: PeerAddr, sessionId: string, data: unknown): Promise<boolean> {
    if (!this.connected) return Promise.resolve(false);
    return this.server.send(to, sessionId, data);
  }

  onSignal(handler: (from: PeerAddr, sessionId: string, data: unknown) => void): () => void {
    return this.server.onSignal(handler);
  }

  on<E extends keyof SignalingClientEvents>(event: E, handler: SignalingClientEvents[E]): () => void {
    return this.events.on(event, handler);
  }

  leave(): void {
    if (this.connected) this.fake.leave(this.room, this.addr);
  }

  close(): void {
    this.fake.leave(this.room, this.addr);
    this.closed = true;
    this.fake.forget(this);
  }
}
