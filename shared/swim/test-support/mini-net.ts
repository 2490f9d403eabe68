import type { Invalidates } from '../broadcast';
import { type Config, simple } from '../config';
import type { HandleResult } from '../errors';
import type { Notification, Runtime, Timer } from '../runtime';
import { seededRng } from '../seeded-rng';
import { Swim, type SwimInit } from '../swim';
import { type TestId, testCodec } from './test-id';

interface Event {
  at: number;
  seq: number;
  to: NetNode;
  bytes?: Uint8Array;
  timer?: Timer<TestId>;
}

/** One member of a `MiniNet`: its core and what it was told. */
export class NetNode implements Runtime<TestId> {
  readonly notifications: Array<{ at: number; n: Notification<TestId> }> = [];
  readonly errors: HandleResult[] = [];
  crashed = false;
  sent = 0;
  constructor(
    readonly net: MiniNet,
    readonly swim: Swim<TestId, Invalidates>,
  ) {}

  notify(n: Notification<TestId>): void {
    this.notifications.push({ at: this.net.now, n });
  }

  sendTo(to: TestId, bytes: Uint8Array): void {
    this.sent++;
    this.net.transmit(this, to, bytes);
  }

  submitAfter(timer: Timer<TestId>, afterMs: number): void {
    this.net.schedule({ at: this.net.now + afterMs, seq: 0, to: this, timer });
  }

  /** Active member addrs this node sees. */
  view(): Set<string> {
    const out = new Set<string>();
    for (const m of this.swim.members()) out.add(m.id.addr);
    return out;
  }
}

/**
 * A tiny deterministic network on a virtual clock for scenario tests: every packet takes `delayMs`,
 * `drop(from, to, bytes)` loses packets, crashed nodes neither send nor receive, timers fire in due order.
 */
export class MiniNet {
  now = 0;
  delayMs = 1;
  drop: (from: NetNode, to: TestId, bytes: Uint8Array) => boolean = () => false;
  readonly nodes = new Map<string, NetNode>();
  private heap: Event[] = [];
  private seq = 0;

  /** Adds a member; `options` go to its `SwimInit` (Down as accusation, bounds, a handler). */
  add(
    identity: TestId,
    config: Config = simple(),
    seed = identity.n,
    options: Partial<SwimInit<TestId, Invalidates>> = {},
  ): NetNode {
    const swim = new Swim<TestId, Invalidates>({
      identity,
      config,
      rng: seededRng(seed),
      codec: testCodec(),
      dataNotifications: false,
      ...options,
    });
    const node = new NetNode(this, swim);
    this.nodes.set(identity.addr, node);
    return node;
  }

  transmit(from: NetNode, to: TestId, bytes: Uint8Array): void {
    if (from.crashed || this.drop(from, to, bytes)) return;
    const target = this.nodes.get(to.addr);
    if (target === undefined) return;
    this.schedule({ at: this.now + this.delayMs, seq: 0, to: target, bytes });
  }

  schedule(e: Event): void {
    e.seq = this.seq++;
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Runs every event due up to `until` (virtual ms). */
  runUntil(until: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.at <= until) {
      const e = this.pop();
      this.now = e.at;
      const node = e.to;
      if (node.crashed) continue;
      if (e.bytes !== undefined) {
        const r = node.swim.handleData(e.bytes, node);
        if (!r.ok) node.errors.push(r);
      } else if (e.timer !== undefined) {
        node.swim.handleTimer(e.timer, node);
      }
    }
    this.now = until;
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  private pop(): Event {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
