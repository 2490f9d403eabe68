/**
 * Issue 11 items 3 and 4 against rooms as `joinRoom` builds them with `signedStatements: true` (real
 * Ed25519 keys) on the in-memory mesh, in virtual time: Mallory is a member like any other, with its own key
 * and its own links, and tries to speak for V. Each test asserts what the honest members see.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memberKeyFromSecret } from '../../shared/signaling/member-key';
import { METADATA_LABEL, statementAuth } from '../../shared/signaling/statement-auth';
import { BrowserIdentity, type Member, seededRng, statementBytes } from '../../shared/swim/index';
import { encodeMetadataItem } from './metadata';
import type { Room } from './room';
import { TestCluster } from './test-support/cluster';
import { codec, gossip, json, until, untilFormed } from './test-support/forge';

const ROOM = 'signed';

/** Secret keys from a seed, so Mallory's and V's keys are known to the test (never to each other). */
function secret(seed: number): Uint8Array {
  const rng = seededRng(seed);
  return Uint8Array.from({ length: 32 }, () => Math.floor(rng.next() * 256));
}

const MALLORY_KEY = secret(0xbad);
const V_KEY = secret(0x5);

/** Honest A, B and V and Mallory in a signed room, all seeing each other and each other's metadata. */
async function room(c: TestCluster) {
  const signed = { signedStatements: true };
  const a = c.join(ROOM, { name: 'A' }, signed);
  const b = c.join(ROOM, { name: 'B' }, signed);
  const v = c.join(ROOM, { name: 'V' }, { ...signed, key: V_KEY });
  const m = c.join(ROOM, { name: 'Mallory' }, { ...signed, key: MALLORY_KEY });
  // Metadata reaches everyone (directly on member-up).
  await untilFormed([a, b, v, m]);
  return { a, b, v, m };
}

/** `update` with a proof from the holder of `key` in `room` (as the core would sign it). */
function signedWith(key: Uint8Array, update: Member<BrowserIdentity>, room = ROOM): Member<BrowserIdentity> {
  const auth = statementAuth(memberKeyFromSecret(key), room);
  return { ...update, proof: auth.sign(statementBytes(codec, update)) };
}

describe('attack: a signed room, Mallory speaking for V', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a forged {V, down} (unsigned, or signed by Mallory) changes nothing: V neither leaves nor renames', async () => {
    const c = new TestCluster(21);
    const { a, b, v, m } = await room(c);
    const vId = BrowserIdentity.fromHex(v.room.self.id, v.room.self.generation);
    const down: Member<BrowserIdentity> = { id: vId, incarnation: 0, state: 'down' };
    for (const target of [a, b]) {
      c.meshOf(m.room).sendSwim(target.room.self.id, gossip(m.room, target.room, [down]));
      c.meshOf(m.room).sendSwim(
        target.room.self.id,
        gossip(m.room, target.room, [signedWith(MALLORY_KEY, down)]),
      );
    }
    await vi.advanceTimersByTimeAsync(10_000);
    for (const honest of [a, b]) {
      expect(honest.seen.leaves.map((x) => x.id)).not.toContain(vId.addr);
      expect(honest.room.members().find((x) => x.id === vId.addr)).toMatchObject({
        state: 'alive',
        generation: vId.generation,
      });
      const s = honest.room.stats().statements;
      expect(s.unsigned + s.rejected).toBe(2);
    }
    expect(v.room.self.generation).toBe(vId.generation);
  });

  it('a forged refutation cannot keep a dead V alive', async () => {
    const c = new TestCluster(22);
    const { a, b, v, m } = await room(c);
    const vAddr = v.room.self.id;
    const vId = BrowserIdentity.fromHex(vAddr, v.room.self.generation);
    c.kill(v.room);
    for (let t = 0; t < 30; t++) {
      for (const target of [a, b]) {
        const inc = t + 1;
        const alive: Member<BrowserIdentity> = { id: vId, incarnation: inc, state: 'alive' };
        c.meshOf(m.room).sendSwim(
          target.room.self.id,
          gossip(m.room, target.room, [signedWith(MALLORY_KEY, alive)]),
        );
      }
      await vi.advanceTimersByTimeAsync(1_000);
    }
    for (const honest of [a, b]) {
      expect(honest.seen.leaves.map((x) => x.id)).toContain(vAddr);
      expect(honest.room.members().some((x) => x.id === vAddr && x.state !== 'down')).toBe(false);
    }
  });

  it("V's own statement made for another room is refused here", async () => {
    const c = new TestCluster(23);
    const { a, b, v, m } = await room(c);
    const vId = BrowserIdentity.fromHex(v.room.self.id, v.room.self.generation);
    // V's real key, but a leave signed in another room (captured there, replayed here).
    const leave = signedWith(V_KEY, { id: vId, incarnation: 0, state: 'down' }, 'another-room');
    for (const target of [a, b]) {
      c.meshOf(m.room).sendSwim(target.room.self.id, gossip(m.room, target.room, [leave]));
    }
    await vi.advanceTimersByTimeAsync(5_000);
    for (const honest of [a, b]) {
      expect(honest.seen.leaves.map((x) => x.id)).not.toContain(vId.addr);
      expect(honest.room.stats().statements.rejected).toBe(1);
    }
    // The same leave signed in this room is V's own word: applied at once.
    const real = signedWith(V_KEY, { id: vId, incarnation: 0, state: 'down' });
    c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, [real]));
    await vi.advanceTimersByTimeAsync(50);
    expect(a.seen.leaves.map((x) => x.id)).toContain(vId.addr);
  });

  it('a metadata item for V with version 0xFFFFFFFF, unsigned or signed by Mallory, is never shown', async () => {
    const c = new TestCluster(24);
    const { a, b, v, m } = await room(c);
    const vId = BrowserIdentity.fromHex(v.room.self.id, v.room.self.generation);
    const body = json({ name: 'Mallory', admin: true });
    const unsigned = encodeMetadataItem(vId, 0xffffffff, body);
    const mallorySigned = encodeMetadataItem(
      vId,
      0xffffffff,
      body,
      statementAuth(memberKeyFromSecret(MALLORY_KEY), ROOM, METADATA_LABEL).sign,
    );
    // And one version past V's own (inside the relay window, so only the signature stands in the way).
    const nextVersion = encodeMetadataItem(
      vId,
      2,
      body,
      statementAuth(memberKeyFromSecret(MALLORY_KEY), ROOM, METADATA_LABEL).sign,
    );
    for (const target of [a, b]) {
      for (const item of [unsigned, mallorySigned, nextVersion]) {
        c.meshOf(m.room).sendSwim(target.room.self.id, gossip(m.room, target.room, [], [item]));
      }
    }
    await vi.advanceTimersByTimeAsync(2_000);
    const shows = (r: Room) => r.members().find((x) => x.id === vId.addr)?.metadata;
    for (const honest of [a, b]) {
      expect(shows(honest.room)).toEqual({ name: 'V' });
      const { metadataUnsigned, metadataRefused } = honest.room.stats().bounds;
      expect(metadataUnsigned).toBeGreaterThanOrEqual(1);
      expect(metadataUnsigned + metadataRefused).toBe(3);
    }
    v.room.setMetadata({ name: 'V2' });
    await until(
      () => [a, b].every(({ room }) => (shows(room) as { name?: string } | undefined)?.name === 'V2'),
      "V's own update shown by A and B",
    );
  });

  it('500 unsigned fake members in 10 gossip packets: no join, all counted', async () => {
    const c = new TestCluster(25);
    const { a, m } = await room(c);
    const rng = seededRng(25);
    const joinsBefore = a.seen.joins.length;
    for (let p = 0; p < 10; p++) {
      const fakes: Member<BrowserIdentity>[] = [];
      for (let k = 0; k < 50; k++)
        fakes.push({ id: BrowserIdentity.random(rng), incarnation: 0, state: 'alive' });
      c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, fakes));
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(a.seen.joins.length).toBe(joinsBefore);
    expect(a.room.stats().statements.unsigned).toBe(500);
    expect(a.room.stats().membersHeld).toBe(3);
  });

  it('packets of 42 unsigned metadata items for new addrs, repeated: nothing is shown, held or passed on', async () => {
    const c = new TestCluster(26);
    const { a, m } = await room(c);
    const rng = seededRng(26);
    const before = a.room.members().length;
    for (let p = 0; p < 200; p++) {
      const items: Uint8Array[] = [];
      for (let k = 0; k < 42; k++) items.push(encodeMetadataItem(BrowserIdentity.random(rng), 1, json({})));
      expect(c.meshOf(m.room).sendSwim(a.room.self.id, gossip(m.room, a.room, [], items))).toBe(true);
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    const stats = a.room.stats();
    expect(a.room.members().length).toBe(before);
    expect(stats.bounds.metadataUnsigned).toBe(200 * 42);
    expect(stats.customBroadcastBacklog).toBeLessThan(4);
  });
});
