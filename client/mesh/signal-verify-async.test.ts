/**
 * Signals checked by an asynchronous verifier (the browser's WebCrypto, `LinkIdentity.verify`): the
 * mesh acts on a signal only once its signature verified, in the order the signals came even when
 * their checks finish in another order, and not at all once it closed. The verifier here holds each
 * check until the test releases it (noble decides the answer). Virtual time, fixed keys.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/host/index';
import { type MemberKey, memberKeyFromSecret, verifySignature } from '../../shared/signaling/member-key';
import { seededRng } from '../../shared/swim/index';
import { ManualClock } from '../runtime/test-support/manual-clock';
import type { AsyncSignatureVerifier } from '../runtime/webcrypto-ed25519';
import { createInMemoryNetwork } from './in-memory-network';
import type { MeshNode } from './mesh-node';
import { SignalAuth } from './signal-auth';
import { fakeSwimSrcAddr } from './test-support/helpers';

const ROOM = 'async-verify-room';

/** Fixed keys sorted by addr: the smaller addr initiates. */
function sortedKeys(count: number): MemberKey[] {
  const keys: MemberKey[] = [];
  for (let i = 1; i <= count; i++) keys.push(memberKeyFromSecret(new Uint8Array(32).fill(20 + i)));
  return keys.sort((a, b) => (a.addr < b.addr ? -1 : 1));
}

/** A verifier whose checks wait until `release`d; `calls` counts the checks asked for. */
function heldVerifier() {
  const held: Array<() => void> = [];
  const state = { calls: 0, held };
  const verify: AsyncSignatureVerifier = (publicKey, message, signature) => {
    state.calls += 1;
    return new Promise((resolve) => held.push(() => resolve(verifySignature(publicKey, message, signature))));
  };
  return { ...state, verify, state };
}

/** Lets resolved promises run their callbacks (the mesh's queue is a promise chain). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A logger that keeps the `mesh: … received` lines it is given, with their peer. */
function receivedLog(): { logger: Logger; received: string[] } {
  const received: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) => {
    if (message.endsWith(' received')) received.push(`${message.slice(6)} from ${String(fields?.peer)}`);
  };
  return { logger: { debug: keep, info: keep, warn: () => {}, error: () => {} }, received };
}

const meshes: MeshNode[] = [];
afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.close();
});

function world() {
  const clock = new ManualClock();
  const network = createInMemoryNetwork({ clock, delayMs: 1 });
  let seed = 1;
  const member = (key: MemberKey, extra: { verify?: AsyncSignatureVerifier; logger?: Logger } = {}) => {
    const mesh = network.createMesh({
      self: key.addr,
      swimSrcAddr: fakeSwimSrcAddr,
      rng: seededRng(seed++),
      clock,
      ...(extra.logger === undefined ? {} : { logger: extra.logger }),
      identity: { key, room: ROOM, verify: extra.verify },
    });
    meshes.push(mesh);
    return mesh;
  };
  return { clock, network, member };
}

/** A offers to B, whose check of A's offer is held: the state both tests of one pair start from. */
async function offerHeldAtB() {
  const { clock, member } = world();
  const [k0, k1] = sortedKeys(2) as [MemberKey, MemberKey];
  const checks = heldVerifier();
  const a = member(k0);
  const b = member(k1, { verify: checks.verify });
  a.connect(b.self);
  clock.advance(100);
  await settle();
  return { clock, checks, a, b };
}

describe('a mesh whose signatures are checked asynchronously', () => {
  it('answers an offer only once its check passed, and then the link opens', async () => {
    const { clock, checks, a, b } = await offerHeldAtB();
    expect(checks.state.calls).toBe(1);
    expect(b.isOpen(a.self) || a.isOpen(b.self)).toBe(false);
    for (const release of checks.held.splice(0)) release();
    await settle();
    clock.advance(100);
    await settle();
    expect(a.isOpen(b.self) && b.isOpen(a.self)).toBe(true);
    expect(b.stats()).toMatchObject({ signalsVerified: 1, signalsRejected: 0, signalsVerifyDropped: 0 });
  });

  it('acts on signals in the order they came when their checks finish the other way round', async () => {
    const { clock, member } = world();
    const [k0, k1, k2] = sortedKeys(3) as [MemberKey, MemberKey, MemberKey];
    const checks = heldVerifier();
    const log = receivedLog();
    const first = member(k0);
    const second = member(k1);
    const b = member(k2, { verify: checks.verify, logger: log.logger });
    first.connect(b.self);
    clock.advance(5);
    second.connect(b.self);
    clock.advance(5);
    await settle();
    expect(checks.state.calls).toBe(2);
    for (const release of checks.held.splice(0).reverse()) {
      release();
      await settle();
    }
    expect(log.received).toEqual([`offer received from ${first.self}`, `offer received from ${second.self}`]);
    clock.advance(100);
    await settle();
    expect(b.isOpen(first.self) && b.isOpen(second.self)).toBe(true);
  });

  it("refuses a signal with another member's key at once, and one signed for another room after its check", async () => {
    const { clock, network, member } = world();
    const [k0, k1, k2] = sortedKeys(3) as [MemberKey, MemberKey, MemberKey];
    const checks = heldVerifier();
    const b = member(k1, { verify: checks.verify });
    const fromK0 = network.hub.client(k0.addr);
    // Signed by k2 but sent as k0: the key does not hash to the sender, refused with no check.
    const foreignKey = new SignalAuth(k0.addr, { key: k2, room: ROOM });
    void fromK0.send(b.self, 'abcdef01-1', foreignKey.sign(b.self, 'abcdef01-1', { type: 'connect' }));
    clock.advance(10);
    await settle();
    expect(checks.state.calls).toBe(0);
    expect(b.stats().signalsRejected).toBe(1);
    // Signed by k0 itself, but for another room: only the signature check can tell.
    const elsewhere = new SignalAuth(k0.addr, { key: k0, room: 'elsewhere' });
    void fromK0.send(b.self, 'abcdef01-2', elsewhere.sign(b.self, 'abcdef01-2', { type: 'connect' }));
    clock.advance(10);
    await settle();
    expect(checks.state.calls).toBe(1);
    expect(b.stats().signalsRejected).toBe(1);
    for (const release of checks.held.splice(0)) release();
    await settle();
    clock.advance(1_000);
    expect(b.stats()).toMatchObject({ signalsRejected: 2, signalsVerified: 0, pending: 0, linksCreated: 0 });
  });

  it('does nothing with a signal whose check ends after the mesh closed', async () => {
    const { clock, checks, a, b } = await offerHeldAtB();
    b.close();
    for (const release of checks.held.splice(0)) release();
    await settle();
    clock.advance(100);
    expect(b.stats().open + b.stats().pending).toBe(0);
    expect(a.isOpen(b.self)).toBe(false);
  });
});
