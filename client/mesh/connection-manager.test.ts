import { describe, expect, it } from 'vitest';
import { ManualClock } from '../runtime/test-support/manual-clock';
import { decodeFrame } from './frame';
import type { PeerAddr } from './mesh';
import type { MeshInit } from './mesh-init';
import { MeshNode } from './mesh-node';
import { decodeRelayedSignal } from './signal-frame';
import { FakeDriver, FakeServer } from './test-support/fakes';
import { fakeSwimSrcAddr, testAddr } from './test-support/helpers';

const [P1, P2, P3, P5, P9] = [1, 2, 3, 5, 9].map(testAddr) as [
  PeerAddr,
  PeerAddr,
  PeerAddr,
  PeerAddr,
  PeerAddr,
];
const OFFER = { type: 'offer', sdp: 'offer-sdp' };
const ANSWER = { type: 'answer', sdp: 'answer-sdp' };

function setup(self: PeerAddr, init: Partial<MeshInit> = {}) {
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
      signalRetryMs: 1_000,
      meshSignalTries: 3,
      backoffBaseMs: 100,
      backoffMaxMs: 400,
      ...init,
    },
    driver,
  );
  /** Lets a smaller peer open a link to us through the server, as its offer and our answer would. */
  const acceptFrom = (peer: PeerAddr, sessionId = 'aaaaaaaa-1') => {
    server.deliver(peer, sessionId, { type: 'offer', signal: OFFER });
    const link = driver.linkTo(peer)!;
    link.options.handlers.signal(ANSWER);
    link.opened();
    return link;
  };
  return { mesh, driver, server, clock, acceptFrom };
}

function relayedIn(bytes: Uint8Array) {
  const frame = decodeFrame(bytes);
  return frame?.kind === 'signal' ? decodeRelayedSignal(frame.payload) : undefined;
}

describe('connection manager', () => {
  it('an initiator with no open link offers through the server and opens on the answer', () => {
    const { mesh, driver, server } = setup(P1);
    const opened: PeerAddr[] = [];
    mesh.on('peer-open', (addr) => opened.push(addr));
    expect(mesh.connect(P2)).toBe(true);
    const link = driver.linkTo(P2)!;
    expect(link.options.initiator).toBe(true);
    expect(server.sent).toEqual([]); // nothing until the offer is complete (non-trickle)
    link.options.handlers.signal(OFFER);
    expect(server.sent).toEqual([
      { to: P2, sessionId: expect.any(String), data: { type: 'offer', signal: OFFER } },
    ]);
    server.deliver(P2, server.sent[0]!.sessionId, { type: 'answer', signal: ANSWER });
    expect(link.signals).toEqual([ANSWER]);
    link.opened();
    expect(opened).toEqual([P2]);
    expect(mesh.stats()).toMatchObject({ open: 1, pending: 0, signaledViaServer: 1, signaledViaMesh: 0 });
    expect(mesh.connect(P2)).toBe(true); // idempotent: no second link
    expect(driver.links).toHaveLength(1);
  });

  it('a resent offer is answered again, a stale one is ignored, a newer one replaces the link', () => {
    const { mesh, driver, server } = setup(P2);
    const closed: PeerAddr[] = [];
    mesh.on('peer-close', (addr) => closed.push(addr));
    server.deliver(P1, 'aaaaaaaa-2', { type: 'offer', signal: OFFER });
    const first = driver.linkTo(P1)!;
    expect(first.signals).toEqual([OFFER]);
    server.deliver(P1, 'aaaaaaaa-2', { type: 'offer', signal: OFFER }); // before our answer is ready
    first.options.handlers.signal(ANSWER);
    server.deliver(P1, 'aaaaaaaa-2', { type: 'offer', signal: OFFER }); // our answer was lost
    const answer = { type: 'answer', signal: ANSWER, instance: expect.stringMatching(/^[0-9a-f]{8}$/) };
    expect(server.sent.map((s) => s.data)).toEqual([answer, answer]);
    first.opened();
    server.deliver(P1, 'aaaaaaaa-1', { type: 'offer', signal: OFFER }); // an older session, late
    expect(driver.links).toHaveLength(1);
    expect(mesh.isOpen(P1)).toBe(true);
    server.deliver(P1, 'aaaaaaaa-3', { type: 'offer', signal: OFFER }); // the initiator started over
    expect(first.destroyed).toBe(true);
    expect(closed).toEqual([P1]);
    expect(driver.links).toHaveLength(2);
    expect(mesh.stats().pending).toBe(1);
  });

  it('only the smaller addr offers and only the larger answers', () => {
    const { driver, server } = setup(P2);
    server.deliver(P3, 'aaaaaaaa-1', { type: 'offer', signal: OFFER }); // P3 > P2 must not offer
    server.deliver(P1, 'aaaaaaaa-1', { type: 'answer', signal: ANSWER }); // nothing asked of P1
    expect(driver.links).toEqual([]);
  });

  it('a full budget answers busy, and the refused side backs off and retries', () => {
    const full = setup(P2, { maxConnections: 1 });
    full.acceptFrom(P1);
    full.server.deliver(testAddr(0), 'bbbbbbbb-1', { type: 'offer', signal: OFFER });
    expect(full.server.sent.at(-1)).toEqual({
      to: testAddr(0),
      sessionId: 'bbbbbbbb-1',
      data: { type: 'busy' },
    });
    expect(full.mesh.stats().refused).toBe(1);
    expect(full.driver.links).toHaveLength(1);

    const asker = setup(P1);
    asker.mesh.connect(P2);
    const link = asker.driver.linkTo(P2)!;
    link.options.handlers.signal(OFFER);
    asker.server.deliver(P2, asker.server.sent[0]!.sessionId, { type: 'busy' });
    expect(link.destroyed).toBe(true);
    expect(asker.mesh.stats()).toMatchObject({ failedAttempts: 1, backingOff: 1, pending: 0 });
    asker.clock.advance(74); // first retry after 100 ms * (0.5 + 0.5 * 0.5)
    expect(asker.driver.links).toHaveLength(1);
    asker.clock.advance(1);
    expect(asker.driver.links).toHaveLength(2);
  });

  it('at the budget a spare link gives its slot to a newcomer; one not held, or the newcomer itself, does not', () => {
    const full = setup(P5, { maxConnections: 2 });
    const closed: PeerAddr[] = [];
    full.mesh.on('peer-close', (addr) => closed.push(addr));
    const spareLink = full.acceptFrom(P1);
    full.acceptFrom(P2, 'aaaaaaaa-2');
    full.mesh.setSpare(() => [P9, P3, P1]); // P9 is not held, P3 is the newcomer: P1 gives way
    full.server.deliver(P3, 'cccccccc-1', { type: 'offer', signal: OFFER });
    expect(spareLink.destroyed).toBe(true);
    expect(closed).toEqual([P1]);
    expect(full.driver.linkTo(P3)).toBeDefined();
    expect(full.mesh.stats()).toMatchObject({ yielded: 1, refused: 0 });
    // Nothing spare left that is held: the next newcomer is refused as before.
    full.mesh.setSpare(() => [P1]);
    full.server.deliver(testAddr(0), 'dddddddd-1', { type: 'offer', signal: OFFER });
    expect(full.server.sent.at(-1)?.data).toEqual({ type: 'busy' });
    expect(full.mesh.stats()).toMatchObject({ yielded: 1, refused: 1 });
  });

  it('retries back off exponentially up to the cap', () => {
    const { mesh, driver, clock } = setup(P1, { connectTimeoutMs: 1_000 });
    const start = clock.now();
    mesh.connect(P2);
    const attemptsAt: number[] = [];
    for (let round = 0; round < 5; round++) {
      const before = driver.links.length;
      while (driver.links.length === before) clock.advance(1);
      attemptsAt.push(clock.now() - start);
    }
    // Timeouts of 1,000 ms, then delays of 75, 150, 300, 300 (capped at 400 * 0.75).
    expect(attemptsAt).toEqual([1_075, 2_225, 3_525, 4_825, 6_125]);
    expect(mesh.stats().failedAttempts).toBe(5);
  });

  it('an answered attempt gets the connect timeout again from the answer, once (ICE and DTLS on a busy CPU)', () => {
    const { mesh, driver, server, clock } = setup(P1, { connectTimeoutMs: 1_000 });
    mesh.connect(P2);
    driver.linkTo(P2)!.options.handlers.signal(OFFER);
    clock.advance(900);
    server.deliver(P2, server.sent[0]!.sessionId, { type: 'answer', signal: ANSWER });
    clock.advance(999); // 1,899 ms in: past the first timeout, not yet past the answer's
    expect(mesh.stats()).toMatchObject({ failedAttempts: 0, pending: 1 });
    expect(driver.links.length).toBe(1);
    clock.advance(1);
    expect(mesh.stats()).toMatchObject({ failedAttempts: 1, pending: 0, backingOff: 1 });
    // An attempt the peer never answers still times out at connectTimeoutMs.
    const unanswered = setup(P1, { connectTimeoutMs: 1_000 });
    unanswered.mesh.connect(P2);
    unanswered.clock.advance(1_000);
    expect(unanswered.mesh.stats()).toMatchObject({ failedAttempts: 1 });
  });

  it('a peer taken on because it offered is forgotten when the attempt fails; disconnect stops retries', () => {
    const { mesh, driver, server, clock } = setup(P2);
    server.deliver(P1, 'aaaaaaaa-1', { type: 'offer', signal: OFFER });
    driver.linkTo(P1)!.options.handlers.close('ice failed');
    expect(mesh.stats()).toMatchObject({ pending: 0, backingOff: 0, failedAttempts: 1 });

    mesh.connect(P3);
    mesh.disconnect(P3);
    clock.advance(60_000);
    expect(driver.links.filter((link) => link.options.peer === P3).map((link) => link.destroyed)).toEqual([
      true,
    ]);
    expect(server.sent.filter((s) => s.to === P3)).toHaveLength(0);
    expect(mesh.stats()).toMatchObject({ pending: 0, backingOff: 0 });
  });

  it('a link that closes after opening is forgotten, not retried', () => {
    const { mesh, driver, clock, acceptFrom } = setup(P2);
    mesh.connect(P1);
    const link = acceptFrom(P1);
    link.options.handlers.close('closed');
    expect(mesh.isOpen(P1)).toBe(false);
    clock.advance(60_000);
    expect(driver.links).toHaveLength(1);
    expect(mesh.stats()).toMatchObject({ open: 0, pending: 0, backingOff: 0 });
  });

  it('the larger addr asks through the mesh a few times, then once through the server', () => {
    const { mesh, server, clock, acceptFrom } = setup(P5);
    const viaP1 = acceptFrom(P1);
    server.sent.length = 0;
    mesh.connect(P3);
    clock.advance(10_000);
    const requests = viaP1.sent.map(relayedIn);
    expect(requests).toHaveLength(3);
    for (const [i, request] of requests.entries()) {
      expect(request).toMatchObject({ from: P5, to: P3, ttl: 3, data: { type: 'connect' } });
      if (i > 0) expect(request!.seq).toBeGreaterThan(requests[i - 1]!.seq);
    }
    expect(server.sent).toEqual([{ to: P3, sessionId: requests[0]!.sessionId, data: { type: 'connect' } }]);
  });

  it('relays forward a signal once, straight to a linked target, else onwards while hops remain', () => {
    const { mesh, acceptFrom } = setup(P5);
    const l1 = acceptFrom(P1);
    const l3 = acceptFrom(P3, 'cccccccc-1');
    const frame = (to: PeerAddr, ttl: number, seq: number) => {
      const json = JSON.stringify({
        sessionId: 'aaaaaaaa-9',
        seq,
        from: P1,
        to,
        ttl,
        data: { type: 'connect' },
      });
      return new Uint8Array([2, ...new TextEncoder().encode(json)]);
    };
    l1.options.handlers.data(frame(P3, 2, 1));
    expect(l3.sent.map(relayedIn)).toEqual([expect.objectContaining({ to: P3, ttl: 1, seq: 1 })]);
    l1.options.handlers.data(frame(P3, 2, 1)); // a copy that came round another way
    expect(l3.sent).toHaveLength(1);
    l1.options.handlers.data(frame(P9, 1, 2)); // no link to P9: onwards, but never back to P1
    expect(l3.sent.map(relayedIn).at(-1)).toMatchObject({ to: P9, ttl: 0 });
    expect(l1.sent).toEqual([]);
    l1.options.handlers.data(frame(P9, 0, 3)); // out of hops: the origin is told at once
    expect(l3.sent).toHaveLength(2);
    expect(l1.sent.map(relayedIn)).toEqual([
      {
        sessionId: 'aaaaaaaa-9',
        seq: expect.any(Number),
        from: P5,
        to: P1,
        ttl: 0,
        data: { type: 'unreachable' },
      },
    ]);
    expect(mesh.stats()).toMatchObject({ relayed: 2, relayDropped: 2 });
  });

  it('when every relay says it cannot pass the offer on, the offer goes to the server at once', () => {
    const { mesh, driver, server, acceptFrom } = setup(P2);
    const viaP1 = acceptFrom(P1);
    server.sent.length = 0;
    mesh.connect(P3);
    driver.linkTo(P3)!.options.handlers.signal(OFFER);
    const offer = relayedIn(viaP1.sent[0]!)!;
    expect(offer).toMatchObject({ to: P3, data: { type: 'offer' } });
    expect(server.sent).toEqual([]);
    const json = JSON.stringify({
      sessionId: offer.sessionId,
      seq: 1,
      from: P1,
      to: P2,
      ttl: 0,
      data: { type: 'unreachable' },
    });
    viaP1.options.handlers.data(new Uint8Array([2, ...new TextEncoder().encode(json)]));
    expect(server.sent).toEqual([{ to: P3, sessionId: offer.sessionId, data: offer.data }]);
  });

  it('a request that came through the server is answered by an offer through the server at once', () => {
    // The requester asked through the server because no member links to it: offers relayed through
    // the mesh would die on the way and the link would wait for every mesh try to time out.
    const { mesh, driver, server, clock, acceptFrom } = setup(P2);
    const viaP1 = acceptFrom(P1);
    server.sent.length = 0;
    server.deliver(P9, 'bbbbbbbb-1', { type: 'connect' });
    const link = driver.linkTo(P9)!;
    expect(link.options.initiator).toBe(true);
    link.options.handlers.signal(OFFER);
    expect(viaP1.sent).toEqual([]);
    expect(server.sent).toEqual([
      { to: P9, sessionId: expect.any(String), data: { type: 'offer', signal: OFFER } },
    ]);
    clock.advance(5_000);
    expect(viaP1.sent).toEqual([]);
    expect(server.sent).toHaveLength(1);
    server.deliver(P9, server.sent[0]!.sessionId, { type: 'answer', signal: ANSWER });
    link.opened();
    expect(mesh.isOpen(P9)).toBe(true);
  });

  it('a request through the server sends an offer that is still trying the mesh to the server now', () => {
    const { mesh, driver, server, acceptFrom } = setup(P2);
    const viaP1 = acceptFrom(P1);
    server.sent.length = 0;
    mesh.connect(P9);
    driver.linkTo(P9)!.options.handlers.signal(OFFER);
    const offer = relayedIn(viaP1.sent[0]!)!;
    expect(offer).toMatchObject({ to: P9, data: { type: 'offer' } });
    expect(server.sent).toEqual([]);
    server.deliver(P9, 'bbbbbbbb-1', { type: 'connect' });
    expect(server.sent).toEqual([{ to: P9, sessionId: offer.sessionId, data: offer.data }]);
    expect(driver.links).toHaveLength(2); // the same attempt, not a new link
  });

  it('malformed frames and unreadable swim headers are dropped and counted, never thrown', () => {
    const { mesh, acceptFrom } = setup(P2, {
      swimSrcAddr: (bytes) => {
        if (bytes[0] === 0xee) throw new Error('codec blew up');
        return fakeSwimSrcAddr(bytes);
      },
    });
    const link = acceptFrom(P1);
    const frames = [
      new Uint8Array(0),
      new Uint8Array([9, 1, 2]),
      new Uint8Array([2, 0x7b]),
      new Uint8Array([1, 0xee, 1, 2]),
      new Uint8Array([1, 1, 2]),
    ];
    for (const bytes of frames) expect(() => link.options.handlers.data(bytes)).not.toThrow();
    expect(mesh.stats()).toMatchObject({ malformedDropped: 5, packetsIn: 5, spoofedDropped: 0 });
  });

  it('frames that arrive before the link reports itself open are delivered right after peer-open', () => {
    const { mesh, driver, server } = setup(P2);
    const events: string[] = [];
    mesh.on('peer-open', (addr) => events.push(`open ${addr}`));
    mesh.on('app', (from, bytes) => events.push(`app ${from} ${bytes[0]}`));
    server.deliver(P1, 'aaaaaaaa-1', { type: 'offer', signal: OFFER });
    const link = driver.linkTo(P1)!;
    link.options.handlers.signal(ANSWER);
    link.options.handlers.data(new Uint8Array([3, 42]));
    expect(events).toEqual([]);
    link.opened();
    expect(events).toEqual([`open ${P1}`, `app ${P1} 42`]);
  });

  /** P1 offers to P2, which answers from page `bbbbbbbb` (with `stamp` when given): an open link. */
  function linkedToP2(stamp?: number) {
    const { mesh, driver, server } = setup(P1);
    const closed: PeerAddr[] = [];
    mesh.on('peer-close', (addr) => closed.push(addr));
    mesh.connect(P2);
    const link = driver.linkTo(P2)!;
    link.options.handlers.signal(OFFER);
    const answer = { type: 'answer' as const, signal: ANSWER, instance: 'bbbbbbbb' };
    server.deliver(P2, server.sent[0]!.sessionId, stamp === undefined ? answer : { ...answer, stamp });
    link.opened();
    /** The request just delivered replaced the link: P1 offers again on a new one. */
    const expectRelinked = () => {
      expect(link.destroyed).toBe(true);
      expect(closed).toEqual([P2]);
      expect(driver.links).toHaveLength(2);
      expect(driver.linkTo(P2)!.options.initiator).toBe(true);
    };
    return { mesh, driver, server, expectRelinked };
  }

  it('a request from a restarted peer replaces the dead link; a late one from the same page does not', () => {
    const { mesh, driver, server, expectRelinked } = linkedToP2();
    server.deliver(P2, 'bbbbbbbb-1', { type: 'connect' }); // sent before the link opened, arrived late
    expect(mesh.isOpen(P2)).toBe(true);
    expect(driver.links).toHaveLength(1);
    server.deliver(P2, 'cccccccc-1', { type: 'connect' }); // the same addr, a new page
    expectRelinked();
  });

  it('a request from a reloaded page cuts short our attempt to its old page; one from the page we link to does not', () => {
    const { mesh, driver, server } = linkedToP2();
    const first = driver.linkTo(P2)!;
    first.options.handlers.close('closed'); // the page went (a reload): its link closes
    expect(mesh.isOpen(P2)).toBe(false);
    mesh.connect(P2); // re-made at once, toward the old page: it can only time out
    const toOld = driver.linkTo(P2)!;
    toOld.options.handlers.signal(OFFER);
    expect(driver.links).toHaveLength(2);
    server.deliver(P2, 'bbbbbbbb-7', { type: 'connect' }); // the old page's: crossed our offer
    expect(driver.links).toHaveLength(2);
    expect(toOld.destroyed).toBe(false);
    server.deliver(P2, 'aaaaaaaa-5', { type: 'connect' }); // replayed from an older page: not newer
    expect(toOld.destroyed).toBe(false);
    server.deliver(P2, 'cccccccc-100', { type: 'connect' }); // the reloaded page asks
    expect(toOld.destroyed).toBe(true);
    expect(driver.links).toHaveLength(3);
    const toNew = driver.linkTo(P2)!;
    expect(toNew.options.initiator).toBe(true);
    toNew.options.handlers.signal(OFFER);
    const offer = server.sent.at(-1)!;
    expect(offer).toMatchObject({ to: P2, data: { type: 'offer' } });
    server.deliver(P2, offer.sessionId, { type: 'answer', signal: ANSWER, instance: 'cccccccc' });
    toNew.opened();
    expect(mesh.isOpen(P2)).toBe(true);
  });

  it("a request from the same page made after its answer replaces the link: the peer's side failed", () => {
    const { mesh, driver, server, expectRelinked } = linkedToP2(5_000);
    server.deliver(P2, 'bbbbbbbb-4000', { type: 'connect' }); // sent before its answer: late
    server.deliver(P2, 'bbbbbbbb-5000', { type: 'connect' });
    expect(mesh.isOpen(P2)).toBe(true);
    expect(driver.links).toHaveLength(1);
    server.deliver(P2, 'bbbbbbbb-5001', { type: 'connect' }); // after its answer: its link is gone
    expectRelinked();
  });

  it('a bad signal from the server changes nothing', () => {
    const { mesh, driver, server } = setup(P2);
    server.deliver('zz', 'aaaaaaaa-1', { type: 'offer', signal: OFFER });
    server.deliver(P1, 'not-a-session', { type: 'offer', signal: OFFER });
    server.deliver(P1, 'aaaaaaaa-1', { type: 'offer' });
    expect(driver.links).toEqual([]);
    expect(mesh.stats().malformedDropped).toBe(2);
  });

  it('an event handler that throws is logged, and the other handlers still run', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const { mesh, acceptFrom } = setup(P2, { logger });
    const opened: PeerAddr[] = [];
    mesh.on('peer-open', () => {
      throw new Error('app bug');
    });
    const off = mesh.on('peer-open', (addr) => opened.push(addr));
    acceptFrom(P1);
    expect(opened).toEqual([P1]);
    expect(warnings).toEqual(['mesh: event handler threw']);
    off();
    acceptFrom(testAddr(0), 'cccccccc-1');
    expect(opened).toEqual([P1]);
    expect(warnings).toHaveLength(2);
  });

  it('bad options throw a named error and nothing is created', () => {
    const driver = new FakeDriver();
    const base = { self: P1, swimSrcAddr: fakeSwimSrcAddr };
    expect(() => new MeshNode({ ...base, self: 'x' }, driver)).toThrow(/self must be/);
    expect(() => new MeshNode({ ...base, maxConnections: 0 }, driver)).toThrow(
      expect.objectContaining({ name: 'InvalidMeshInitError' }),
    );
    expect(() => new MeshNode({ ...base, backoffBaseMs: 10, backoffMaxMs: 5 }, driver)).toThrow(
      /backoffMaxMs/,
    );
  });
});
