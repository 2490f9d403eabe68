import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { MAX_AWARENESS, NACK_AFTER, RTT_DECAY_ACKS } from './local-health';
import type { Timer } from './runtime';
import { INDIRECT_WAIT_SHARE } from './state-machine';
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
} from './test-support/harness';
import { id, type TestId } from './test-support/test-id';

const ME = id(1);
const C = simple();
const WAIT = C.probeRttMs * INDIRECT_WAIT_SHARE;

/** A core with `n` members (ids 2..n+1) whose probe reached its indirect stage: PingReqs out. */
function indirectStage(
  n: number,
  lifeguard = true,
): { swim: TestSwim; rt: Rt; probed: TestId; relays: TestId[]; judge: Timer<TestId>; next: Timer<TestId> } {
  const { swim, rt } = makeNode(ME, { lifeguard });
  swim.applyMany(
    Array.from({ length: n }, (_, i) => member(id(i + 2))),
    true,
    rt,
  );
  const [start] = takeTimers(rt, 'probe-random-member');
  rt.clear();
  swim.handleTimer(start!.timer, rt);
  const probed = swim.probedMember!;
  const [indirect] = takeTimers(rt, 'send-indirect-probe');
  const [next] = takeTimers(rt, 'probe-random-member');
  rt.clear();
  swim.handleTimer(indirect!.timer, rt);
  const relays = rt.sends.filter((s) => decode(s.bytes).header.message.type === 'ping-req').map((s) => s.to);
  const [judge] = takeTimers(rt, 'judge-probe');
  expect(judge?.afterMs).toBe(WAIT);
  rt.clear();
  return { swim, rt, probed, relays, judge: judge!.timer, next: next!.timer };
}

describe('judging a probe before its period ends', () => {
  it('a judge-probe timer after the PingReqs reports probe-failed and starts the check; the next period does not judge again', () => {
    const { swim, rt, probed, judge, next } = indirectStage(5);
    swim.handleTimer(judge, rt);
    expect(events(rt.takeNotifications())).toEqual([`probe-failed ${probed}`]);
    expect(takeTimers(rt, 'check-before-suspect')).toHaveLength(1);
    rt.clear();
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([]);
  });

  it('an Ack after the verdict still saves the member in the check before suspecting', () => {
    const { swim, rt, probed, judge } = indirectStage(5);
    const number = swim.probeNumber;
    swim.handleTimer(judge, rt);
    const [round0] = takeTimers(rt, 'check-before-suspect');
    rt.clear();
    swim.handleData(encode(header(probed, ME, { type: 'ack', probeNumber: number })), rt);
    swim.handleTimer(round0!.timer, rt);
    expect(swim.member(probed.addr)?.state).toBe('alive');
  });

  it('without the judge-probe timer, the next probe-random-member judges, as foca', () => {
    const { swim, rt, probed, next } = indirectStage(5);
    swim.handleTimer(next, rt);
    expect(events(rt.takeNotifications())).toEqual([`probe-failed ${probed}`]);
  });
});

describe('nacks (Lifeguard)', () => {
  function relayedPingReq(lifeguard = true) {
    const { swim, rt } = makeNode(ME, { lifeguard });
    const origin = id(2);
    const target = id(3);
    swim.applyMany([member(origin), member(target)], true, rt);
    rt.clear();
    swim.handleData(encode(header(origin, ME, { type: 'ping-req', target, probeNumber: 9 })), rt);
    return { swim, rt, origin, target };
  }

  it('a relay whose target stays silent nacks the prober before its verdict', () => {
    const { swim, rt, origin, target } = relayedPingReq();
    expect(takeOneTo(rt, target).header.message).toEqual({ type: 'indirect-ping', origin, probeNumber: 9 });
    const [nack] = takeTimers(rt, 'send-nack');
    expect(nack?.afterMs).toBe(WAIT * NACK_AFTER);
    rt.clear();
    swim.handleTimer(nack!.timer, rt);
    expect(takeOneTo(rt, origin).header.message).toEqual({ type: 'nack', probeNumber: 9 });
  });

  it('a relay whose target answered sends no nack', () => {
    const { swim, rt, origin, target } = relayedPingReq();
    const [nack] = takeTimers(rt, 'send-nack');
    swim.handleData(encode(header(target, ME, { type: 'indirect-ack', target: origin, probeNumber: 9 })), rt);
    expect(takeOneTo(rt, origin).header.message.type).toBe('forwarded-ack');
    rt.clear();
    swim.handleTimer(nack!.timer, rt);
    expect(rt.sends).toHaveLength(0);
  });

  it('without Lifeguard a relay arms no nack', () => {
    const { rt } = relayedPingReq(false);
    expect(takeTimers(rt, 'send-nack')).toHaveLength(0);
  });
});

describe('local health (Lifeguard)', () => {
  it('a failed probe without nacks raises the score by the silent relays and stretches the next probe', () => {
    const { swim, rt, relays, judge } = indirectStage(5);
    swim.handleTimer(judge, rt);
    expect(swim.localHealth).toBe(relays.length);
  });

  it('nacks from every relay show the trouble is the target: the score stays', () => {
    const { swim, rt, relays, judge } = indirectStage(5);
    const number = swim.probeNumber;
    for (const r of relays) swim.handleData(encode(header(r, ME, { type: 'nack', probeNumber: number })), rt);
    swim.handleTimer(judge, rt);
    expect(swim.localHealth).toBe(0);
  });

  it('stretches the RTT and the period, and falls by one per probe that succeeds', () => {
    const { swim, rt, relays, judge, next } = indirectStage(5);
    swim.handleTimer(judge, rt);
    const score = swim.localHealth;
    expect(score).toBe(relays.length);
    rt.clear();
    swim.handleTimer(next, rt);
    const probed = swim.probedMember!;
    const [indirect] = takeTimers(rt, 'send-indirect-probe');
    expect(indirect?.afterMs).toBe(C.probeRttMs * (score + 1));
    const [period] = takeTimers(rt, 'probe-random-member');
    expect(period?.afterMs).toBe(C.probePeriodMs + (C.probeRttMs + WAIT) * score);
    swim.handleData(encode(header(probed, ME, { type: 'ack', probeNumber: swim.probeNumber })), rt);
    swim.handleTimer(indirect!.timer, rt);
    swim.handleTimer(period!.timer, rt);
    expect(swim.localHealth).toBe(score - 1);
  });

  it('a late timer counts once at the next verdict; a refutation counts one; the score stops at the max', () => {
    const { swim, rt, probed, next } = indirectStage(5);
    swim.handleData(encode(header(probed, ME, { type: 'ack', probeNumber: swim.probeNumber })), rt);
    swim.noteLateness(C.probeRttMs);
    swim.noteLateness(C.probeRttMs);
    swim.handleTimer(next, rt);
    // +1 late, −1 success.
    expect(swim.localHealth).toBe(0);
    swim.handleData(encode(header(probed, ME, { type: 'gossip' }), [member(ME, 'suspect', 0)]), rt);
    expect(swim.incarnation).toBe(1);
    expect(swim.localHealth).toBe(1);
    for (let i = 0; i < 20; i++) {
      swim.handleData(encode(header(probed, ME, { type: 'gossip' }), [member(ME, 'suspect', i + 1)]), rt);
    }
    expect(swim.localHealth).toBe(MAX_AWARENESS);
  });

  it('a direct Ack after the PingReqs backs the RTT off (within the period); on-time Acks bring it back', () => {
    const { swim, rt, probed, next } = indirectStage(5);
    swim.handleData(encode(header(probed, ME, { type: 'ack', probeNumber: swim.probeNumber })), rt);
    rt.clear();
    swim.handleTimer(next, rt);
    // simple(): 1,500 ms period, 500 ms RTT, 100 ms indirect wait: the RTT may double, not triple.
    expect(takeTimers(rt, 'send-indirect-probe')[0]?.afterMs).toBe(2 * C.probeRttMs);
    expect(swim.localHealth).toBe(0);
    let [period] = takeTimers(rt, 'probe-random-member');
    for (let i = 0; i < RTT_DECAY_ACKS; i++) {
      const target = swim.probedMember!;
      swim.handleData(encode(header(target, ME, { type: 'ack', probeNumber: swim.probeNumber })), rt);
      rt.clear();
      swim.handleTimer(period!.timer, rt);
      [period] = takeTimers(rt, 'probe-random-member');
    }
    expect(takeTimers(rt, 'send-indirect-probe').at(-1)?.afterMs).toBe(C.probeRttMs);
  });

  it('without Lifeguard nothing moves the score and the timeouts are the config', () => {
    const { swim, rt, judge, next } = indirectStage(5, false);
    swim.handleTimer(judge, rt);
    swim.noteLateness(10_000);
    rt.clear();
    swim.handleTimer(next, rt);
    expect(swim.localHealth).toBe(0);
    expect(takeTimers(rt, 'send-indirect-probe')[0]?.afterMs).toBe(C.probeRttMs);
    expect(takeTimers(rt, 'probe-random-member')[0]?.afterMs).toBe(C.probePeriodMs);
  });
});
