import { describe, expect, it } from 'vitest';
import { RingOverlay, RingPool } from '../overlay/index';
import { BrowserIdentity, type HandleResult, type Runtime, type Timer, type Topology } from '../swim/index';
import { type HostCore, HostLoop } from './index';
import { OverlayTopology } from './overlay-topology';

const addrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, '0')}`);

function topologyOver(n: number, linked: (a: string) => boolean = () => true, maxLinks = 32) {
  const all = addrs(n);
  const t = new OverlayTopology({ self: all[0]!, maxLinks, isLinked: linked });
  for (const a of all.slice(1)) t.add(a);
  return { t, all };
}

describe('OverlayTopology', () => {
  it('is a full mesh while the others fit the budget, and the overlay past it', () => {
    const { t, all } = topologyOver(33);
    expect(t.mode).toBe('mesh');
    expect(t.wantedLinks()).toEqual(all.slice(1));
    t.add('extra');
    expect(t.mode).toBe('overlay');
    expect(t.wantedLinks().length).toBeLessThanOrEqual(16);
  });

  it('probes a subject unlinked for unlinkedProbeAfterMs, once per wait, only while it holds most of its own links', () => {
    const down = new Set<string>();
    const all = addrs(200);
    const t = new OverlayTopology({
      self: all[0]!,
      isLinked: (a) => !down.has(a),
      unlinkedProbeAfterMs: 10_000,
    });
    for (const a of all.slice(1)) t.add(a);
    const [s1, s2] = t.probeTargets();
    down.add(s1!);
    const ask = (now: number, a = s1!) => {
      t.setNow(now);
      return t.probeUnlinked(a);
    };
    expect(ask(1000)).toBe(false); // the first turn found unlinked starts the wait
    expect(ask(10_999)).toBe(false);
    expect(ask(11_000)).toBe(true);
    // Our own check may judge it only 5 s after that probe (its refutation travels by gossip).
    expect(t.judgeUnlinked(s1!)).toBe(false);
    t.setNow(15_999);
    expect(t.judgeUnlinked(s1!)).toBe(false);
    t.setNow(16_000);
    expect(t.judgeUnlinked(s1!)).toBe(true);
    expect(t.judgeUnlinked(s2!)).toBe(true); // never probed without a link
    expect(ask(12_000)).toBe(false); // the wait starts over
    expect(ask(21_000)).toBe(true);
    // The link opens: the wait starts over from the next turn found unlinked.
    down.delete(s1!);
    t.setNow(22_000);
    expect(t.canReach(s1!)).toBe(true);
    down.add(s1!);
    expect(ask(23_000)).toBe(false);
    expect(ask(32_999)).toBe(false);
    expect(ask(33_000)).toBe(true);
    // Cut off from most of our own links: we are the likelier culprit, nobody is probed unlinked.
    for (const a of t.wantedLinks()) down.add(a);
    expect(ask(40_000, s2)).toBe(false);
    expect(ask(60_000, s2)).toBe(false);
    expect(ask(70_000)).toBe(false);
    const off = new OverlayTopology({ self: all[0]!, isLinked: () => false, unlinkedProbeAfterMs: Infinity });
    for (const a of all.slice(1)) off.add(a);
    off.setNow(0);
    expect(off.probeUnlinked(s1!)).toBe(false);
    off.setNow(1e9);
    expect(off.probeUnlinked(s1!)).toBe(false);
  });

  it("tells a subject's observers on the rings, and anyone in a mesh", () => {
    const small = topologyOver(10);
    expect(small.t.isObserver(small.all[3]!, small.all[5]!)).toBe(true);
    const { t, all } = topologyOver(200);
    const subject = all[17]!;
    const observers = new Set(new RingOverlay(all, { rings: t.rings }).observers(subject));
    for (const a of all) if (a !== subject) expect(t.isObserver(a, subject)).toBe(observers.has(a));
    expect(t.isObserver(all[1]!, 'not-in-view')).toBe(false);
  });

  it("lets a subject's ring neighbours accuse it (observers and subjects in our view), anyone in a mesh", () => {
    const small = topologyOver(10);
    expect(small.t.watches(small.all[3]!, small.all[5]!)).toBe(true);
    const { t, all } = topologyOver(200);
    const subject = all[17]!;
    const neighbours = new Set(new RingOverlay(all, { rings: t.rings }).links(subject));
    for (const a of all) if (a !== subject) expect(t.watches(a, subject)).toBe(neighbours.has(a));
    expect(neighbours.size).toBeLessThanOrEqual(2 * t.rings);
    // Not in our view yet: the core's own rule (the accuser must be a member it holds) decides.
    expect(t.watches(all[1]!, 'not-in-view')).toBe(true);
  });

  it('rides the overlay from the start when told the room is past the budget, until its view gets there', () => {
    const { t, all } = topologyOver(5);
    const version = t.version;
    t.expectSize(20); // Under the budget: nothing changes.
    expect(t.mode).toBe('mesh');
    t.expectSize(100);
    expect(t.mode).toBe('overlay');
    expect(t.version).toBeGreaterThan(version);
    // The rings over the small view: everyone it holds, not a link per member it will hear of.
    expect([...t.wantedLinks()].sort()).toEqual(all.slice(1));
    for (const a of addrs(100).slice(5)) {
      t.add(a);
      expect(t.mode).toBe('overlay');
      expect(t.wantedLinks().length).toBeLessThanOrEqual(16);
    }
    // The view reached the size it was told: the view alone decides again.
    for (const a of addrs(100).slice(20).reverse()) t.remove(a);
    expect(t.size).toBe(20);
    expect(t.mode).toBe('mesh');
  });

  it('forgets a room size it was told when asked to (a room that shrank meanwhile)', () => {
    const { t } = topologyOver(5);
    t.expectSize(100);
    expect(t.mode).toBe('overlay');
    t.expectSize(0);
    expect(t.mode).toBe('mesh');
    expect(t.wantedLinks().length).toBe(4);
  });

  it('goes back to a mesh only an eighth under the budget (hysteresis)', () => {
    const { t, all } = topologyOver(34);
    expect(t.mode).toBe('overlay');
    const seen: string[] = [];
    for (const a of all.slice(29).reverse()) {
      t.remove(a);
      seen.push(`${t.size - 1}:${t.mode}`);
    }
    expect(seen).toEqual(['32:overlay', '31:overlay', '30:overlay', '29:overlay', '28:mesh']);
    t.add(all[33]!);
    expect(t.mode).toBe('mesh');
  });

  it('wants the ring links, probes the subjects, and routes over the same rings as a fresh overlay', () => {
    const { t, all } = topologyOver(200);
    t.remove(all[7]!);
    t.add('late');
    const view = [...all.filter((a) => a !== all[7]), 'late'];
    const fresh = new RingOverlay(view);
    expect(t.wantedLinks()).toEqual(fresh.links(all[0]!));
    expect(t.probeTargets()).toEqual(fresh.subjects(all[0]!));
    const far = view.find((a) => !fresh.links(all[0]!).includes(a) && a !== all[0])!;
    const hops = t.nextHops(far);
    expect(hops.length).toBeGreaterThan(0);
    for (const h of hops) expect(fresh.links(all[0]!)).toContain(h);
    expect(t.nextHops('stranger')).toEqual([]);
  });

  it('asks for indirect checks only linked members that also link to the subject', () => {
    const open = new Set<string>();
    const { t, all } = topologyOver(300, (a) => open.has(a));
    const overlay = new RingOverlay(all);
    const mine = overlay.links(all[0]!);
    for (const a of mine.slice(0, mine.length - 2)) open.add(a);
    for (const subject of t.probeTargets()) {
      for (const via of t.indirectVia(subject)) {
        expect(open.has(via)).toBe(true);
        expect(overlay.links(via)).toContain(subject);
        expect(via).not.toBe(subject);
      }
    }
    expect(t.canReach(mine[0]!)).toBe(true);
    expect(t.canReach(mine.at(-1)!)).toBe(false);
  });

  it('shares one overlay between members whose views are equal, and each still answers from its own view', () => {
    const pool = new RingPool(8);
    const all = addrs(300);
    const members = all.slice(0, 4).map((self) => {
      const t = new OverlayTopology({ self, pool, isLinked: () => true });
      for (const a of all) t.add(a);
      return t;
    });
    for (const t of members) t.wantedLinks();
    expect(pool.size).toBe(1);
    // One member hears of a Down the others haven't yet: it alone moves to a view of its own.
    members[1]!.remove(all[150]!);
    const fresh = new RingOverlay(all.filter((a) => a !== all[150]));
    expect(members[1]!.wantedLinks()).toEqual(fresh.links(all[1]!));
    expect(members[0]!.wantedLinks()).toEqual(new RingOverlay(all).links(all[0]!));
    expect(pool.size).toBe(2);
    for (const t of [members[0]!, members[2]!, members[3]!]) t.remove(all[150]!);
    for (const t of members) expect(t.wantedLinks()).toEqual(fresh.links(t.self));
    expect(pool.size).toBe(1);
    expect(members[0]!.has(all[150]!)).toBe(false);
    expect(members[0]!.size).toBe(299);
  });

  it('fits K to a small budget by default (maxConnections 6: K = 3)', () => {
    const t = new OverlayTopology({ self: 'a', maxLinks: 6, isLinked: () => true });
    expect(t.rings).toBe(3);
    for (const a of addrs(12)) t.add(a);
    expect(t.mode).toBe('overlay');
    expect(t.wantedLinks().length).toBeLessThanOrEqual(6);
  });

  it('rejects a budget the rings cannot fit', () => {
    expect(() => new OverlayTopology({ self: 'a', rings: 8, maxLinks: 10, isLinked: () => true })).toThrow(
      RangeError,
    );
  });
});

describe('HostLoop with a topology', () => {
  type Id = BrowserIdentity;
  const ids = Array.from({ length: 40 }, (_, i) =>
    BrowserIdentity.fromHex(i.toString(16).padStart(32, '0'), 0),
  );

  class Core implements HostCore<Id> {
    identity = ids[0]!;
    connectionState = 'connected';
    readonly config = { suspectToDownAfterMs: 10_000 };
    readonly topologies: Array<Topology | undefined> = [];
    handleTimer(_t: Timer<Id>, _rt: Runtime<Id>): void {}
    handleData(_b: Uint8Array, _rt: Runtime<Id>): HandleResult {
      return { ok: true };
    }
    changeIdentity(): void {}
    setTopology(t: Topology | undefined): void {
      this.topologies.push(t);
    }
  }

  it('follows member-up and member-down, and hands the topology to the core only in overlay mode', () => {
    const core = new Core();
    const topology = new OverlayTopology({ self: ids[0]!.addr, isLinked: () => true });
    const loop = new HostLoop<Id>({
      core,
      topology,
      port: { send: () => true, notify: () => {}, scheduleWake: () => {} },
    });
    loop.call(0, 0, (rt) => {
      for (const id of ids.slice(1)) rt.notify({ type: 'member-up', id });
    });
    expect(topology.size).toBe(40);
    expect(core.topologies).toEqual([topology]);
    loop.call(0, 0, (rt) => {
      for (const id of ids.slice(20)) rt.notify({ type: 'member-down', id });
    });
    expect(topology.size).toBe(20);
    expect(core.topologies).toEqual([topology, undefined]);
  });

  it('times a subject without a link by the loop’s own clock: each core call sets the topology’s now', () => {
    const core = new Core();
    let cut = '';
    const topology = new OverlayTopology({
      self: ids[0]!.addr,
      isLinked: (a) => a !== cut,
      unlinkedProbeAfterMs: 1000,
    });
    const loop = new HostLoop<Id>({
      core,
      topology,
      port: { send: () => true, notify: () => {}, scheduleWake: () => {} },
    });
    loop.call(0, 0, (rt) => {
      for (const id of ids.slice(1)) rt.notify({ type: 'member-up', id });
    });
    cut = topology.probeTargets()[0]!;
    const at = <R>(now: number, read: () => R) => loop.call(now, now, read);
    expect(at(5000, () => topology.probeUnlinked(cut))).toBe(false); // found unlinked: the wait starts
    expect(at(5999, () => topology.probeUnlinked(cut))).toBe(false);
    expect(at(6000, () => topology.probeUnlinked(cut))).toBe(true);
    expect(at(10_999, () => topology.judgeUnlinked(cut))).toBe(false);
    expect(at(11_000, () => topology.judgeUnlinked(cut))).toBe(true);
  });
});
