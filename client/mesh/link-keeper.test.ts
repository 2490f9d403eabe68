import { afterEach, describe, expect, it } from 'vitest';
import { RingOverlay, route } from '../../shared/overlay/index';
import { seededRng } from '../../shared/swim/index';
import { ManualClock } from '../runtime/test-support/manual-clock';
import { createInMemoryNetwork } from './in-memory-network';
import { LinkKeeper, linkReserve, overlayRoutes, ringsForBudget } from './link-keeper';
import type { MeshNode } from './mesh-node';
import { fakeSwimSrcAddr, pickSeed } from './test-support/helpers';

/** Addresses spread over the rings as real ones are (SHA-256 of random bytes, here of a counter). */
function spreadAddr(n: number): string {
  let x = (n * 2654435761) >>> 0;
  let hex = '';
  for (let i = 0; i < 4; i++) {
    x = (Math.imul(x ^ (x >>> 15), 2246822507) + n) >>> 0;
    hex += x.toString(16).padStart(8, '0');
  }
  return hex;
}

describe('ringsForBudget', () => {
  it('picks the largest K ≤ 8 whose 2K links fit the budget less its reserve', () => {
    expect(ringsForBudget(32)).toBe(8);
    expect(ringsForBudget(100)).toBe(8);
    expect(ringsForBudget(16)).toBe(7);
    expect(ringsForBudget(8)).toBe(3);
    expect(ringsForBudget(6)).toBe(2);
    expect(ringsForBudget(3)).toBe(1);
    expect(ringsForBudget(1)).toBe(1);
    for (let max = 3; max <= 500; max++) {
      expect(2 * ringsForBudget(max)).toBeLessThanOrEqual(max - linkReserve(max));
    }
  });
});

describe('LinkKeeper over the in-memory network', () => {
  const meshes: MeshNode[] = [];
  afterEach(() => {
    for (const mesh of meshes.splice(0)) mesh.close();
  });

  function room(count: number, maxConnections: number) {
    const seed = pickSeed();
    console.log(`link-keeper seed ${seed} (replay with MESH_SEED=${seed})`);
    const clock = new ManualClock();
    const network = createInMemoryNetwork({ clock, delayMs: 5 });
    const addrs = Array.from({ length: count }, (_, i) => spreadAddr(i + 1));
    for (const [i, self] of addrs.entries()) {
      meshes.push(
        network.createMesh({
          self,
          swimSrcAddr: fakeSwimSrcAddr,
          rng: seededRng(seed + i),
          maxConnections,
          clock,
        }),
      );
    }
    return { clock, network, addrs };
  }

  it('holds exactly the overlay links, signaled along routes once bootstrapped, within the budget', () => {
    const maxConnections = 6;
    const { clock, network, addrs } = room(24, maxConnections);
    const rings = ringsForBudget(maxConnections);
    const keepers = meshes.map(
      (mesh) => new LinkKeeper(mesh, { closeAfterMs: 5_000, maxLinks: maxConnections }),
    );
    for (const mesh of meshes) {
      const view = {
        nextHops: (to: string) => route(joined, mesh.self, to)?.nextHops ?? [],
        indirectVia: (to: string) =>
          joined.has(to) && joined.has(mesh.self)
            ? joined.links(mesh.self).filter((x) => joined.links(to).includes(x))
            : [],
      };
      mesh.setRoutes(overlayRoutes(view, (addr) => mesh.isOpen(addr)));
    }

    // Members join one at a time: a first link to an earlier member through the server (bootstrap),
    // then the overlay links of the view so far, signaled through the overlay.
    const joined = new RingOverlay([addrs[0]!], { rings });
    const wantedOf = (mesh: MeshNode) => (joined.has(mesh.self) ? joined.links(mesh.self) : []);
    const everWanted = new Set<string>();
    const tick = () => {
      meshes.forEach((mesh, i) => {
        const wanted = wantedOf(mesh);
        for (const peer of wanted) everWanted.add([mesh.self, peer].sort().join());
        keepers[i]!.apply(clock.now(), wanted);
      });
      clock.advance(500);
    };
    for (const [i, mesh] of meshes.entries()) {
      if (i === 0) continue;
      mesh.connect(addrs[(i * 7) % i]!);
      for (let t = 0; t < 4; t++) tick();
      joined.add(mesh.self);
      for (let t = 0; t < 4; t++) tick();
    }
    const serverBeforeSettling = meshes.reduce((sum, mesh) => sum + mesh.stats().signalsViaServer, 0);
    for (let t = 0; t < 120; t++) tick();
    expect(network.liveLinks).toBeGreaterThan(0);
    for (const mesh of meshes) {
      const held = [...mesh.links()].filter(([, state]) => state === 'open').map(([addr]) => addr);
      expect(held.sort()).toEqual(joined.links(mesh.self));
      expect(mesh.links().size).toBeLessThanOrEqual(maxConnections);
    }
    const total = (key: 'signalsRouted' | 'signalsFlooded' | 'linksCreated') =>
      meshes.reduce((sum, mesh) => sum + mesh.stats()[key], 0);
    expect(total('signalsRouted')).toBeGreaterThan(0);
    const linkCount = meshes.reduce((sum, mesh) => sum + joined.links(mesh.self).length, 0);
    console.log('link-keeper figures', {
      links: linkCount / 2,
      linksCreated: total('linksCreated'),
      routed: total('signalsRouted'),
      flooded: total('signalsFlooded'),
      viaServer: serverBeforeSettling,
      everWanted: everWanted.size,
    });
    // Each link ever wanted costs its two ends one connection object each, and so does each bootstrap
    // link; retries of requests refused while a lingering link held the last slot (2K = the budget
    // here) cost the rest: measured 332 against 266 at N = 24, K = 3 (seeds vary it a little).
    expect(total('linksCreated')).toBeLessThanOrEqual(1.5 * (2 * everWanted.size + 2 * addrs.length));
  });

  it('a join moves links open-before-close and a flapping member costs no new links', () => {
    const { clock, addrs } = room(16, 32);
    const rings = 2;
    const joiner = addrs.at(-1)!;
    const overlay = new RingOverlay(addrs.slice(0, -1), { rings });
    const keepers = meshes.map((mesh) => new LinkKeeper(mesh, { closeAfterMs: 10_000 }));
    const tick = (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        meshes.forEach((mesh, i) => {
          if (overlay.has(mesh.self)) keepers[i]!.apply(clock.now(), overlay.links(mesh.self));
        });
        clock.advance(500);
      }
    };
    tick(5_000);
    const before = meshes.reduce((sum, mesh) => sum + mesh.stats().linksCreated, 0);
    // The joiner flaps in and out every second for 6 s: links wanted again within the linger stay.
    for (let i = 0; i < 6; i++) {
      overlay.add(joiner);
      tick(500);
      overlay.remove(joiner);
      tick(500);
    }
    overlay.add(joiner);
    tick(20_000);
    const after = meshes.reduce((sum, mesh) => sum + mesh.stats().linksCreated, 0);
    for (const mesh of meshes) {
      const open = [...mesh.links()].filter(([, s]) => s === 'open').map(([a]) => a);
      expect(open.sort()).toEqual(overlay.links(mesh.self));
    }
    // The joiner's ≤ 2K links, each two objects, plus at most one round of the flapping's own opens.
    expect(after - before).toBeLessThanOrEqual(2 * (2 * 2 * rings));
  });
});
