import { describe, expect, it } from 'vitest';
import { type Config, simple } from './config';
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
import { id, type TestId } from './test-support/test-id';

const ME = id(1);
const B = id(2);
const C = id(3);
const OTHERS = [id(4), id(5), id(6)];

/** simple() with one check round, as the browser preset, plus `extra`. */
const config = (extra: Partial<Config> = {}): Config => ({ ...simple(), checkRounds: 1, ...extra });

/** simple()'s own suspicion wait with one check round: `suspectToDownAfterMs` less two periods, at least one. */
const OWN_WAIT = Math.max(simple().probePeriodMs, simple().suspectToDownAfterMs - 2 * simple().probePeriodMs);

function node(extra: Partial<Config>, opts: { lifeguard?: boolean } = {}): { swim: TestSwim; rt: Rt } {
  const n = makeNode(ME.asRejoinable(), { downIsAccusation: true, config: config(extra), ...opts });
  n.swim.applyMany([member(B), member(C), ...OTHERS.map((o) => member(o))], false, n.rt);
  n.rt.clear();
  return n;
}

const gossipFrom = (from: TestId, updates: ReturnType<typeof member>[]) =>
  encode(header(from, ME, { type: 'gossip' }), updates);

const sentTypes = (rt: Rt) => rt.takeSends().map((s) => `${decode(s.bytes).header.message.type}->${s.to}`);

describe('heardSuspicionAsOwn: a heard suspicion is timed as the prober times its own', () => {
  it('a member that only heard of a suspicion waits what its prober waits, not the backstop', () => {
    const heard = node({ heardSuspicionAsOwn: true });
    heard.swim.handleData(gossipFrom(C, [member(B, 'suspect')]), heard.rt);
    expect(takeTimers(heard.rt, 'change-suspect-to-down').map((t) => t.afterMs)).toEqual([OWN_WAIT]);

    const backstop = node({});
    backstop.swim.handleData(gossipFrom(C, [member(B, 'suspect')]), backstop.rt);
    const [t] = takeTimers(backstop.rt, 'change-suspect-to-down');
    expect(t!.afterMs).toBeGreaterThan(OWN_WAIT);
  });

  it('only where Downs are accusations: without downIsAccusation a hearer keeps the backstop', () => {
    const { swim, rt } = makeNode(ME, { config: config({ heardSuspicionAsOwn: true }) });
    swim.applyMany([member(B), member(C)], false, rt);
    rt.clear();
    swim.handleData(gossipFrom(C, [member(B, 'suspect')]), rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    expect(t!.afterMs).toBeGreaterThan(OWN_WAIT);
  });

  it('the prober gossips the suspicion it publishes at once, beside the Ping that tells the suspect', () => {
    for (const on of [true, false]) {
      const { swim, rt } = makeNode(ME, {
        downIsAccusation: true,
        config: config({ heardSuspicionAsOwn: on }),
      });
      swim.applyMany([member(B), member(C)], false, rt);
      const [start] = takeTimers(rt, 'probe-random-member');
      swim.handleTimer(start!.timer, rt);
      const probed = swim.probedMember!;
      for (const t of takeTimers(rt, 'send-indirect-probe')) swim.handleTimer(t.timer, rt);
      for (const t of takeTimers(rt, 'judge-probe')) swim.handleTimer(t.timer, rt);
      const [check] = takeTimers(rt, 'check-before-suspect');
      rt.clear();
      swim.handleTimer(check!.timer, rt);
      expect(swim.member(probed.addr)?.state).toBe('suspect');
      const gossips = sentTypes(rt).filter((s) => s.startsWith('gossip->'));
      expect(gossips.length > 0).toBe(on);
    }
  });

  it('our failed probe of a member we heard suspected of waits one period more than that wait (its prober checked first)', () => {
    const { swim, rt } = makeNode(ME, {
      downIsAccusation: true,
      config: config({ heardSuspicionAsOwn: true }),
    });
    swim.applyMany([member(B, 'suspect')], false, rt);
    takeTimers(rt, 'change-suspect-to-down');
    rt.takeNotifications();
    const [start] = takeTimers(rt, 'probe-random-member');
    swim.handleTimer(start!.timer, rt);
    expect(swim.probedMember?.equals(B)).toBe(true);
    for (const t of takeTimers(rt, 'send-indirect-probe')) swim.handleTimer(t.timer, rt);
    for (const t of takeTimers(rt, 'judge-probe')) swim.handleTimer(t.timer, rt);
    expect(events(rt.takeNotifications())).toEqual([`probe-failed ${B}`]);
    expect(takeTimers(rt, 'change-suspect-to-down').map((t) => t.afterMs)).toEqual([
      OWN_WAIT + simple().probePeriodMs,
    ]);
  });
});

describe('accusedRoundEndsOnNacks: a Down accusation ends our silent round at its relays’ nacks', () => {
  /** Hears C accuse B, and returns the relays of the final round it started and that round's number. */
  function accused(extra: Partial<Config>) {
    const { swim, rt } = node(extra, { lifeguard: true });
    swim.handleData(gossipFrom(C, [member(B, 'down')]), rt);
    const sends = rt.takeSends().map((s) => ({ to: s.to, message: decode(s.bytes).header.message }));
    const relays = sends.filter((s) => s.message.type === 'ping-req').map((s) => s.to);
    const ping = sends.find((s) => s.message.type === 'ping' && s.to.equals(B))!;
    const { probeNumber } = ping.message as { probeNumber: number };
    const [round] = takeTimers(rt, 'check-before-down');
    rt.clear();
    return { swim, rt, relays, probeNumber, round: round!.timer };
  }
  const nackFrom = (relay: TestId, probeNumber: number) =>
    encode(header(relay, ME, { type: 'nack', probeNumber }));

  it('half the relays nacked and nothing answered: Down now, not at the end of the period', () => {
    const { swim, rt, relays, probeNumber } = accused({ accusedRoundEndsOnNacks: true });
    expect(relays.length).toBeGreaterThanOrEqual(2);
    const half = Math.ceil(relays.length / 2);
    for (const relay of relays.slice(0, half - 1)) swim.handleData(nackFrom(relay, probeNumber), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    // A copy of a nack counts once.
    if (half > 1) swim.handleData(nackFrom(relays[0]!, probeNumber), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    swim.handleData(nackFrom(relays[half - 1]!, probeNumber), rt);
    expect(swim.member(B.addr)?.state).toBe('down');
    expect(events(rt.takeNotifications())).toEqual([`member-down ${B}`]);
  });

  it('an answer to the round keeps the member active, whatever the nacks', () => {
    const { swim, rt, relays, probeNumber, round } = accused({ accusedRoundEndsOnNacks: true });
    swim.handleData(encode(header(B, ME, { type: 'ack', probeNumber })), rt);
    for (const relay of relays) swim.handleData(nackFrom(relay, probeNumber), rt);
    swim.handleTimer(round, rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    expect(events(rt.takeNotifications())).toEqual([]);
  });

  it('nacks for a round no accusation made final wait for the round to end', () => {
    const { swim, rt } = node({ accusedRoundEndsOnNacks: true }, { lifeguard: true });
    swim.handleData(gossipFrom(C, [member(B, 'suspect', 0)]), rt);
    // Our own timeout (LHA's ladder) starts round 1.
    for (const t of takeTimers(rt, 'suspicion-level')) swim.handleTimer(t.timer, rt);
    const sends = rt.takeSends().map((s) => ({ to: s.to, message: decode(s.bytes).header.message }));
    const relays = sends.filter((s) => s.message.type === 'ping-req').map((s) => s.to);
    const { probeNumber } = sends.find((s) => s.message.type === 'ping' && s.to.equals(B))!.message as {
      probeNumber: number;
    };
    const [round] = takeTimers(rt, 'check-before-down');
    expect(relays.length).toBeGreaterThan(0);
    for (const relay of relays) swim.handleData(nackFrom(relay, probeNumber), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    swim.handleTimer(round!.timer, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
  });

  it('without the switch the accused round runs its whole period (the core default)', () => {
    const { swim, rt, relays, probeNumber, round } = accused({});
    for (const relay of relays) swim.handleData(nackFrom(relay, probeNumber), rt);
    expect(swim.member(B.addr)?.state).toBe('suspect');
    swim.handleTimer(round, rt);
    expect(swim.member(B.addr)?.state).toBe('down');
  });
});
