/**
 * The one compliance suite every `Mesh` implementation passes (js-libp2p style): run from
 * `webrtc-mesh.test.ts` and `in-memory-network.test.ts`. It asserts on events and counters only, and
 * waits on them with generous timeouts: no timing assertions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../../shared/swim/index';
import type { Mesh, MeshEvents, PeerAddr } from '../mesh';
import type { MeshInit } from '../mesh-init';
import type { MeshStatsDetail } from '../mesh-node';
import { fakeSwimPacket, fakeSwimSrcAddr, pickSeed, testAddr, waitFor } from './helpers';

export interface MeshUnderTest extends Mesh {
  stats(): MeshStatsDetail;
}

/** What an implementation provides to the suite. */
export interface MeshTestbed {
  /** A mesh for `init.self` whose server signaling reaches every other mesh of this testbed. */
  create(init: MeshInit): MeshUnderTest;
  /** Takes the signaling server down (false) or brings it back (true). */
  setServerOnline(online: boolean): void;
  /** Releases what the testbed holds beyond the meshes (the suite closes those). */
  dispose(): Promise<void>;
}

const A = testAddr(0xa);
const B = testAddr(0xb);
const C = testAddr(0xc);

/** Records every event of a mesh. */
function record(mesh: Mesh) {
  const log = {
    open: [] as PeerAddr[],
    close: [] as PeerAddr[],
    swim: [] as [PeerAddr, Uint8Array][],
    app: [] as [PeerAddr, Uint8Array][],
  };
  const handlers: { [E in keyof MeshEvents]: MeshEvents[E] } = {
    'peer-open': (addr) => log.open.push(addr),
    'peer-close': (addr) => log.close.push(addr),
    swim: (from, bytes) => log.swim.push([from, bytes.slice()]),
    app: (from, bytes) => log.app.push([from, bytes.slice()]),
  };
  mesh.on('peer-open', handlers['peer-open']);
  mesh.on('peer-close', handlers['peer-close']);
  mesh.on('swim', handlers.swim);
  mesh.on('app', handlers.app);
  return log;
}

export function meshCompliance(name: string, makeTestbed: () => MeshTestbed): void {
  describe(`${name} mesh compliance`, () => {
    let testbed: MeshTestbed;
    let meshes: MeshUnderTest[];
    let seed: number;

    beforeEach(() => {
      testbed = makeTestbed();
      meshes = [];
      seed = pickSeed();
      console.log(`${name} mesh compliance seed ${seed} (replay with MESH_SEED=${seed})`);
    });

    afterEach(async () => {
      for (const mesh of meshes) mesh.close();
      await testbed.dispose();
    });

    function create(self: PeerAddr, overrides: Partial<MeshInit> = {}): MeshUnderTest {
      const mesh = testbed.create({
        self,
        swimSrcAddr: fakeSwimSrcAddr,
        rng: seededRng(seed + meshes.length),
        connectTimeoutMs: 8_000,
        signalRetryMs: 300,
        backoffBaseMs: 50,
        backoffMaxMs: 400,
        ...overrides,
      });
      meshes.push(mesh);
      return mesh;
    }

    async function link(x: MeshUnderTest, y: MeshUnderTest): Promise<void> {
      x.connect(y.self);
      await waitFor(() => x.isOpen(y.self) && y.isOpen(x.self), `a link ${x.self} <-> ${y.self}`);
    }

    it('connecting from both sides at once makes exactly one link, signaled through the server', async () => {
      const a = create(A);
      const b = create(B);
      const aLog = record(a);
      const bLog = record(b);
      expect(a.connect(B)).toBe(true);
      expect(b.connect(A)).toBe(true);
      await waitFor(() => a.isOpen(B) && b.isOpen(A), 'the link');
      // A round trip after opening: a second link would have announced itself by now.
      a.sendApp(B, new Uint8Array([1]));
      await waitFor(() => bLog.app.length === 1, 'a message over the link');
      expect(aLog.open).toEqual([B]);
      expect(bLog.open).toEqual([A]);
      expect(a.openPeers()).toEqual([B]);
      expect(b.openPeers()).toEqual([A]);
      for (const mesh of [a, b]) {
        expect(mesh.stats()).toMatchObject({ open: 1, pending: 0, signaledViaServer: 1, signaledViaMesh: 0 });
      }
    });

    it('the larger addr asking alone gets the smaller to initiate', async () => {
      const a = create(A);
      const b = create(B);
      expect(b.connect(A)).toBe(true);
      await waitFor(() => a.isOpen(B) && b.isOpen(A), 'the link');
      expect(a.stats().open).toBe(1);
    });

    it('an attempt that fails is retried with backoff until the peer appears', async () => {
      const a = create(A);
      expect(a.connect(B)).toBe(true); // B is not on the server yet: the offer cannot be delivered.
      await waitFor(() => a.stats().failedAttempts >= 1, 'a failed attempt');
      expect(a.stats().backingOff + a.stats().pending).toBe(1);
      const b = create(B);
      await waitFor(() => a.isOpen(B) && b.isOpen(A), 'the link after a retry');
    });

    it('swim packets and app messages arrive with their sender, and are counted', async () => {
      const a = create(A);
      const b = create(B);
      const aLog = record(a);
      const bLog = record(b);
      await link(a, b);
      const before = a.stats();
      const packet = fakeSwimPacket(A, 100);
      expect(a.sendSwim(B, packet)).toBe(true);
      const message = new Uint8Array(10_000).fill(7);
      expect(b.sendApp(A, message)).toBe(true);
      await waitFor(() => bLog.swim.length === 1 && aLog.app.length === 1, 'both frames');
      expect(bLog.swim[0]).toEqual([A, packet]);
      expect(aLog.app[0]).toEqual([B, message]);
      expect(a.stats().packetsOut - before.packetsOut).toBe(1);
      expect(a.stats().bytesOut - before.bytesOut).toBe(packet.length + 1);
      expect(b.stats().packetsIn).toBeGreaterThanOrEqual(1);
      expect(a.stats().bytesIn - before.bytesIn).toBe(message.length + 1);
    });

    it('sending to a member without an open link returns false', () => {
      const a = create(A);
      expect(a.sendSwim(B, fakeSwimPacket(A))).toBe(false);
      expect(a.sendApp(B, new Uint8Array(1))).toBe(false);
      expect(a.stats().packetsOut).toBe(0);
    });

    it('a swim packet whose src is not the channel peer is dropped and counted', async () => {
      const a = create(A);
      const b = create(B);
      const bLog = record(b);
      await link(a, b);
      expect(a.sendSwim(B, fakeSwimPacket(C))).toBe(true);
      await waitFor(() => b.stats().spoofedDropped === 1, 'the spoofed packet counted');
      expect(a.sendSwim(B, new Uint8Array(3))).toBe(true); // too short for a header: unreadable
      await waitFor(() => b.stats().malformedDropped === 1, 'the unreadable packet counted');
      expect(bLog.swim).toEqual([]);
    });

    it('oversize frames are refused on send and dropped on receipt', async () => {
      const a = create(A, { maxPacketSize: 2_000 });
      const b = create(B);
      const bLog = record(b);
      await link(a, b);
      expect(b.sendSwim(A, fakeSwimPacket(B, 1_200))).toBe(false); // 1,216 > 1,200
      expect(b.sendApp(A, new Uint8Array(16 * 1024))).toBe(false);
      expect(b.stats().malformedDropped).toBe(2);
      expect(a.sendSwim(B, fakeSwimPacket(A, 1_500))).toBe(true); // within A's limit, not B's
      await waitFor(() => b.stats().malformedDropped === 3, 'the oversize packet counted');
      expect(bLog.swim).toEqual([]);
    });

    it('disconnect closes the link on both sides', async () => {
      const a = create(A);
      const b = create(B);
      const aLog = record(a);
      const bLog = record(b);
      await link(a, b);
      a.disconnect(B);
      expect(a.isOpen(B)).toBe(false);
      expect(aLog.close).toEqual([B]);
      await waitFor(() => bLog.close.length === 1, 'the close at the peer');
      expect(bLog.close).toEqual([A]);
      expect(b.openPeers()).toEqual([]);
      expect(a.sendSwim(B, fakeSwimPacket(A))).toBe(false);
    });

    it('the budget refuses connections past maxConnections, ours and our peers', async () => {
      const a = create(A, { maxConnections: 1 });
      const b = create(B);
      const c = create(C);
      expect(a.connect(B)).toBe(true);
      expect(a.connect(C)).toBe(false);
      expect(a.stats().refused).toBe(1);
      await waitFor(() => a.isOpen(B) && b.isOpen(A), 'the link within budget');
      expect(c.connect(A)).toBe(true); // C asks A to initiate; A refuses with "busy"
      await waitFor(() => c.stats().failedAttempts >= 1 && a.stats().refused >= 2, 'the refusal');
      expect(a.openPeers()).toEqual([B]);
      expect(c.isOpen(A)).toBe(false);
    });

    it('two members that share only a third connect through it, without the server', async () => {
      const a = create(A);
      const b = create(B);
      const c = create(C);
      await link(c, a);
      await link(c, b);
      testbed.setServerOnline(false);
      expect(b.connect(A)).toBe(true); // the larger asks, the smaller offers: three relayed signals
      await waitFor(() => a.isOpen(B) && b.isOpen(A), 'the relay-signaled link');
      expect(a.stats().signaledViaMesh).toBe(1);
      expect(b.stats().signaledViaMesh).toBe(1);
      expect(c.stats().relayed).toBeGreaterThanOrEqual(3);
      expect(c.stats().open).toBe(2);
    });

    it('at 100% loss every frame is dropped, outgoing and incoming', async () => {
      const a = create(A);
      const b = create(B);
      const bLog = record(b);
      await link(a, b);
      const sentBefore = a.stats().packetsOut;
      a.setLoss(1);
      for (let i = 0; i < 5; i++) expect(a.sendSwim(B, fakeSwimPacket(A))).toBe(true);
      expect(a.stats().lossDropped).toBe(5);
      expect(a.stats().packetsOut).toBe(sentBefore);
      a.setLoss(0);
      b.setLoss(1);
      for (let i = 0; i < 5; i++) a.sendApp(B, new Uint8Array([i]));
      await waitFor(() => b.stats().lossDropped === 5, 'the incoming drops');
      expect(bLog.swim).toEqual([]);
      expect(bLog.app).toEqual([]);
      expect(() => a.setLoss(1.5)).toThrow(RangeError);
    });

    it('close() closes every link, and the mesh refuses work afterwards', async () => {
      const a = create(A);
      const b = create(B);
      const c = create(C);
      const bLog = record(b);
      const cLog = record(c);
      await link(a, b);
      await link(a, c);
      a.close();
      expect(a.openPeers()).toEqual([]);
      await waitFor(() => bLog.close.length === 1 && cLog.close.length === 1, 'both peers see the close');
      expect(a.connect(B)).toBe(false);
      expect(a.sendApp(B, new Uint8Array(1))).toBe(false);
    });

    it('rejects a malformed addr and never connects to itself', () => {
      const a = create(A);
      expect(() => a.connect('not-an-addr')).toThrow(TypeError);
      expect(a.connect(A)).toBe(false);
      expect(a.stats()).toMatchObject({ open: 0, pending: 0 });
    });
  });
}
