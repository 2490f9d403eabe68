import { describe, expect, it } from 'vitest';
import { AccumulatingRuntime } from './accumulating-runtime';
import type { Codec } from './codec';
import { simple } from './config';
import { EncodeError, NotUndeadError, SameIdentityError } from './errors';
import { seededRng } from './seeded-rng';
import { Swim } from './swim';
import {
  encode,
  events,
  header,
  makeNode,
  member,
  takeOneTo,
  takeTimers,
  takeTo,
} from './test-support/harness';
import { id, type TestId } from './test-support/test-id';

const ME = id(1);
const notifyDown = { ...simple(), notifyDownMembers: true };

describe('our own identity', () => {
  it('starts disconnected with no members, and refuses misuse by name', () => {
    const { swim, rt } = makeNode(ME);
    expect(swim.connectionState).toBe('disconnected');
    expect(swim.numMembers).toBe(0);
    expect([...swim.members()]).toEqual([]);
    expect(() => swim.reuseDownIdentity()).toThrow(NotUndeadError);
    expect(() => swim.changeIdentity(id(1), rt)).toThrow(SameIdentityError);
    swim.changeIdentity(id(43), rt);
    expect(swim.identity.equals(id(43))).toBe(true);
  });

  it('an identity or member the codec cannot write is refused before anything changes', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    const backlog = swim.updatesBacklog;
    rt.clear();
    expect(() => swim.changeIdentity(id(70_000), rt)).toThrow(EncodeError);
    expect(swim.identity.equals(ME)).toBe(true);
    expect(swim.connectionState).toBe('connected');
    expect(() => swim.applyMany([member(id(3)), member(id(4), 'alive', 70_000)], true, rt)).toThrow(
      EncodeError,
    );
    expect(swim.numMembers).toBe(1);
    expect(swim.updatesBacklog).toBe(backlog);
    expect(() => swim.announce(id(70_000), rt)).toThrow(EncodeError);
    expect(rt.backlog).toBe(0);
  });

  it('timer tokens wrap like a u8', () => {
    const { swim, rt } = makeNode(ME);
    const start = swim.timerToken;
    for (let k = 1; k <= 256; k++) {
      swim.changeIdentity(id(1, k & 0xff), rt);
      expect(swim.timerToken).toBe((start + k) & 0xff);
    }
  });

  it('leaving the cluster gossips our Down, once per member, and leaves us undead', () => {
    const { swim, rt } = makeNode(ME, { config: { ...simple(), numIndirectProbes: 5 } });
    swim.applyMany([member(id(2))], true, rt);
    rt.clear();
    swim.leaveCluster(rt);
    const sent = takeTo(rt, id(2));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.header.message).toEqual({ type: 'gossip' });
    expect(sent[0]!.members).toContainEqual(member(ME, 'down'));
    expect(swim.connectionState).toBe('undead');
    expect(events(rt.takeNotifications())).toEqual(['defunct']);
  });

  it('leaving the cluster tells every member of a small cluster directly, each packet carrying our Down', () => {
    const { swim, rt } = makeNode(ME, { config: { ...simple(), numIndirectProbes: 3, maxTransmissions: 2 } });
    const others = [2, 3, 4, 5, 6, 7, 8].map((n) => id(n));
    swim.applyMany(
      others.map((o) => member(o)),
      false,
      rt,
    );
    rt.clear();
    swim.leaveCluster(rt);
    for (const o of others) {
      const sent = takeTo(rt, o);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.members).toContainEqual(member(ME, 'down'));
    }
  });

  it('while undead, packets are dropped until the identity is reused', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    swim.leaveCluster(rt);
    const ping = encode(header(id(2), ME, { type: 'ping', probeNumber: 3 }));
    expect(swim.handleData(ping, rt)).toMatchObject({ ok: false, error: { kind: 'not-for-us' } });
    swim.reuseDownIdentity();
    expect(swim.connectionState).toBe('disconnected');
    rt.clear();
    expect(swim.handleData(ping, rt)).toEqual({ ok: true });
    expect(events(rt.takeNotifications())).toEqual(['active']);
    const ack = takeOneTo(rt, id(2));
    expect(ack.header.message).toEqual({ type: 'ack', probeNumber: 3 });
    // Back with the same identity, we no longer spread our own Down.
    expect(ack.members.some((m) => m.id.addr === ME.addr)).toBe(false);
  });

  it('changing identity gossips the old one as Down right away and resets the timer token', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    const token = swim.timerToken;
    rt.clear();
    swim.changeIdentity(id(99), rt);
    expect(swim.timerToken).not.toBe(token);
    expect(swim.incarnation).toBe(0);
    const gossip = takeOneTo(rt, id(2));
    expect(gossip.header.message).toEqual({ type: 'gossip' });
    expect(gossip.header.src.equals(id(99))).toBe(true);
    expect(gossip.members).toContainEqual(member(ME, 'down'));
  });

  it('declared Down, a rejoinable identity renews itself and gossips instead of going defunct', () => {
    const { swim, rt } = makeNode(ME.asRejoinable());
    swim.applyMany([member(id(2)), member(id(3)), member(id(4)), member(ME, 'down')], true, rt);
    expect(swim.identity.equals(id(1, 1))).toBe(true);
    const seen = events(rt.takeNotifications());
    expect(seen).toContain('rejoin m1#1');
    expect(seen).not.toContain('defunct');
    expect(rt.takeSends().some((s) => s.bytes.length > 0)).toBe(true);
    expect(swim.connectionState).toBe('connected');
  });

  it('declared Down, an identity that cannot renew goes defunct', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    rt.clear();
    swim.handleData(encode(header(id(2), ME, { type: 'gossip' }), [member(ME, 'down')]), rt);
    expect(events(rt.takeNotifications())).toEqual(['defunct']);
    expect(swim.connectionState).toBe('undead');
  });

  it('news about an older identity of ours only records it as Down', () => {
    const renewed = id(1, 1);
    const { swim, rt } = makeNode(renewed);
    swim.applyMany([member(id(1, 0))], true, rt);
    expect(swim.numMembers).toBe(0);
    expect(swim.member('m1')?.state).toBe('down');
  });

  it('(Shoal) a packet for an older identity of ours is refused, and its sender told who we are now', () => {
    const { swim, rt } = makeNode(id(1, 1));
    const r = swim.handleData(encode(header(id(2), id(1, 0), { type: 'ping', probeNumber: 1 })), rt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'not-for-us' } });
    expect(swim.numMembers).toBe(0);
    const reply = takeOneTo(rt, id(2));
    expect(reply.header.message).toEqual({ type: 'gossip' });
    expect(reply.header.src.equals(id(1, 1))).toBe(true);
    // A packet for someone else entirely gets no answer.
    swim.handleData(encode(header(id(2), id(9), { type: 'ping', probeNumber: 1 })), rt);
    expect(rt.sends).toHaveLength(0);
  });

  it('a TurnUndead from a member we consider Down still counts, and we answer with our new identity', () => {
    const { swim, rt } = makeNode(ME.asRejoinable(), { config: notifyDown });
    swim.applyMany([member(id(2), 'down')], true, rt);
    rt.clear();
    expect(swim.handleData(encode(header(id(2), ME, { type: 'turn-undead' })), rt)).toEqual({ ok: true });
    expect(swim.identity.equals(id(1, 1))).toBe(true);
    const reply = takeOneTo(rt, id(2));
    expect(reply.header.message).toEqual({ type: 'turn-undead' });
    expect(reply.header.src.equals(id(1, 1))).toBe(true);
  });

  it('a message from a Down member is answered with TurnUndead and otherwise ignored', () => {
    const { swim, rt } = makeNode(ME, { config: notifyDown });
    swim.applyMany([member(id(2), 'down')], true, rt);
    rt.clear();
    const r = swim.handleData(encode(header(id(2), ME, { type: 'gossip' }, 1), [member(id(3))]), rt);
    expect(r).toEqual({ ok: true });
    expect(takeOneTo(rt, id(2)).header.message).toEqual({ type: 'turn-undead' });
    expect(swim.numMembers).toBe(0);
  });

  it('without notifyDownMembers a Down member gets no answer', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2), 'down')], true, rt);
    rt.clear();
    swim.handleData(encode(header(id(2), ME, { type: 'ping', probeNumber: 1 })), rt);
    expect(rt.sends).toHaveLength(0);
  });
});

describe('notifications', () => {
  it('follow members up and down, and us through active, idle, defunct and back', () => {
    const { swim, rt } = makeNode(ME);
    const step = (ms: Parameters<typeof swim.applyMany>[0]) => {
      swim.applyMany(ms, true, rt);
      return events(rt.takeNotifications());
    };
    expect(step([member(id(2))])).toEqual(['member-up m2#0', 'active']);
    expect(step([member(id(2)), member(id(2), 'suspect'), member(id(2), 'alive', 10)])).toEqual([]);
    expect(step([member(id(3), 'suspect')])).toEqual(['member-up m3#0']);
    expect(step([member(id(3), 'down')])).toEqual(['member-down m3#0']);
    expect(step([member(id(3), 'down')])).toEqual([]);
    expect(step([member(id(4), 'down')])).toEqual([]);
    expect(step([member(id(2), 'down')])).toEqual(['member-down m2#0', 'idle']);
    expect(step([member(id(5))])).toEqual(['member-up m5#0', 'active']);
    expect(step([member(ME, 'down')])).toEqual(['defunct']);
    // Undead, the host may still maintain members, but we stay inactive.
    expect(step([member(id(5), 'down')])).toEqual(['member-down m5#0']);
    expect(step([member(id(6))])).toEqual(['member-up m6#0']);
    swim.reuseDownIdentity();
    expect(step([member(id(6))])).toEqual(['active']);
  });

  it('a new Down member schedules its removal once; an active one does not', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2), 'down')], true, rt);
    expect(takeTimers(rt, 'remove-down')).toEqual([
      { timer: { type: 'remove-down', id: id(2) }, afterMs: simple().removeDownAfterMs },
    ]);
    swim.applyMany([member(id(2), 'down')], true, rt);
    expect(takeTimers(rt, 'remove-down')).toEqual([]);
    swim.applyMany([member(id(3))], true, rt);
    expect(takeTimers(rt, 'remove-down')).toEqual([]);
    swim.applyMany([member(id(3), 'down')], true, rt);
    expect(takeTimers(rt, 'remove-down')).toHaveLength(1);
  });

  it('removing a Down member forgets it, so its identity may come back', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2), 'down')], true, rt);
    const [t] = takeTimers(rt, 'remove-down');
    swim.applyMany([member(id(2))], true, rt);
    expect(swim.numMembers).toBe(0);
    swim.handleTimer(t!.timer, rt);
    expect([...swim.membershipState()]).toEqual([]);
    swim.applyMany([member(id(2))], true, rt);
    expect(swim.numMembers).toBe(1);
  });
});

describe('address conflicts', () => {
  it('the winning identity replaces the member; the loser is ignored in any state', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2, 0))], true, rt);
    swim.applyMany([member(id(2, 1))], true, rt);
    expect([...swim.members()].map((m) => `${m.id}/${m.state}`)).toEqual(['m2#1/alive']);
    for (const state of ['alive', 'suspect', 'down'] as const) {
      swim.applyMany([member(id(2, 0), state)], true, rt);
      expect([...swim.members()].map((m) => `${m.id}/${m.state}`)).toEqual(['m2#1/alive']);
    }
  });

  it('renames are notified, with up and down when the active set changes', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2, 0))], true, rt);
    rt.clear();
    const step = (m: ReturnType<typeof member>) => {
      swim.applyMany([m], true, rt);
      return events(rt.takeNotifications());
    };
    expect(step(member(id(2, 1)))).toEqual(['rename m2#0 m2#1']);
    expect(step(member(id(2, 2), 'down'))).toEqual(['rename m2#1 m2#2', 'member-down m2#2', 'idle']);
    expect(step(member(id(2, 3), 'suspect'))).toEqual(['rename m2#2 m2#3', 'member-up m2#3', 'active']);
    for (const old of [0, 1, 2]) {
      expect(step(member(id(2, old)))).toEqual([]);
      expect(step(member(id(2, old), 'down'))).toEqual([]);
    }
    expect(swim.numMembers).toBe(1);
  });

  it('a suspicion timer about a renamed member does not touch the new identity', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2, 0), 'suspect')], true, rt);
    const [t] = takeTimers(rt, 'change-suspect-to-down');
    swim.applyMany([member(id(2, 1))], true, rt);
    swim.handleTimer(t!.timer, rt);
    expect([...swim.members()].map((m) => `${m.id}/${m.state}`)).toEqual(['m2#1/alive']);
  });

  it('data from an old identity of a member is discarded; from the current one it is applied', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2, 0)), member(id(2, 1))], true, rt);
    expect(swim.numMembers).toBe(1);
    swim.handleData(encode(header(id(2, 0), ME, { type: 'gossip' }), [member(id(3))]), rt);
    expect(swim.numMembers).toBe(1);
    swim.handleData(encode(header(id(2, 1), ME, { type: 'gossip' }), [member(id(3))]), rt);
    expect(swim.numMembers).toBe(2);
  });

  it('a member renamed while we probe it gets no indirect probes', () => {
    const { swim, rt } = makeNode(ME);
    swim.applyMany([member(id(2))], true, rt);
    const [t] = takeTimers(rt, 'probe-random-member');
    swim.handleTimer(t!.timer, rt);
    const [ind] = takeTimers(rt, 'send-indirect-probe');
    swim.applyMany([member(id(2, 1))], true, rt);
    rt.clear();
    swim.handleTimer(ind!.timer, rt);
    expect(rt.sends).toHaveLength(0);
  });
});

describe('a codec that fails', () => {
  it('makes sends throw EncodeError and packets come back as decode errors, never anything else', () => {
    const failing: Codec<TestId> = {
      writeHeader: () => {
        throw new Error('no');
      },
      readHeader: () => {
        throw new Error('no');
      },
      writeMember: () => {
        throw new Error('no');
      },
      readMember: () => {
        throw new Error('no');
      },
    };
    const swim = new Swim<TestId>({ identity: ME, config: simple(), rng: seededRng(1), codec: failing });
    const rt = new AccumulatingRuntime<TestId>();
    expect(() => swim.announce(id(2), rt)).toThrow(EncodeError);
    expect(swim.handleData(new TextEncoder().encode('hue'), rt)).toMatchObject({
      ok: false,
      error: { kind: 'decode' },
    });
    expect(rt.backlog).toBe(0);
  });
});
