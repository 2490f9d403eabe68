import { describe, expect, it } from 'vitest';
import { lan, simple } from './config';
import type { Timer } from './runtime';
import { CHECK_ROUNDS, HEARD_SUSPICION_FACTOR } from './suspicion-checks';
import {
  decode,
  encode,
  events,
  header,
  makeNode,
  member,
  type Rt,
  type TestSwim,
  takeOneTo,
  takeTimers,
  takeTo,
} from './test-support/harness';
import { MiniNet } from './test-support/mini-net';
import { id, type TestId } from './test-support/test-id';

const ME = id(1);
const C = simple();
/** The wait before checking a suspect: the check's rounds come out of the suspicion timeout. */
const waitBeforeCheck = (timeoutMs: number) =>
  Math.max(C.probePeriodMs, timeoutMs - CHECK_ROUNDS * C.probePeriodMs);

/**
 * Fires a suspicion timeout, then every round of the check that follows, with no answer from
 * anyone. Returns the packets the check sent.
 */
function expire(swim: TestSwim, rt: Rt, timer: Timer<TestId>): string[] {
  const sent: string[] = [];
  swim.handleTimer(timer, rt);
  for (let round = 1; round <= CHECK_ROUNDS + 1; round++) {
    for (const s of rt.takeSends()) sent.push(`${decode(s.bytes).header.message.type}->${s.to}`);
    const rounds = takeTimers(rt, 'check-before-down');
    if (rounds.length === 0) break;
    for (const r of rounds) swim.handleTimer(r.timer, rt);
  }
  return sent;
}

describe('suspicion about us', () => {
  it('is refuted by raising our incarnation, up to the u16 maximum, then we are undead', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(ME, 'suspect')], true, rt);
    expect(swim.incarnation).toBe(1);
    swim.applyMany([member(ME, 'suspect', 0xfffe)], true, rt);
    expect(swim.incarnation).toBe(0xffff);
    rt.clear();
    swim.applyMany([member(ME, 'suspect', 0xffff)], true, rt);
    expect(swim.connectionState).toBe('undead');
    expect(events(rt.takeNotifications())).toEqual(['defunct']);
  });

  it('at the maximum incarnation a rejoinable identity rejoins instead', () => {
    const { swim, rt } = makeNode(ME.asRejoinable());
    swim.applyMany([member(id(2))], true, rt);
    swim.applyMany([member(ME, 'suspect', 0xffff)], true, rt);
    expect(swim.identity.equals(id(1, 1))).toBe(true);
    expect(swim.incarnation).toBe(0);
    expect(events(rt.takeNotifications())).toContain('rejoin m1#1');
  });

  it('a stale suspicion does not raise the incarnation again', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(ME, 'suspect', 10)], true, rt);
    expect(swim.incarnation).toBe(11);
    swim.applyMany([member(ME, 'suspect', 10)], true, rt);
    expect(swim.incarnation).toBe(11);
  });

  it('every suspicion, stale or not, makes us gossip our incarnation at once', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    for (let round = 0; round < 3; round++) {
      rt.clear();
      swim.applyMany([member(ME, 'suspect')], true, rt);
      const gossip = takeOneTo(rt, id(2));
      expect(gossip.header.message).toEqual({ type: 'gossip' });
      expect(gossip.header.srcIncarnation).toBe(1);
    }
  });
});

describe('suspicion about others', () => {
  it('a suspect that talks to us with a higher incarnation is alive again; a silent one goes down', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], true, rt);
    swim.applyMany([member(id(2), 'suspect'), member(id(3), 'suspect')], true, rt);
    const timers = takeTimers(rt, 'change-suspect-to-down');
    expect(timers.map((t) => t.timer.memberId.addr)).toEqual(['m2', 'm3']);
    // 2 talks without refuting (incarnation 0), 3 refuted (incarnation 1).
    swim.handleData(encode(header(id(2), ME, { type: 'gossip' }, 0)), rt);
    swim.handleData(encode(header(id(3), ME, { type: 'gossip' }, 1)), rt);
    expect(swim.member('m2')?.state).toBe('suspect');
    expect(swim.member('m3')?.state).toBe('alive');
    rt.clear();
    for (const t of timers) expire(swim, rt, t.timer);
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
    expect([...swim.members()].map((m) => m.id.addr)).toEqual(['m3']);
  });

  it('a suspicion timer from before we went idle is stale', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2), 'suspect')], true, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    swim.applyMany([member(id(2), 'down')], true, rt);
    swim.applyMany([member(id(3))], true, rt);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(rt.backlog).toBe(0);
  });

  it('(Shoal) no TurnUndead goes to a member that refuted before its suspicion timed out', () => {
    const { swim, rt } = makeNode(ME, { config: { ...simple(), notifyDownMembers: true } });
    swim.applyMany([member(id(2)), member(id(3))], true, rt);
    swim.applyMany([member(id(2), 'suspect')], true, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    swim.handleData(encode(header(id(2), ME, { type: 'ping', probeNumber: 1 }, 1)), rt);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(takeTo(rt, id(2))).toEqual([]);
    expect(swim.member('m2')?.state).toBe('alive');
  });

  it('a member that did not refute is declared down and told so with TurnUndead', () => {
    const { swim, rt } = makeNode(ME, { config: { ...simple(), notifyDownMembers: true } });
    swim.applyMany([member(id(2)), member(id(3))], true, rt);
    swim.applyMany([member(id(2), 'suspect')], true, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    const sent = expire(swim, rt, t!.timer);
    // Each round pinged it directly and through the only other member.
    expect(sent).toEqual([
      ...Array(CHECK_ROUNDS).fill(['ping->m2#0', 'ping-req->m3#0']).flat(),
      'turn-undead->m2#0',
    ]);
    expect(events(rt.takeNotifications())).toEqual(['member-down m2#0']);
  });

  it('(Shoal) a member that hears of a suspicion from gossip times it out itself', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    rt.clear();
    // 2 tells us 3 is suspect; nobody ever tells us 3 is down.
    swim.handleData(encode(header(id(2), ME, { type: 'gossip' }), [member(id(3), 'suspect')]), rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    expect(t).toEqual({
      timer: { type: 'change-suspect-to-down', memberId: id(3), incarnation: 0, token: swim.timerToken },
      afterMs: waitBeforeCheck(C.suspectToDownAfterMs * HEARD_SUSPICION_FACTOR),
    });
    rt.clear();
    expire(swim, rt, t!.timer);
    expect(events(rt.takeNotifications())).toEqual(['member-down m3#0']);
    // And it spreads the Down itself.
    swim.gossip(rt);
    const gossip = decode(rt.takeSends()[0]!.bytes);
    expect(gossip.members).toContainEqual(member(id(3), 'down'));
  });

  it('(Shoal) a crash is declared Down by every live member, each on its own timer', () => {
    const net = new MiniNet();
    // 30 members: a prober's round is 29 periods, so most members never probe the victim in time.
    const config = lan(30);
    const ids = Array.from({ length: 30 }, (_, i) => id(i + 1));
    const nodes = ids.map((i) => net.add(i, config));
    for (const n of nodes)
      n.swim.applyMany(
        ids.filter((i) => !i.equals(n.swim.identity)).map((i) => member(i)),
        false,
        n,
      );
    net.runFor(5_000);
    const victim = nodes[3]!;
    victim.crashed = true;
    const crashAt = net.now;
    // Nobody passes a Down update on: each member must time the suspicion out itself.
    const victimAddr = victim.swim.identity.addr;
    net.drop = (_from, _to, bytes) =>
      decode(bytes).members.some((m) => m.id.addr === victimAddr && m.state === 'down');
    const within =
      config.suspectToDownAfterMs * HEARD_SUSPICION_FACTOR + (CHECK_ROUNDS + 3) * config.probePeriodMs;
    net.runFor(within);
    for (const n of nodes) {
      if (n === victim) continue;
      const down = n.notifications.find(
        (e) => e.n.type === 'member-down' && e.n.id.equals(victim.swim.identity),
      );
      expect(down, `${n.swim.identity} saw the crash`).toBeDefined();
      expect(down!.at - crashAt).toBeLessThanOrEqual(within);
    }
  });

  it('(Shoal) before declaring Down, we ping the suspect with its suspicion attached, so it can refute', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    swim.applyMany([member(id(2), 'suspect')], false, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    const ping = takeOneTo(rt, id(2));
    expect(ping.header.message.type).toBe('ping');
    expect(ping.members[0]).toEqual(member(id(2), 'suspect'));
    expect(takeOneTo(rt, id(3)).header.message).toMatchObject({ type: 'ping-req', target: id(2) });
    // The suspect answers having refuted: alive, nothing else happens.
    const pn = ping.header.message.type === 'ping' ? ping.header.message.probeNumber : -1;
    swim.handleData(encode(header(id(2), ME, { type: 'ack', probeNumber: pn }, 1)), rt);
    expect(swim.member('m2')).toMatchObject({ state: 'alive', incarnation: 1 });
    rt.clear();
    for (const r of takeTimers(rt, 'check-before-down')) swim.handleTimer(r.timer, rt);
    expect(expire(swim, rt, { ...t!.timer })).toEqual([]);
    expect(events(rt.takeNotifications())).toEqual([]);
  });

  it('(Shoal) a suspect another member vouches for is not declared Down, but watched again', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    swim.applyMany([member(id(2), 'suspect')], false, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    const req = takeOneTo(rt, id(3)).header.message;
    if (req.type !== 'ping-req') throw new Error('expected a ping-req');
    // 3 reached 2 for us; 2's refutation never reaches us.
    swim.handleData(
      encode(header(id(3), ME, { type: 'forwarded-ack', origin: id(2), probeNumber: req.probeNumber })),
      rt,
    );
    const [round] = takeTimers(rt, 'check-before-down');
    rt.clear();
    swim.handleTimer(round!.timer, rt);
    expect(swim.member('m2')?.state).toBe('suspect');
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(takeTimers(rt, 'change-suspect-to-down')).toEqual([
      {
        timer: { type: 'change-suspect-to-down', memberId: id(2), incarnation: 0, token: swim.timerToken },
        afterMs: waitBeforeCheck(C.suspectToDownAfterMs),
      },
    ]);
  });

  it('(Shoal) a second timeout while a check runs starts no second check; old rounds are ignored', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    swim.applyMany([member(id(2), 'suspect')], false, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    swim.handleTimer(t!.timer, rt);
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    expect(rt.backlog).toBe(0);
    swim.handleTimer({ ...t!.timer, type: 'check-before-down', round: 2 }, rt);
    expect(rt.backlog).toBe(0);
    expect(swim.member('m2')?.state).toBe('suspect');
  });

  it('(Shoal) a suspect that talks to us but never answers our check is still declared Down', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    swim.applyMany([member(id(2), 'suspect')], false, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    // 2 can reach us (its own pings arrive) but nothing we send reaches it: not reachable.
    for (let k = 0; k < CHECK_ROUNDS; k++) {
      swim.handleData(encode(header(id(2), ME, { type: 'ping', probeNumber: k })), rt);
      for (const r of takeTimers(rt, 'check-before-down')) swim.handleTimer(r.timer, rt);
    }
    expect(swim.member('m2')?.state).toBe('down');
  });

  it('(Shoal) each check round ends with a check-before-down timer; change-suspect-to-down is only the timeout', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2)), member(id(3))], false, rt);
    swim.applyMany([member(id(2), 'suspect')], false, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    for (let round = 1; round <= CHECK_ROUNDS; round++) {
      const timer = {
        type: 'check-before-down',
        memberId: id(2),
        incarnation: 0,
        token: swim.timerToken,
        round,
      };
      expect(takeTimers(rt, 'check-before-down')).toEqual([{ timer, afterMs: C.probePeriodMs }]);
      expect(takeTimers(rt, 'change-suspect-to-down')).toEqual([]);
      swim.handleTimer(timer as Timer<TestId>, rt);
    }
    expect(swim.member('m2')?.state).toBe('down');
  });

  it('(Lifeguard) probing a suspect tells it it is suspected', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2), 'suspect', 4)], false, rt);
    const [t] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    swim.handleTimer(t!.timer, rt);
    const ping = takeOneTo(rt, id(2));
    expect(ping.header.message.type).toBe('ping');
    expect(ping.members[0]).toEqual(member(id(2), 'suspect', 4));
  });
});
