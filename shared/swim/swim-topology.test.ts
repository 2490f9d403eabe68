import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { CHECK_ROUNDS } from './suspicion-checks';
import { decode, makeNode, member, type Rt, type TestSwim, takeTimers } from './test-support/harness';
import { id } from './test-support/test-id';
import type { Topology } from './topology';

const ME = id(1);

/** A topology over fixed sets: links (reachable), subjects (probe targets), and who links to whom. */
function topology(linked: number[], subjects: number[], linksOf: Record<number, number[]> = {}): Topology {
  const addr = (n: number) => id(n).addr;
  const reach = new Set(linked.map(addr));
  return {
    canReach: (a) => reach.has(a),
    probeTargets: () => subjects.map(addr),
    indirectVia: (subject) =>
      linked.filter((n) => (linksOf[n] ?? []).some((s) => addr(s) === subject)).map(addr),
    gossipTargets: () => linked.map(addr),
  };
}

/** A connected core that knows members 2..n+1, its runtime drained. */
function withMembers(n: number): { swim: TestSwim; rt: Rt } {
  const node = makeNode(ME);
  node.swim.applyMany(
    Array.from({ length: n }, (_, i) => member(id(i + 2))),
    true,
    node.rt,
  );
  return node;
}

const sentTo = (rt: Rt): string[] => rt.sends.map((s) => `${decode(s.bytes).header.message.type}->${s.to}`);

describe('overlay mode (a topology)', () => {
  it('probes the active, reachable probe targets in turn, and never anyone else', () => {
    const { swim, rt } = withMembers(20);
    swim.setTopology(topology([3, 5, 7, 9], [5, 9, 30, 7]));
    const [start] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    const probed: string[] = [];
    let timer = start!.timer;
    for (let i = 0; i < 6; i++) {
      swim.handleTimer(timer, rt);
      probed.push(String(swim.probedMember));
      timer = takeTimers(rt, 'probe-random-member')[0]!.timer;
      rt.clear();
    }
    // 30 is no member: skipped.
    expect(probed).toEqual(['5', '9', '7', '5', '9', '7'].map((n) => String(id(Number(n)))));
  });

  it('probes an unreachable target when the topology says to (probeUnlinked), and its Ping is held back, not sent', () => {
    const { swim, rt } = withMembers(20);
    const asked: string[] = [];
    swim.setTopology({
      ...topology([3, 5], [5, 9]),
      probeUnlinked: (a) => {
        asked.push(a);
        return a === id(9).addr;
      },
    });
    const [start] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    const probed: string[] = [];
    let timer = start!.timer;
    for (let i = 0; i < 4; i++) {
      swim.handleTimer(timer, rt);
      probed.push(String(swim.probedMember));
      timer = takeTimers(rt, 'probe-random-member')[0]!.timer;
    }
    expect(probed).toEqual(['5', '9', '5', '9'].map((n) => String(id(Number(n)))));
    // Asked only about the one it can't reach; nothing ever left for it.
    expect(new Set(asked)).toEqual(new Set([id(9).addr]));
    expect(sentTo(rt).filter((s) => s.endsWith(`->${id(9)}`))).toEqual([]);
    expect(swim.heldBack).toBeGreaterThan(0);
  });

  it('sends PingReqs only through the members the topology names for the subject', () => {
    const { swim, rt } = withMembers(20);
    swim.setTopology(topology([3, 5, 7, 9, 11], [5], { 3: [5], 7: [5], 9: [2] }));
    const [start] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    swim.handleTimer(start!.timer, rt);
    const [indirect] = takeTimers(rt, 'send-indirect-probe');
    rt.clear();
    swim.handleTimer(indirect!.timer, rt);
    expect(sentTo(rt).sort()).toEqual([`ping->${id(5)}`, `ping-req->${id(3)}`, `ping-req->${id(7)}`]);
  });

  it('sends one more direct Ping per missing relay, as many as the topology allows, and no more', () => {
    const { swim, rt } = withMembers(20);
    const base = topology([3, 5, 7], [5], { 3: [5] });
    swim.setTopology({ ...base, directRetries: (found, wanted) => Math.min(2, wanted - found) });
    const [start] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    swim.handleTimer(start!.timer, rt);
    const [indirect] = takeTimers(rt, 'send-indirect-probe');
    rt.clear();
    swim.handleTimer(indirect!.timer, rt);
    // One relay of the 3 wanted: the usual retry and 2 more.
    expect(sentTo(rt).sort()).toEqual([
      `ping->${id(5)}`,
      `ping->${id(5)}`,
      `ping->${id(5)}`,
      `ping-req->${id(3)}`,
    ]);
  });

  it('gossips, broadcasts and says goodbye only to reachable members', () => {
    const { swim, rt } = withMembers(40);
    swim.setTopology(topology([3, 4], [3]));
    rt.clear();
    swim.gossip(rt);
    expect(rt.sends.map((s) => String(s.to)).sort()).toEqual([String(id(3)), String(id(4))]);
    rt.clear();
    swim.leaveCluster(rt);
    expect(rt.sends.map((s) => String(s.to)).sort()).toEqual([String(id(3)), String(id(4))]);
    expect(swim.heldBack).toBe(0);
  });

  it('holds back (and counts) a packet to a member it cannot reach, consuming no transmissions', () => {
    const { swim, rt } = withMembers(5);
    swim.setTopology(topology([3], [3]));
    rt.clear();
    const backlog = swim.updatesBacklog;
    swim.announce(id(4), rt);
    expect(rt.sends).toEqual([]);
    expect(swim.heldBack).toBe(1);
    expect(swim.updatesBacklog).toBe(backlog);
  });

  it('a subject whose link closed is still judged by its observer: Down after the checks', () => {
    // A crashed peer's links close (ICE consent) before its suspicion times out. 5 is our subject,
    // 8 is not; we hold a link to neither. Only 5's observer (us) may declare it Down.
    const { swim, rt } = withMembers(10);
    swim.setTopology(topology([3], [5], { 3: [] }));
    swim.applyMany([member(id(5), 'suspect'), member(id(8), 'suspect')], true, rt);
    const timers = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    for (const t of timers) swim.handleTimer(t.timer, rt);
    for (let round = 1; round <= CHECK_ROUNDS; round++) {
      for (const r of takeTimers(rt, 'check-before-down')) swim.handleTimer(r.timer, rt);
    }
    expect(swim.member(id(5).addr)?.state).toBe('down');
    expect(swim.member(id(8).addr)?.state).toBe('suspect');
    // 8's suspicion waits for its own observers' verdict.
    expect(takeTimers(rt, 'change-suspect-to-down').map((t) => t.timer.memberId.addr)).toEqual([id(8).addr]);
  });

  it('without a topology (or after setTopology(undefined)) is the full mesh again', () => {
    const { swim, rt } = withMembers(3);
    swim.setTopology(topology([], []));
    swim.setTopology(undefined);
    expect(swim.topology).toBeUndefined();
    rt.clear();
    swim.gossip(rt);
    expect(rt.sends.length).toBe(simple().numIndirectProbes);
    expect(swim.heldBack).toBe(0);
  });
});
