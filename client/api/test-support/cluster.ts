import { seededRng } from '../../../shared/swim/index';
import { createInMemoryNetwork, type InMemoryNetwork } from '../../mesh/in-memory-network';
import type { MeshNode } from '../../mesh/mesh-node';
import type { Clock } from '../../runtime/clock';
import type { KeyValueStorage } from '../../runtime/identity-store';
import type { LifecycleTarget } from '../../runtime/lifecycle';
import { FakeSignalingServer } from '../../runtime/test-support/fake-signaling';
import { makeJoinRoom } from '../join-room';
import type { Metadata } from '../metadata';
import type { JoinRoomOptions } from '../options';
import type { Room } from '../room';
import type { RawNotification, RoomMember } from '../room-events';

/** A Map-backed stand-in for sessionStorage (one per simulated tab). */
export class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** What a test tab saw, event by event. */
export interface Seen {
  joins: RoomMember[];
  leaves: RoomMember[];
  updates: RoomMember[];
  statuses: string[];
  notifications: RawNotification[];
  messages: Array<{ from: string; data: unknown }>;
}

/**
 * Rooms on an in-memory network with a fake signaling server: real cores, real runtime, real room
 * API, no WebRTC. Randomness is seeded from `seed` (print it in the test).
 */
export class TestCluster {
  readonly network: InMemoryNetwork;
  readonly server: FakeSignalingServer;
  private readonly rng;
  readonly rooms: Room[] = [];
  private readonly meshes = new Map<Room, MeshNode>();
  private readonly lifecycles = new Map<Room, LifecycleTarget>();

  constructor(readonly seed: number) {
    this.network = createInMemoryNetwork({ delayMs: 1 });
    this.server = new FakeSignalingServer(this.network.hub);
    this.rng = seededRng(seed);
  }

  join(
    room: string,
    metadata: Metadata,
    extra: Partial<JoinRoomOptions> & { storage?: KeyValueStorage; clock?: Clock } = {},
  ): { room: Room; seen: Seen } {
    const { clock, ...options } = extra;
    let mesh: MeshNode | undefined;
    let lifecycle: LifecycleTarget | undefined;
    const joinRoom = makeJoinRoom({
      attachLifecycle: (target) => {
        lifecycle = target;
        return () => {};
      },
      createMesh: (init) => {
        mesh = this.network.createMesh({
          self: init.self,
          swimSrcAddr: init.swimSrcAddr,
          server: init.server,
          maxPacketSize: init.maxPacketSize,
          identity: init.identity,
          ...(init.maxConnections === undefined ? {} : { maxConnections: init.maxConnections }),
          rng: seededRng(Math.floor(this.rng.next() * 2 ** 32)),
        });
        return mesh;
      },
      createSignaling: (init) => this.server.client(init.room, init.key.addr),
      ...(clock === undefined ? {} : { clock }),
      rng: seededRng(Math.floor(this.rng.next() * 2 ** 32)),
    });
    const r = joinRoom({
      signaling: 'http://signaling.test',
      room,
      metadata,
      storage: extra.storage ?? new MemoryStorage(),
      // A member's key (so its address, so its ring positions) comes from the seed too: a printed seed
      // replays the run. A test that brings its own storage keeps the key that storage holds.
      ...(extra.storage === undefined ? { key: this.seededKey() } : {}),
      ...options,
    });
    this.rooms.push(r);
    this.meshes.set(r, mesh!);
    if (lifecycle !== undefined) this.lifecycles.set(r, lifecycle);
    const seen: Seen = { joins: [], leaves: [], updates: [], statuses: [], notifications: [], messages: [] };
    r.on('join', (m) => seen.joins.push(m));
    r.on('leave', (m) => seen.leaves.push(m));
    r.on('update', (m) => seen.updates.push(m));
    r.on('status', (s) => seen.statuses.push(s));
    r.on('notification', (n) => seen.notifications.push(n));
    r.on('message', (m) => seen.messages.push(m));
    return { room: r, seen };
  }

  /** 32 bytes from the cluster's seeded randomness: an Ed25519 secret key. */
  private seededKey(): Uint8Array {
    const key = new Uint8Array(32);
    for (let i = 0; i < key.length; i++) key[i] = Math.floor(this.rng.next() * 256);
    return key;
  }

  /** The mesh of a room, to cut it off the network for a while (`setLoss(1)`). */
  meshOf(room: Room): MeshNode {
    return this.meshes.get(room)!;
  }

  /**
   * The tab dies without a goodbye, as a crashed or reloading page: nothing it sends gets out and its
   * links close (peers see the close later, as the browser tears the page down).
   */
  kill(room: Room): void {
    const mesh = this.meshes.get(room);
    mesh?.setLoss(1);
    mesh?.close();
  }

  /** The page reloads itself (`pagehide` of a `location.reload()`): its `reloading` notice, then it dies. */
  reload(room: Room): void {
    this.lifecycles.get(room)!.reloadNow();
    this.kill(room);
  }
}

/** Ids of the members a room sees, sorted. */
export function ids(room: Room): string[] {
  return room
    .members()
    .map((m) => m.id)
    .sort();
}
