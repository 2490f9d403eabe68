import { describe, expect, it } from 'vitest';
import { ManualClock } from '../runtime/test-support/manual-clock';
import { AttemptWindow } from './attempt-window';
import type { PeerAddr } from './mesh';
import { MeshNode } from './mesh-node';
import { FakeDriver, FakeServer } from './test-support/fakes';
import { fakeSwimSrcAddr, testAddr } from './test-support/helpers';

describe('AttemptWindow', () => {
  it('starts at max, halves on the first failure of a streak, grows by one per link, within 1..max', () => {
    const w = new AttemptWindow(32);
    expect(w.limit).toBe(32);
    w.failed(0);
    expect(w.limit).toBe(16);
    w.failed(3); // the same peer failing again: no change
    expect(w.limit).toBe(16);
    for (let i = 0; i < 10; i++) w.failed(0);
    expect(w.limit).toBe(1);
    expect(w.shrunk).toBe(5); // 32 → 16 → 8 → 4 → 2 → 1
    w.opened();
    w.opened();
    expect(w.limit).toBe(3);
    for (let i = 0; i < 100; i++) w.opened();
    expect(w.limit).toBe(32);
  });

  it('gives attempts twice the connect timeout once the window is down to a quarter', () => {
    const w = new AttemptWindow(32);
    expect(w.timeoutScale).toBe(1);
    w.failed(0); // 16
    expect(w.timeoutScale).toBe(1);
    w.failed(0); // 8
    expect(w.timeoutScale).toBe(2);
    w.opened(); // 9
    expect(w.timeoutScale).toBe(1);
  });

  it('refuses a max that is not a positive integer', () => {
    expect(() => new AttemptWindow(0)).toThrow(RangeError);
    expect(() => new AttemptWindow(1.5)).toThrow(RangeError);
  });
});

describe("a mesh's attempts under the window", () => {
  const peers = [2, 3, 4, 5, 6, 7, 8, 9].map(testAddr) as PeerAddr[];

  /** A mesh at `self` (by default the smallest addr: it offers to every peer). */
  function setup(self = testAddr(1)) {
    const driver = new FakeDriver();
    const server = new FakeServer();
    const clock = new ManualClock();
    const mesh = new MeshNode(
      {
        self,
        swimSrcAddr: fakeSwimSrcAddr,
        server,
        clock,
        rng: { next: () => 0.5 },
        connectTimeoutMs: 10_000,
        backoffBaseMs: 100,
        backoffMaxMs: 400,
      },
      driver,
    );
    const underWay = () =>
      peers.filter((p) => {
        const link = driver.linkTo(p);
        return link !== undefined && !link.destroyed && !link.open;
      });
    return { mesh, driver, server, clock, underWay };
  }

  it('on a quiet machine every attempt starts at once', () => {
    const { mesh, underWay } = setup();
    for (const p of peers) mesh.connect(p);
    expect(underWay()).toHaveLength(peers.length);
    expect(mesh.stats()).toMatchObject({ attemptWindow: 32, attemptsQueued: 0, attemptWindowShrunk: 0 });
  });

  it('after offers time out, the retries go one at a time, and each link that opens lets one more start', () => {
    const { mesh, driver, clock, underWay } = setup();
    for (const p of peers) mesh.connect(p);
    clock.advance(10_000); // every offer times out: 8 first failures, 32 → 1
    expect(mesh.stats()).toMatchObject({ attemptWindow: 1, attemptWindowShrunk: 5, failedAttempts: 8 });
    clock.advance(400); // past every backoff: the retries ask for the window
    expect(underWay()).toHaveLength(1);
    expect(mesh.stats().attemptsQueued).toBe(7);
    const created = driver.links.length;
    driver.linkTo(underWay()[0]!)!.opened(); // window 2, none under way
    clock.advance(0);
    expect(underWay()).toHaveLength(2);
    expect(driver.links.length).toBe(created + 2);
    for (const p of underWay()) driver.linkTo(p)!.opened(); // window 4
    clock.advance(0);
    expect(underWay()).toHaveLength(4);
    for (const p of underWay()) driver.linkTo(p)!.opened(); // window 8: the last one starts
    clock.advance(0);
    expect(underWay()).toHaveLength(1);
    driver.linkTo(underWay()[0]!)!.opened();
    expect(peers.every((p) => mesh.isOpen(p))).toBe(true);
    expect(mesh.stats()).toMatchObject({ attemptWindow: 9, attemptsQueued: 0, failedAttempts: 8 });
  });

  it('once the window is down to a quarter, an attempt is given 20 s instead of 10', () => {
    const { mesh, driver, clock, underWay } = setup();
    for (const p of peers) mesh.connect(p);
    clock.advance(10_400); // 8 timeouts: window 1, one retry under way
    const [retrying] = underWay();
    clock.advance(10_000);
    expect(driver.linkTo(retrying!)!.destroyed).toBe(false);
    expect(mesh.stats().failedAttempts).toBe(8);
    clock.advance(10_000);
    expect(driver.linkTo(retrying!)!.destroyed).toBe(true);
    expect(mesh.stats().failedAttempts).toBe(9);
  });

  it('a waiting attempt to a peer that is dropped meanwhile never starts', () => {
    const { mesh, driver, clock, underWay } = setup();
    for (const p of peers) mesh.connect(p);
    clock.advance(10_400);
    const waiting = peers.filter((p) => !underWay().includes(p));
    for (const p of waiting) mesh.disconnect(p);
    expect(mesh.stats().attemptsQueued).toBe(0);
    const created = driver.links.length;
    driver.linkTo(underWay()[0]!)!.opened();
    clock.advance(1_000);
    expect(driver.links.length).toBe(created);
  });

  it('requests (we ask a smaller peer to offer) count too: after they time out, two go at a time', () => {
    const { mesh, driver, server, clock } = setup(testAddr(10)); // the largest addr: it asks everyone
    const requests = () => server.sent.filter((s) => (s.data as { type?: string }).type === 'connect');
    const smaller = peers.slice(0, 4);
    for (const p of smaller) mesh.connect(p);
    expect(requests()).toHaveLength(4);
    clock.advance(10_000); // no offer came: 4 first failures, 32 → 2
    expect(mesh.stats()).toMatchObject({ attemptWindow: 2, failedAttempts: 4 });
    clock.advance(400);
    expect(requests()).toHaveLength(6);
    expect(mesh.stats()).toMatchObject({ pending: 2, attemptsQueued: 2 });
    // The first asked peer offers: we answer, the link opens, the window grows and the queue moves
    // (the two waiting requests go through the new link, which can relay them).
    const first = requests()[4]!;
    server.deliver(first.to, 'bbbbbbbb-1', { type: 'offer', signal: { type: 'offer', sdp: 'x' } });
    driver.linkTo(first.to)!.opened();
    clock.advance(0);
    expect(mesh.stats()).toMatchObject({ open: 1, pending: 3, attemptWindow: 3, attemptsQueued: 0 });
  });

  it('a waiting request whose peer offers meanwhile is answered and leaves the queue', () => {
    const { mesh, driver, server, clock } = setup(testAddr(10));
    const smaller = peers.slice(0, 4);
    for (const p of smaller) mesh.connect(p);
    clock.advance(10_400); // 4 timeouts (window 2), retries: 2 under way, 2 waiting
    const waiting = smaller.filter((p) => !server.sent.slice(4).some((s) => s.to === p));
    expect(waiting).toHaveLength(2);
    server.deliver(waiting[0]!, 'cccccccc-1', { type: 'offer', signal: { type: 'offer', sdp: 'y' } });
    expect(mesh.stats()).toMatchObject({ pending: 3, attemptsQueued: 1 });
    driver.linkTo(waiting[0]!)!.opened();
    clock.advance(0); // window 3, two requests under way: the last waiting one starts
    expect(mesh.stats()).toMatchObject({ open: 1, pending: 3, attemptsQueued: 0 });
  });
});
