import { afterEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../shared/swim/index';
import { createInMemoryNetwork } from './in-memory-network';
import type { MeshNode } from './mesh-node';
import { fakeSwimSrcAddr, pickSeed, testAddr, waitFor } from './test-support/helpers';
import { meshCompliance } from './test-support/mesh-compliance';

meshCompliance('in-memory', () => {
  const network = createInMemoryNetwork();
  return {
    create: (init) => network.createMesh(init),
    setServerOnline: (online) => network.hub.setOnline(online),
    dispose: async () => {},
  };
});

describe('in-memory network scenarios', () => {
  const meshes: MeshNode[] = [];
  afterEach(() => {
    for (const mesh of meshes.splice(0)) mesh.close();
  });

  function start(count: number, maxConnections = 32) {
    const seed = pickSeed();
    console.log(`in-memory scenario seed ${seed} (replay with MESH_SEED=${seed})`);
    const network = createInMemoryNetwork();
    for (let i = 1; i <= count; i++) {
      meshes.push(
        network.createMesh({
          self: testAddr(i),
          swimSrcAddr: fakeSwimSrcAddr,
          rng: seededRng(seed + i),
          maxConnections,
          signalRetryMs: 200,
          backoffBaseMs: 50,
          backoffMaxMs: 400,
        }),
      );
    }
    return network;
  }

  it('ten members bootstrapped through one form a full mesh by relayed signaling alone', async () => {
    const network = start(10);
    const [first, ...rest] = meshes as [MeshNode, ...MeshNode[]];
    for (const mesh of rest) mesh.connect(first.self);
    await waitFor(() => rest.every((mesh) => mesh.isOpen(first.self)), 'every bootstrap link');
    network.hub.setOnline(false);
    // Each member now learns the others (as from gossip) and asks for links through the mesh.
    for (const mesh of rest) for (const other of rest) if (other !== mesh) mesh.connect(other.self);
    await waitFor(() => meshes.every((mesh) => mesh.stats().open === 9), 'the full mesh');
    const viaMesh = rest.reduce((sum, mesh) => sum + mesh.stats().signaledViaMesh, 0);
    expect(viaMesh).toBe(2 * 36); // both ends of each of the 36 links between the nine joiners
    expect(network.liveLinks).toBe(2 * 45);
  });

  it('a budget smaller than the room caps every member, and no link is made twice', async () => {
    const network = start(8, 3);
    for (const mesh of meshes) for (const other of meshes) if (other !== mesh) mesh.connect(other.self);
    await waitFor(
      () => meshes.every((mesh) => mesh.stats().open + mesh.stats().pending + mesh.stats().backingOff === 3),
      'every budget filled',
    );
    for (const mesh of meshes) {
      expect(mesh.openPeers().length).toBeLessThanOrEqual(3);
      expect(mesh.stats().refused).toBeGreaterThan(0);
    }
    // Every open link is open at both ends.
    for (const mesh of meshes) {
      for (const peer of mesh.openPeers()) {
        const other = meshes.find((m) => m.self === peer)!;
        await waitFor(() => other.isOpen(mesh.self) || !mesh.isOpen(peer), 'the other end');
      }
    }
    expect(network.liveLinks).toBeLessThanOrEqual(8 * 3);
  });
});

describe('in-memory crashes', () => {
  it('a crashed member goes silent, and its links close at its peers only after the given delay', async () => {
    const network = createInMemoryNetwork();
    const init = (n: number) => ({ self: testAddr(n), swimSrcAddr: fakeSwimSrcAddr, rng: seededRng(n) });
    const a = network.createMesh(init(1));
    const b = network.createMesh(init(2));
    const closed: string[] = [];
    const received: string[] = [];
    a.on('peer-close', (addr) => closed.push(addr));
    a.on('app', (from) => received.push(from));
    a.connect(b.self);
    await waitFor(() => a.isOpen(b.self) && b.isOpen(a.self), 'the link');
    b.sendApp(a.self, new Uint8Array([1])); // in flight when b dies: lost with it
    network.crash(b.self, { linkCloseAfterMs: 50 });
    expect(a.isOpen(b.self)).toBe(true);
    expect(a.sendApp(b.self, new Uint8Array([2]))).toBe(true); // into the void
    await waitFor(() => closed.length === 1, 'the late close');
    expect(closed).toEqual([b.self]);
    expect(received).toEqual([]);
    expect(b.stats().packetsIn).toBe(0);
    a.close();
  });
});
