import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { encode, header, makeNode, member, takeOneTo, takeTimers } from './test-support/harness';
import { id } from './test-support/test-id';

const ME = id(1);

describe('timerIsIdle (hosts let idle timers wait for their next wake-up)', () => {
  it("calls a probe's indirect stage idle once its Ack came, and not before", () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    const [start] = takeTimers(rt, 'probe-random-member');
    rt.clear();
    swim.handleTimer(start!.timer, rt);
    const [indirect] = takeTimers(rt, 'send-indirect-probe');
    const [next] = takeTimers(rt, 'probe-random-member');
    const ping = takeOneTo(rt, id(2)).header.message;
    if (ping.type !== 'ping') throw new Error(`expected a ping, got ${ping.type}`);
    expect(swim.timerIsIdle(indirect!.timer)).toBe(false);
    swim.handleData(encode(header(id(2), ME, { type: 'ack', probeNumber: ping.probeNumber })), rt);
    expect(swim.timerIsIdle(indirect!.timer)).toBe(true);
    expect(swim.timerIsIdle(next!.timer)).toBe(false);
    // Run late, it still does nothing but close the stage: no PingReq, no verdict timer.
    rt.clear();
    swim.handleTimer(indirect!.timer, rt);
    expect(rt.sends).toHaveLength(0);
    expect(takeTimers(rt, 'judge-probe')).toEqual([]);
  });

  it('calls periodic gossip idle while no update or custom broadcast waits', () => {
    const { swim, rt } = makeNode(ME, {
      config: { ...simple(), periodicGossip: { frequencyMs: 200, numMembers: 3 } },
    });
    swim.applyMany([member(id(2))], false, rt);
    const [gossip] = takeTimers(rt, 'periodic-gossip');
    expect(gossip).toBeDefined();
    expect(swim.updatesBacklog).toBe(0);
    expect(swim.timerIsIdle(gossip!.timer)).toBe(true);
    swim.handleData(encode(header(id(2), ME, { type: 'gossip' }), [member(id(3))]), rt);
    expect(swim.updatesBacklog).toBeGreaterThan(0);
    expect(swim.timerIsIdle(gossip!.timer)).toBe(false);
  });
});
