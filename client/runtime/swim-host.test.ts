import { describe, expect, it } from 'vitest';
import { BinaryCodec, BrowserIdentity, browserIdentityCodec, lan, seededRng } from '../../shared/swim/index';
import { createInMemoryNetwork } from '../mesh/in-memory-network';
import type { RawNotification } from '../public-api';
import type { Clock } from './clock';
import { SwimHost } from './swim-host';
import { ManualClock } from './test-support/manual-clock';

const codec = new BinaryCodec(browserIdentityCodec);
const swimSrcAddr = (bytes: Uint8Array) => codec.readSource(bytes)?.addr;

/**
 * The virtual clock as one host sees it, counting the page timers that host holds. With `truncate`,
 * delays lose their fraction as a browser's setTimeout does (its timeout is a WebIDL long), and the
 * callback runs a fraction of a millisecond after the whole delay, as a page's task does.
 */
class CountingClock implements Clock {
  readonly live = new Set<unknown>();
  constructor(
    private readonly clock: ManualClock,
    private readonly truncate = false,
  ) {}
  now(): number {
    return this.clock.now();
  }
  wallNow(): number {
    return this.clock.wallNow();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.clock.setTimeout(
      () => {
        this.live.delete(handle);
        fn();
      },
      this.truncate ? Math.trunc(ms) + 0.37 : ms,
    );
    this.live.add(handle);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.live.delete(handle);
    this.clock.clearTimeout(handle);
  }
}

/** Two hosts on an in-process network, all on one virtual clock (`page`: delays and timers as a page's). */
function pair(seed: number, page: { readonly delayMs?: number; readonly truncate?: boolean } = {}) {
  console.log(`swim-host seed ${seed}`);
  const clock = new ManualClock();
  const rng = seededRng(seed);
  const network = createInMemoryNetwork({ clock, delayMs: page.delayMs ?? 1 });
  const make = () => {
    const identity = BrowserIdentity.random(rng);
    const mesh = network.createMesh({ self: identity.addr, swimSrcAddr, clock, rng });
    const hostClock = new CountingClock(clock, page.truncate);
    const host = new SwimHost({ identity, config: lan(4), mesh, rng, clock: hostClock });
    const seen: RawNotification[] = [];
    host.on('notification', (n) => seen.push(n));
    return { identity, mesh, host, seen, hostClock };
  };
  const a = make();
  const b = make();
  /** Opens the link a–b and has a announce to b. */
  const join = () => {
    a.mesh.connect(b.identity.addr);
    clock.advance(100);
    a.host.announce(b.identity.addr);
    clock.advance(100);
  };
  return { clock, a, b, join };
}

describe('SwimHost', () => {
  it('joins two members over the mesh and tells each about the other', () => {
    const { a, b, join } = pair(1);
    join();
    expect(a.host.isActive).toBe(true);
    expect(b.host.isActive).toBe(true);
    expect(a.seen).toContainEqual({ type: 'member-up', id: b.identity });
    expect(b.seen).toContainEqual({ type: 'member-up', id: a.identity });
    expect([...a.host.members()].map((m) => m.id.addr)).toEqual([b.identity.addr]);
    expect(a.host.member(b.identity.addr)?.state).toBe('alive');
    expect(a.host.connectionState).toBe('connected');
  });

  it('keeps probing on the page clock: a member stays up over many periods', () => {
    const { clock, a, b, join } = pair(2);
    join();
    clock.advance(30_000);
    expect(a.seen.filter((n) => n.type === 'member-down')).toEqual([]);
    expect(b.host.isActive).toBe(true);
    expect(a.host.stats().timersPending).toBeGreaterThan(0);
  });

  it("holds one page timer for all of the core's timers", () => {
    const { clock, a, join } = pair(8);
    join();
    clock.advance(5000);
    expect(a.host.stats().timersPending).toBeGreaterThan(1);
    expect(a.hostClock.live.size).toBe(1);
  });

  it('never wakes before its timers are due when page timers drop the fraction of a delay', () => {
    // Timers fall due between whole milliseconds (links of 0.3 ms, page timers a little late).
    const { clock, a, b, join } = pair(9, { delayMs: 0.3, truncate: true });
    join();
    clock.advance(10_000);
    expect(b.host.isActive).toBe(true);
    const stats = a.host.stats();
    expect(stats.wakeUps).toBeGreaterThan(5);
    expect(stats.idleWakeUps).toBe(0);
  });

  it('counts sends that found no link, and asks the mesh for one', () => {
    const { a, b } = pair(3);
    a.host.announce(b.identity.addr); // no link yet
    expect(a.host.stats().unsentNoLink).toBe(1);
  });

  it('rejoins under the next generation after a pause longer than the suspicion timeout', () => {
    const { clock, a, join } = pair(4);
    join();
    const pauses: number[] = [];
    a.host.on('pause', (gap) => pauses.push(gap));
    const before = a.host.identity.generation;
    clock.stall(120_000);
    a.host.checkPause();
    expect(pauses).toHaveLength(1);
    expect(a.host.identity.generation).toBe(before + 1);
    expect(a.seen.at(-1)).toEqual({ type: 'rejoin', id: a.host.identity });
    expect(a.host.stats().pauses).toBe(1);
  });

  it('refuses a custom broadcast without a handler, as the core does (host misuse)', () => {
    const { a } = pair(5);
    expect(() => a.host.publishBroadcast(new Uint8Array([1, 2, 3]))).toThrow(/no broadcast handler/);
  });

  it('leaves: the other side sees it down, and a stopped host ignores packets', () => {
    const { clock, a, b, join } = pair(6);
    join();
    a.host.leaveCluster();
    clock.advance(100);
    expect(b.seen).toContainEqual({ type: 'member-down', id: a.identity });
    a.host.stop();
    expect(a.host.stats().timersPending).toBe(0);
  });

  it('keeps a throwing handler from breaking the loop', () => {
    const { a, b, join } = pair(7);
    a.host.on('notification', () => {
      throw new Error('app bug');
    });
    join();
    expect(a.seen).toContainEqual({ type: 'member-up', id: b.identity });
  });
});
