import type { HandleResult } from '../../swim/errors';
import type { Identity } from '../../swim/identity';
import type { Rng } from '../../swim/rng';
import type { Runtime, Timer } from '../../swim/runtime';
import type { SimNode } from '../sim-node';

/** mulberry32: a tiny seeded generator for the simulator's own tests. */
export function testRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** An identity that is just a name. */
export class FakeId implements Identity {
  constructor(readonly addr: string) {}
  equals(other: this): boolean {
    return other.addr === this.addr;
  }
  renew(): this | undefined {
    return new FakeId(`${this.addr}'`) as this;
  }
  winsAddrConflict(): boolean {
    return true;
  }
  toString(): string {
    return this.addr;
  }
}

/**
 * A stand-in member: every `periodMs` it sends a ping (byte 1 + its index) to each peer it knows, and
 * it answers a ping with a pong (byte 2). It logs what it saw, so tests can check the host loop.
 */
export class FakeNode implements SimNode<FakeId> {
  readonly identity: FakeId;
  readonly peers: FakeId[] = [];
  readonly log: string[] = [];
  private started = false;

  constructor(
    readonly index: number,
    private readonly clock: { readonly now: number },
    private readonly periodMs = 1000,
  ) {
    this.identity = new FakeId(`m${index}`);
  }

  get numMembers(): number {
    return this.peers.length;
  }

  readonly config = { suspectToDownAfterMs: 5000 };

  get connectionState(): string {
    return this.started ? 'connected' : 'disconnected';
  }

  changeIdentity(identity: FakeId): void {
    this.log.push(`${this.clock.now} new identity ${identity.addr}`);
  }

  /** Starts the periodic timer (`periodic-gossip`) and, to test ordering, a one-off (`periodic-announce`). */
  start(runtime: Runtime<FakeId>): void {
    if (this.started) return;
    this.started = true;
    runtime.submitAfter({ type: 'periodic-gossip', token: 0 }, this.periodMs);
  }

  announce(dst: FakeId, runtime: Runtime<FakeId>): void {
    if (!this.peers.some((p) => p.addr === dst.addr)) this.peers.push(dst);
    this.start(runtime);
  }

  handleData(bytes: Uint8Array, runtime: Runtime<FakeId>): HandleResult {
    const from = new FakeId(`m${bytes[1]! | (bytes[2]! << 8)}`);
    this.log.push(`${this.clock.now} recv ${bytes[0] === 1 ? 'ping' : 'pong'} from ${from.addr}`);
    if (bytes[0] === 1) runtime.sendTo(from, this.packet(2));
    return { ok: true };
  }

  handleTimer(timer: Timer<FakeId>, runtime: Runtime<FakeId>): void {
    this.log.push(`${this.clock.now} timer ${timer.type}`);
    if (timer.type === 'periodic-gossip') {
      for (const p of this.peers) runtime.sendTo(p, this.packet(1));
      runtime.submitAfter(timer, this.periodMs);
    }
  }

  leaveCluster(): void {}

  addBroadcast(): boolean {
    return false;
  }

  broadcast(): void {}

  private packet(kind: number): Uint8Array {
    return Uint8Array.of(kind, this.index & 0xff, this.index >> 8);
  }
}
