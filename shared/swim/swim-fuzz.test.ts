import { describe, expect, it } from 'vitest';
import { type Config, simple } from './config';
import type { Member, MemberState } from './member';
import type { Message } from './payload';
import type { Rng } from './rng';
import type { Timer } from './runtime';
import { randomInt, seededRng } from './seeded-rng';
import { encode, makeNode, type Rt, type TestSwim } from './test-support/harness';
import { id, TestId } from './test-support/test-id';
import { VersionedHandler } from './test-support/versioned-handler';

const SEED = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 32);
const STATES: MemberState[] = ['alive', 'suspect', 'down'];
const ME = id(1);

function pick<E>(rng: Rng, items: readonly E[]): E {
  return items[randomInt(rng, items.length)]!;
}

/** An identity from a small pool, so updates collide: ours, our other lives, and a few members. */
function someId(rng: Rng): TestId {
  return new TestId(1 + randomInt(rng, 8), randomInt(rng, 3));
}

function someIncarnation(rng: Rng): number {
  return pick(rng, [0, 0, 1, 2, 0xfffe, 0xffff, randomInt(rng, 0x10000)]);
}

function someMessage(rng: Rng): Message<TestId> {
  const probeNumber = randomInt(rng, 256);
  switch (randomInt(rng, 12)) {
    case 0:
      return { type: 'ping', probeNumber };
    case 1:
      return { type: 'ack', probeNumber };
    case 2:
      return { type: 'ping-req', target: someId(rng), probeNumber };
    case 3:
      return { type: 'indirect-ping', origin: someId(rng), probeNumber };
    case 4:
      return { type: 'indirect-ack', target: someId(rng), probeNumber };
    case 5:
      return { type: 'forwarded-ack', origin: someId(rng), probeNumber };
    case 6:
      return { type: 'gossip' };
    case 7:
      return { type: 'announce' };
    case 8:
      return { type: 'feed', next: randomInt(rng, 3) === 0 ? 0 : randomInt(rng, 0x10000) };
    case 9:
      return { type: 'feed-request', cursor: randomInt(rng, 0x10000) };
    case 10:
      return { type: 'broadcast' };
    default:
      return { type: 'turn-undead' };
  }
}

function validPacket(rng: Rng, me: TestId): Uint8Array {
  const message = someMessage(rng);
  const dst = randomInt(rng, 4) === 0 ? someId(rng) : me;
  const src = someId(rng);
  const header = { src, srcIncarnation: someIncarnation(rng), dst, message };
  if (message.type === 'announce' || message.type === 'turn-undead') return encode(header);
  const members: Member<TestId>[] = [];
  for (let i = randomInt(rng, 6); i > 0; i--) {
    members.push({ id: someId(rng), incarnation: someIncarnation(rng), state: pick(rng, STATES) });
  }
  const broadcasts: Uint8Array[] = [];
  for (let i = randomInt(rng, 3); i > 0; i--) {
    const item = new Uint8Array(randomInt(rng, 3) === 0 ? 1 + randomInt(rng, 8) : 6);
    for (let k = 0; k < item.length; k++) item[k] = randomInt(rng, 4);
    broadcasts.push(item);
  }
  return encode(header, members, broadcasts);
}

function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  switch (randomInt(rng, 4)) {
    case 0: {
      const out = bytes.slice();
      for (let i = 1 + randomInt(rng, 3); i > 0 && out.length > 0; i--)
        out[randomInt(rng, out.length)] = randomInt(rng, 256);
      return out;
    }
    case 1:
      return bytes.slice(0, randomInt(rng, bytes.length + 1));
    case 2: {
      const out = new Uint8Array(bytes.length + 1 + randomInt(rng, 4));
      out.set(bytes);
      for (let i = bytes.length; i < out.length; i++) out[i] = randomInt(rng, 256);
      return out;
    }
    default: {
      const out = new Uint8Array(randomInt(rng, 64));
      for (let i = 0; i < out.length; i++) out[i] = randomInt(rng, 256);
      return out;
    }
  }
}

function checkInvariants(swim: TestSwim): void {
  const all = [...swim.membershipState()];
  const active = [...swim.members()];
  expect(active.length).toBe(swim.numMembers);
  expect(all.filter((m) => m.state !== 'down').length).toBe(swim.numMembers);
  expect(new Set(all.map((m) => m.id.addr)).size).toBe(all.length);
  expect(new Set(active.map((m) => m.id.addr)).size).toBe(active.length);
  for (const m of active) {
    expect(m.state).not.toBe('down');
    expect(m.id.addr).not.toBe(swim.identity.addr);
  }
  for (const m of all) {
    expect(Number.isInteger(m.incarnation) && m.incarnation >= 0 && m.incarnation <= 0xffff).toBe(true);
  }
  expect(swim.incarnation).toBeGreaterThanOrEqual(0);
  expect(swim.incarnation).toBeLessThanOrEqual(0xffff);
  if (swim.connectionState === 'connected') expect(swim.numMembers).toBeGreaterThan(0);
}

function run(seed: number, steps: number, config: Config): void {
  const rng = seededRng(seed);
  const { swim, rt } = makeNode(ME.asRejoinable(), {
    config,
    seed,
    broadcastHandler: new VersionedHandler(),
  });
  const pending: Array<Timer<TestId>> = [];
  const drainTimers = (r: Rt) => {
    for (const t of r.takeTimers()) pending.push(t.timer);
  };
  for (let step = 0; step < steps; step++) {
    const roll = randomInt(rng, 10);
    if (roll < 6) {
      const valid = validPacket(rng, swim.identity);
      const bytes = randomInt(rng, 3) === 0 ? mutate(rng, valid) : valid;
      const r = swim.handleData(bytes, rt);
      expect(typeof r.ok).toBe('boolean');
    } else if (roll < 9 && pending.length > 0) {
      const t = pending.splice(randomInt(rng, pending.length), 1)[0]!;
      swim.handleTimer(t, rt);
    } else if (roll === 9) {
      if (swim.connectionState === 'undead') swim.reuseDownIdentity();
      else swim.gossip(rt);
    }
    drainTimers(rt);
    rt.sends.length = 0;
    rt.notifications.length = 0;
    checkInvariants(swim);
  }
}

describe('fuzzing handleData and handleTimer', () => {
  it(`never throws and keeps the membership consistent (SEED=${SEED})`, () => {
    console.log(
      `swim-fuzz SEED=${SEED} (replay with SEED=${SEED} npx vitest run shared/swim/swim-fuzz.test.ts)`,
    );
    for (let k = 0; k < 20; k++) {
      const seed = (SEED + k) >>> 0;
      const config = k % 2 === 0 ? simple() : { ...simple(), notifyDownMembers: true, maxPacketSize: 120 };
      try {
        run(seed, 500, config);
      } catch (e) {
        throw new Error(`failed with run seed ${seed} (SEED=${SEED}): ${e instanceof Error ? e.stack : e}`);
      }
    }
    // 20 runs of 500 steps are CPU-bound; a machine shared with other jobs needs more than the default.
  }, 180_000);
});
