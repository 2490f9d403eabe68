import { describe, expect, it } from 'vitest';
import { OverlayTopology } from '../../shared/host/index';
import { BinaryCodec, BrowserIdentity, browserIdentityCodec, lan, seededRng } from '../../shared/swim/index';
import { createInMemoryNetwork } from '../mesh/in-memory-network';
import { SwimHost } from './swim-host';
import { ManualClock } from './test-support/manual-clock';

const codec = new BinaryCodec(browserIdentityCodec);
const swimSrcAddr = (bytes: Uint8Array) => codec.readSource(bytes)?.addr;

/** The real topology, with its mode and wanted links forced by the test when it sets them. */
class StubTopology extends OverlayTopology {
  forced: 'mesh' | 'overlay' | undefined;
  wanted: string[] | undefined;
  override get mode(): 'mesh' | 'overlay' {
    return this.forced ?? super.mode;
  }
  override wantedLinks(): readonly string[] {
    return this.forced === 'overlay' && this.wanted !== undefined ? this.wanted : super.wantedLinks();
  }
}

function trio(seed: number) {
  console.log(`swim-host topology seed ${seed}`);
  const clock = new ManualClock();
  const rng = seededRng(seed);
  const network = createInMemoryNetwork({ clock, delayMs: 1 });
  const make = () => {
    const identity = BrowserIdentity.random(rng);
    const mesh = network.createMesh({ self: identity.addr, swimSrcAddr, clock, rng });
    const topology = new StubTopology({ self: identity.addr, isLinked: (addr) => mesh.isOpen(addr) });
    const host = new SwimHost({ identity, config: lan(4), mesh, rng, clock, topology });
    return { identity, mesh, host, topology };
  };
  const members = [make(), make(), make()] as const;
  const [a, b, c] = members;
  for (const other of [b, c]) {
    a.mesh.connect(other.identity.addr);
    clock.advance(100);
    a.host.announce(other.identity.addr);
    clock.advance(500);
  }
  return { clock, a, b, c, members };
}

describe('SwimHost with a topology', () => {
  it('feeds the view from member-up, and in mesh mode links to everyone as before', () => {
    const { clock, members } = trio(11);
    clock.advance(3_000);
    for (const m of members) {
      expect(m.topology.size).toBe(3);
      expect(m.mesh.openPeers()).toHaveLength(2);
      expect(m.host.overlayMode).toBe(false);
    }
  });

  it('in overlay mode holds only the wanted links: an unwanted one closes after its linger', () => {
    const { clock, a, b, c } = trio(12);
    clock.advance(3_000);
    for (const m of [a, b, c]) m.topology.forced = 'overlay';
    a.topology.wanted = [b.identity.addr];
    c.topology.wanted = [b.identity.addr];
    b.topology.wanted = [a.identity.addr, c.identity.addr];
    clock.advance(5_000);
    expect(a.mesh.isOpen(c.identity.addr)).toBe(true); // still lingering
    expect(a.host.overlayMode).toBe(true);
    clock.advance(15_000);
    expect(a.mesh.openPeers()).toEqual([b.identity.addr]);
    expect(c.mesh.openPeers()).toEqual([b.identity.addr]);
    expect(b.mesh.openPeers().sort()).toEqual([a.identity.addr, c.identity.addr].sort());
    // Sends to c find no link and ask for none.
    const created = a.mesh.stats().linksCreated;
    clock.advance(10_000);
    expect(a.mesh.isOpen(c.identity.addr)).toBe(false);
    expect(a.mesh.stats().linksCreated).toBe(created);
  });

  it('back in mesh mode links to every active member again', () => {
    const { clock, a, b, c } = trio(13);
    clock.advance(3_000);
    for (const m of [a, b, c]) m.topology.forced = 'overlay';
    a.topology.wanted = [b.identity.addr];
    c.topology.wanted = [b.identity.addr];
    b.topology.wanted = [a.identity.addr, c.identity.addr];
    clock.advance(20_000);
    expect(a.mesh.isOpen(c.identity.addr)).toBe(false);
    for (const m of [a, b, c]) m.topology.forced = 'mesh';
    clock.advance(3_000);
    expect(a.mesh.isOpen(c.identity.addr)).toBe(true);
  });
});
