import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { NotConnectedError } from './errors';
import type { Timer } from './runtime';
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
import { id, type TestId } from './test-support/test-id';

const ME = id(1);

/** A core with `n` active members (ids 2..n+1) in the middle of a probe: Ping sent, indirect timer pending. */
function probing(n: number): {
  swim: TestSwim;
  rt: Rt;
  probed: TestId;
  indirect: Timer<TestId>;
  next: Timer<TestId>;
} {
  const { swim, rt } = makeNode(ME);
  swim.applyMany(
    Array.from({ length: n }, (_, i) => member(id(i + 2))),
    true,
    rt,
  );
  const [start] = takeTimers(rt, 'probe-random-member');
  expect(start?.afterMs).toBe(simple().probePeriodMs);
  rt.clear();
  swim.handleTimer(start!.timer, rt);
  const probed = swim.probedMember!;
  expect(probed).toBeDefined();
  const ping = takeOneTo(rt, probed);
  expect(ping.header.message).toEqual({ type: 'ping', probeNumber: swim.probeNumber });
  const [indirect] = takeTimers(rt, 'send-indirect-probe');
  expect(indirect).toEqual({
    timer: { type: 'send-indirect-probe', probedId: probed, token: swim.timerToken },
    afterMs: simple().probeRttMs,
  });
  const [next] = takeTimers(rt, 'probe-random-member');
  rt.clear();
  return { swim, rt, probed, indirect: indirect!.timer, next: next!.timer };
}

function ack(from: TestId, probeNumber: number): Uint8Array {
  return encode(header(from, ME, { type: 'ack', probeNumber }));
}

function forwardedAck(from: TestId, origin: TestId, probeNumber: number): Uint8Array {
  return encode(header(from, ME, { type: 'forwarded-ack', origin, probeNumber }));
}

describe('the probe cycle', () => {
  it('an Ack before the round-trip time ends the cycle: no indirect probes, no suspicion', () => {
    const { swim, rt, probed, indirect, next } = probing(5);
    expect(swim.handleData(ack(probed, swim.probeNumber), rt)).toEqual({ ok: true });
    swim.handleTimer(indirect, rt);
    expect(rt.sends).toHaveLength(0);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(swim.member(probed.addr)?.state).toBe('alive');
  });

  it('an Ack with the wrong probe number is ignored and the member becomes suspect', () => {
    const { swim, rt, probed, indirect, next } = probing(5);
    swim.handleData(ack(probed, (swim.probeNumber + 1) & 0xff), rt);
    swim.handleTimer(indirect, rt);
    expect(rt.takeSends().length).toBe(simple().numIndirectProbes + 1);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([`probe-failed ${probed}`]);
    expireRoundZero(swim, rt);
    expect(swim.member(probed.addr)?.state).toBe('suspect');
    const [timer] = takeTimers(rt, 'change-suspect-to-down');
    expect(timer).toEqual({
      timer: { type: 'change-suspect-to-down', memberId: probed, incarnation: 0, token: swim.timerToken },
      // The checks around a suspicion (one before, two before Down) come out of the timeout.
      afterMs: Math.max(simple().probePeriodMs, simple().suspectToDownAfterMs - 3 * simple().probePeriodMs),
    });
  });

  it('an Ack from someone else than the probed member does not count', () => {
    const { swim, rt, probed, indirect, next } = probing(3);
    const other = [...swim.members()].find((m) => !m.id.equals(probed))!.id;
    swim.handleData(ack(other, swim.probeNumber), rt);
    swim.handleTimer(indirect, rt);
    swim.handleTimer(next, rt);
    expireRoundZero(swim, rt);
    expect(swim.member(probed.addr)?.state).toBe('suspect');
  });

  it('without an Ack, PingReqs go to numIndirectProbes others, and the member is pinged once more', () => {
    const { swim, rt, probed, indirect } = probing(simple().numIndirectProbes + 2);
    swim.handleTimer(indirect, rt);
    const again = takeOneTo(rt, probed);
    expect(again.header.message).toEqual({ type: 'ping', probeNumber: swim.probeNumber });
    const sent = rt.takeSends();
    expect(sent).toHaveLength(simple().numIndirectProbes);
    for (const s of sent) {
      expect(s.to.equals(ME)).toBe(false);
      expect(decode(s.bytes).header.message).toEqual({
        type: 'ping-req',
        target: probed,
        probeNumber: swim.probeNumber,
      });
    }
  });

  it('an Ack to the second direct ping completes the probe', () => {
    const { swim, rt, probed, indirect, next } = probing(5);
    swim.handleTimer(indirect, rt);
    swim.handleData(ack(probed, swim.probeNumber), rt);
    rt.clear();
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(swim.member(probed.addr)?.state).toBe('alive');
  });

  it('a ForwardedAck from an outsider is ignored; one from a member we asked completes the probe', () => {
    const { swim, rt, probed, indirect, next } = probing(5);
    swim.handleTimer(indirect, rt);
    const asked = rt.takeSends().map((s) => s.to);
    const pn = swim.probeNumber;
    // An outsider (unknown so far) is applied as a member, but its ack doesn't count.
    swim.handleData(forwardedAck(id(42), probed, pn), rt);
    swim.handleData(forwardedAck(asked[0]!, probed, (pn + 1) & 0xff), rt);
    // Without a valid forwarded ack, the probed member would be suspected now:
    expect(asked.some((a) => a.equals(id(42)))).toBe(false);
    swim.handleData(forwardedAck(asked[1]!, probed, pn), rt);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).not.toContain(`probe-failed ${probed}`);
    expect(swim.member(probed.addr)?.state).toBe('alive');
  });

  it('a ForwardedAck from an outsider alone leaves the probe failed', () => {
    const { swim, rt, probed, indirect, next } = probing(5);
    swim.handleTimer(indirect, rt);
    swim.handleData(forwardedAck(id(42), probed, swim.probeNumber), rt);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toContain(`probe-failed ${probed}`);
  });

  it('a member asked to probe relays: PingReq → IndirectPing → IndirectAck → ForwardedAck', () => {
    const prober = id(2);
    const target = id(3);
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(prober), member(target)], false, rt);
    rt.clear();
    swim.handleData(encode(header(prober, ME, { type: 'ping-req', target, probeNumber: 9 })), rt);
    expect(takeOneTo(rt, target).header.message).toEqual({
      type: 'indirect-ping',
      origin: prober,
      probeNumber: 9,
    });
    // The target answers the relay.
    swim.handleData(
      encode(header(target, ME, { type: 'indirect-ping', origin: prober, probeNumber: 9 })),
      rt,
    );
    expect(takeOneTo(rt, target).header.message).toEqual({
      type: 'indirect-ack',
      target: prober,
      probeNumber: 9,
    });
    swim.handleData(encode(header(target, ME, { type: 'indirect-ack', target: prober, probeNumber: 9 })), rt);
    expect(takeOneTo(rt, prober).header.message).toEqual({
      type: 'forwarded-ack',
      origin: target,
      probeNumber: 9,
    });
  });

  it('a Ping is answered with an Ack carrying its probe number', () => {
    const { swim, rt } = makeNode(ME);
    swim.handleData(encode(header(id(2), ME, { type: 'ping', probeNumber: 200 })), rt);
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'ack', probeNumber: 200 });
  });

  it('indirect messages that name us are refused and change nothing', () => {
    const { swim, rt } = makeNode(ME);
    for (const message of [
      { type: 'ping-req', target: ME, probeNumber: 0 },
      { type: 'indirect-ping', origin: ME, probeNumber: 0 },
      { type: 'indirect-ack', target: ME, probeNumber: 0 },
      { type: 'forwarded-ack', origin: ME, probeNumber: 0 },
    ] as const) {
      const r = swim.handleData(encode(header(id(2), ME, message)), rt);
      expect(r).toMatchObject({ ok: false, error: { kind: 'indirect-for-ourselves' } });
    }
    expect(swim.numMembers).toBe(0);
    expect(rt.backlog).toBe(0);
  });

  it('a probe cycle whose indirect timer never came is dropped, not judged', () => {
    const { swim, rt, probed, next } = probing(3);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([]);
    expect(swim.member(probed.addr)?.state).toBe('alive');
    // And the next cycle starts as usual.
    expect(rt.takeSends()).toHaveLength(1);
    expect(takeTimers(rt, 'probe-random-member')).toHaveLength(1);
  });

  it('no indirect cycle starts if the probed member went down meanwhile', () => {
    const { swim, rt, probed, indirect } = probing(4);
    swim.applyMany([member(probed, 'down')], false, rt);
    rt.clear();
    swim.handleTimer(indirect, rt);
    expect(rt.sends).toHaveLength(0);
  });

  it('probing needs to be connected: a current probe timer while idle is a host error', () => {
    const { swim, rt } = makeNode(ME);
    expect(() => swim.handleTimer({ type: 'probe-random-member', token: swim.timerToken }, rt)).toThrow(
      NotConnectedError,
    );
  });

  it('going idle clears the probe and makes its timers stale', () => {
    const { swim, rt, indirect, next } = probing(2);
    swim.applyMany(
      [...swim.members()].map((m) => member(m.id, 'down')),
      true,
      rt,
    );
    expect(events(rt.takeNotifications())).toContain('idle');
    expect(swim.probedMember).toBeUndefined();
    rt.clear();
    swim.handleTimer(indirect, rt);
    swim.handleTimer(next, rt);
    expect(rt.backlog).toBe(0);
  });

  it('changing identity mid-probe makes the pending probe timer stale', () => {
    const { swim, rt, next } = probing(3);
    swim.changeIdentity(id(1, 1), rt);
    rt.clear();
    expect(() => swim.handleTimer(next, rt)).not.toThrow();
    expect(rt.backlog).toBe(0);
  });

  it('probes every active member once per round, in a new order each round', () => {
    const { swim, rt } = makeNode(ME);
    const ids = Array.from({ length: 8 }, (_, i) => id(i + 2));
    swim.applyMany(
      ids.map((i) => member(i)),
      false,
      rt,
    );
    let [t] = takeTimers(rt, 'probe-random-member');
    const rounds: string[][] = [];
    for (let r = 0; r < 3; r++) {
      const round: string[] = [];
      for (let k = 0; k < ids.length; k++) {
        rt.clear();
        swim.handleTimer(t!.timer, rt);
        const probed = swim.probedMember!;
        round.push(probed.addr);
        swim.handleData(ack(probed, swim.probeNumber), rt);
        const [ind] = takeTimers(rt, 'send-indirect-probe');
        swim.handleTimer(ind!.timer, rt);
        [t] = takeTimers(rt, 'probe-random-member');
      }
      expect(new Set(round).size).toBe(ids.length);
      rounds.push(round);
    }
    expect(rounds[1]).not.toEqual(rounds[2]);
  });

  it('probe numbers wrap like a u8', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], false, rt);
    let [t] = takeTimers(rt, 'probe-random-member');
    const seen: number[] = [];
    for (let k = 0; k < 260; k++) {
      rt.clear();
      swim.handleTimer(t!.timer, rt);
      seen.push(swim.probeNumber);
      const [ind] = takeTimers(rt, 'send-indirect-probe');
      swim.handleData(ack(id(2), swim.probeNumber), rt);
      swim.handleTimer(ind!.timer, rt);
      [t] = takeTimers(rt, 'probe-random-member');
      takeTo(rt, id(2));
    }
    expect(seen[254]).toBe(255);
    expect(seen[255]).toBe(0);
    expect(Math.max(...seen)).toBe(255);
  });

  it('(Shoal) a failed probe is checked once more before anyone, the member included, hears of it', () => {
    const { swim, rt, probed, indirect, next } = probing(3);
    swim.handleTimer(indirect, rt);
    rt.clear();
    swim.handleTimer(next, rt);
    expect(swim.member(probed.addr)?.state).toBe('alive');
    const check = takeTo(rt, probed).find((p) => p.header.message.type === 'ping');
    expect(check).toBeDefined();
    expect(check!.members.some((m) => m.state === 'suspect')).toBe(false);
    expect(rt.sends.filter((s) => decode(s.bytes).header.message.type === 'ping-req')).toHaveLength(2);
    const [round0] = takeTimers(rt, 'check-before-suspect');
    expect(round0?.afterMs).toBe(simple().probePeriodMs);
    expect(gossipsSuspicionOf(swim, rt, probed)).toBe(false);
    swim.handleTimer(round0!.timer, rt);
    // Silent again: suspected now, told so at once, and the cluster hears of it.
    expect(swim.member(probed.addr)?.state).toBe('suspect');
    const told = takeTo(rt, probed);
    expect(told.some((p) => p.members.some((m) => m.id.equals(probed) && m.state === 'suspect'))).toBe(true);
    expect(gossipsSuspicionOf(swim, rt, probed)).toBe(true);
  });

  it('(Shoal) a member that answers the check after a failed probe is never suspected', () => {
    const { swim, rt, probed, indirect, next } = probing(3);
    swim.handleTimer(indirect, rt);
    rt.clear();
    swim.handleTimer(next, rt);
    const check = takeTo(rt, probed).find((p) => p.header.message.type === 'ping')!;
    const pn = check.header.message.type === 'ping' ? check.header.message.probeNumber : -1;
    const [round0] = takeTimers(rt, 'check-before-suspect');
    swim.handleData(ack(probed, pn), rt);
    rt.clear();
    swim.handleTimer(round0!.timer, rt);
    expect(swim.member(probed.addr)?.state).toBe('alive');
    expect(rt.sends).toHaveLength(0);
    expect(gossipsSuspicionOf(swim, rt, probed)).toBe(false);
  });

  it('(Shoal) a member that refutes while its check runs is not suspected, though the check got no answer', () => {
    const { swim, rt, probed, indirect, next } = probing(3);
    swim.handleTimer(indirect, rt);
    swim.handleTimer(next, rt);
    const [round0] = takeTimers(rt, 'check-before-suspect');
    const other = [id(2), id(3), id(4)].find((i) => !i.equals(probed))!;
    swim.handleData(encode(header(other, ME, { type: 'gossip' }), [member(probed, 'alive', 1)]), rt);
    rt.clear();
    swim.handleTimer(round0!.timer, rt);
    expect(swim.member(probed.addr)).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(rt.sends).toHaveLength(0);
    expect(gossipsSuspicionOf(swim, rt, probed)).toBe(false);
  });
});

function gossipsSuspicionOf(swim: TestSwim, rt: Rt, who: TestId): boolean {
  rt.clear();
  swim.gossip(rt);
  const sent = rt.takeSends().map((s) => decode(s.bytes));
  return sent.some((p) => p.members.some((m) => m.id.equals(who) && m.state === 'suspect'));
}

/** Lets the check that follows a failed probe run out with no answer. */
function expireRoundZero(swim: TestSwim, rt: Rt): void {
  const [round0] = takeTimers(rt, 'check-before-suspect');
  if (round0 === undefined) throw new Error('no check after the failed probe');
  swim.handleTimer(round0.timer, rt);
}
