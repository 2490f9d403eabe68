import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { CHECK_ROUNDS } from './suspicion-checks';
import {
  decode,
  encode,
  events,
  header,
  makeNode,
  member,
  type Rt,
  type TestSwim,
  takeTimers,
} from './test-support/harness';
import { id } from './test-support/test-id';

const ME = id(1);
const B = id(2);
const C = id(3);

/** A connected core that knows B and C, taking Downs from the wire as accusations. */
function accusingNode(downIsAccusation = true): { swim: TestSwim; rt: Rt } {
  const node = makeNode(ME.asRejoinable(), { downIsAccusation });
  node.swim.applyMany([member(B), member(C)], false, node.rt);
  node.rt.clear();
  return node;
}

/** A gossip from `from` to us carrying `updates`. */
const gossipFrom = (from: typeof C, updates: ReturnType<typeof member>[]) =>
  encode(header(from, ME, { type: 'gossip' }), updates);

describe('a Down from the wire is an accusation (downIsAccusation)', () => {
  it('about a member we hold Alive, from a third party: we suspect and check it ourselves, it is not Down', () => {
    const { swim, rt } = accusingNode();
    expect(swim.handleData(gossipFrom(C, [member(B, 'down')]), rt)).toEqual({ ok: true });
    expect(swim.member(B.addr)?.state).toBe('suspect');
    expect(events(rt.takeNotifications())).toEqual([]);
    // Our own suspicion timer runs, the suspicion goes out so B can refute it, and our check starts.
    expect(takeTimers(rt, 'change-suspect-to-down')).toHaveLength(1);
    expect(takeTimers(rt, 'check-before-down').map((t) => t.timer.round)).toEqual([CHECK_ROUNDS]);
    expect(swim.updatesBacklog).toBe(1);
    expect(swim.boundStats.downsAccused).toBe(1);
  });

  it('without the flag, the same Down is applied at once (foca)', () => {
    const { swim, rt } = accusingNode(false);
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
  });

  it('a member that answers our check after the accusation stays active', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    const ping = rt.takeSends().find((s) => s.to.equals(B))!;
    const { probeNumber } = decode(ping.bytes).header.message as { probeNumber: number };
    // B answers the check's ping with its refutation in the header.
    swim.handleData(encode(header(B, ME, { type: 'ack', probeNumber }, 1)), rt);
    expect(swim.member(B.addr)).toMatchObject({ state: 'alive', incarnation: 1 });
    for (const t of takeTimers(rt, 'check-before-down')) swim.handleTimer(t.timer, rt);
    for (const t of takeTimers(rt, 'change-suspect-to-down')) swim.handleTimer(t.timer, rt);
    expect(swim.member(B.addr)?.state).toBe('alive');
    expect(events(rt.takeNotifications())).toEqual([]);
  });

  it('about a member we already suspect: one final check round now, then Down if it stays silent', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(B, 'suspect')]), rt);
    rt.clear();
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    const sent = rt.takeSends().map((s) => `${decode(s.bytes).header.message.type}->${s.to}`);
    expect(sent).toContain('ping->m2#0');
    const rounds = takeTimers(rt, 'check-before-down');
    expect(rounds.map((r) => r.timer.round)).toEqual([CHECK_ROUNDS]);
    swim.handleTimer(rounds[0]!.timer, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
  });

  it('during our own check of a suspect past its first round: the round under way becomes the last', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(B, 'suspect')]), rt);
    for (const t of takeTimers(rt, 'change-suspect-to-down')) swim.handleTimer(t.timer, rt);
    const [round1] = takeTimers(rt, 'check-before-down');
    expect(round1?.timer.round).toBe(1);
    rt.clear();
    // Someone else concluded Down while our round 1 runs: no second round of our own after it.
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    expect(takeTimers(rt, 'check-before-down')).toEqual([]);
    swim.handleTimer(round1!.timer, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(takeTimers(rt, 'check-before-down')).toEqual([]);
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
  });

  it('with checkRounds 1 and gossipDownAtOnce (the browser preset): one silent round, then Down gossiped at once', () => {
    const node = makeNode(ME.asRejoinable(), {
      downIsAccusation: true,
      config: { ...simple(), checkRounds: 1, gossipDownAtOnce: true },
    });
    const { swim, rt } = node;
    swim.applyMany([member(B), member(C)], false, rt);
    swim.handleData(gossipFrom(C, [member(B, 'suspect')]), rt);
    for (const t of takeTimers(rt, 'change-suspect-to-down')) swim.handleTimer(t.timer, rt);
    const rounds = takeTimers(rt, 'check-before-down');
    expect(rounds.map((r) => r.timer.round)).toEqual([1]);
    rt.clear();
    swim.handleTimer(rounds[0]!.timer, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    const sent = rt.takeSends().map((s) => `${decode(s.bytes).header.message.type}->${s.to}`);
    expect(sent).toContain('gossip->m3#0');
  });

  it("a member's own Down in its own packet is its leave: applied at once", () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(B, [member(B, 'down')]), rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
  });

  it('about us: we rejoin as foca (whoever holds us Down sees a rename)', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(ME, 'down')]), rt);
    expect(swim.identity.equals(ME.withBump(1))).toBe(true);
    expect(events(rt.takeNotifications())).toContain('rejoin m1#1');
  });

  it('passes the Down it accuses on, so the accused hears of it, without applying it', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    rt.clear();
    swim.gossip(rt);
    const carried = rt.takeSends().flatMap((s) => decode(s.bytes).members);
    expect(carried).toContainEqual(member(B, 'down'));
    expect(swim.member(B.addr)?.state).toBe('suspect');
  });

  it('about an addr we never held, or a life newer than the one we hold: nothing is inserted or renamed', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(id(9), 'down'), member(B.withBump(200), 'down')]), rt);
    expect(swim.member(id(9).addr)).toBeUndefined();
    // The named life is not one we know: the life we hold is the one checked, and nobody is Down.
    expect(swim.member(B.addr)).toMatchObject({ state: 'suspect' });
    expect(swim.member(B.addr)!.id.equals(B)).toBe(true);
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(swim.boundStats).toMatchObject({ downsAccused: 1, downsIgnored: 1 });
  });

  it('a stale Down of an older life than the one we hold is ignored', () => {
    const { swim, rt } = accusingNode();
    swim.handleData(gossipFrom(C, [member(B.withBump(1))]), rt);
    rt.clear();
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    expect(swim.member(B.addr)).toMatchObject({ state: 'alive' });
    expect(swim.boundStats.downsIgnored).toBe(1);
  });

  it('updates the host applies itself are not accusations', () => {
    const { swim, rt } = accusingNode();
    swim.applyMany([member(B, 'down')], false, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
  });

  it('keeps simple() timings: the flag changes no config', () => {
    expect(accusingNode().swim.config).toEqual(simple());
  });
});
