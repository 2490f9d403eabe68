/**
 * Issue 11, link setup over real WebRTC (Node, `@roamhq/wrtc`): the signature covers the SDP's DTLS
 * fingerprint, so whoever carries an offer or answer (here a hostile signaling path) cannot swap in
 * its own certificate, or V's signature onto its own SDP. The honest side refuses the signal, counts
 * it, and opens no link; an untouched signal opens one. And a hostile Node member, running the mesh's
 * code but writing its own frames on its channels, cannot make A drop its link to V by naming V.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type MemberKey, memberKeyFromSecret } from '../../shared/signaling/member-key';
import { sdpFingerprints } from '../../shared/signaling/signed-signal';
import { seededRng } from '../../shared/swim/index';
import { encodeFrame } from './frame';
import type { Link, LinkDriver } from './link';
import { LocalSignalingHub } from './local-signaling';
import type { ServerSignaling } from './mesh';
import { MeshNode } from './mesh-node';
import { createWebRtcMesh } from './node';
import { SignalAuth } from './signal-auth';
import { encodeRelayedSignal } from './signal-frame';
import type { SignalMessage, SignalProof } from './signal-message';
import { createSimplePeerDriver } from './simple-peer-driver';
import { simplePeerRuntime } from './simple-peer-node';
import { fakeSwimSrcAddr, waitFor } from './test-support/helpers';

const ROOM = 'webrtc-attack';

const meshes: MeshNode[] = [];
afterEach(async () => {
  for (const mesh of meshes.splice(0)) mesh.close();
  await new Promise((resolve) => setTimeout(resolve, 50)); // let wrtc tear down
});

/** Two fixed keys, the smaller addr first (it offers). */
function pair(): [MemberKey, MemberKey] {
  const a = memberKeyFromSecret(new Uint8Array(32).fill(7));
  const b = memberKeyFromSecret(new Uint8Array(32).fill(8));
  return a.addr < b.addr ? [a, b] : [b, a];
}

/** A server path that hands every signal to `tamper` before delivering it. */
type Tamper = (data: unknown, to: string, sessionId: string) => unknown;

function tampering(inner: ServerSignaling, tamper: Tamper): ServerSignaling {
  return {
    send: (to, sessionId, data) => inner.send(to, sessionId, tamper(data, to, sessionId)),
    onSignal: inner.onSignal,
  };
}

/** Flips the last hex digit of every DTLS fingerprint line: another certificate's, as far as DTLS cares. */
function otherFingerprint(data: unknown): unknown {
  const message = data as { type?: string; signal?: { sdp?: string } };
  const sdp = message.signal?.sdp;
  if (typeof sdp !== 'string') return data;
  const swapped = sdp.replace(/^(a=fingerprint:.*)([0-9A-F])$/gm, (_all, head: string, last: string) => {
    return head + (last === 'A' ? 'B' : 'A');
  });
  return { ...message, signal: { ...message.signal, sdp: swapped } };
}

function start(tamper?: Tamper) {
  const hub = new LocalSignalingHub();
  const [offererKey, answererKey] = pair();
  const create = (key: MemberKey, path: ServerSignaling) => {
    const mesh = createWebRtcMesh({
      self: key.addr,
      swimSrcAddr: fakeSwimSrcAddr,
      server: path,
      identity: { key, room: ROOM },
      rng: seededRng(key.publicKey[0]!),
      connectTimeoutMs: 4_000,
      backoffBaseMs: 60_000,
      backoffMaxMs: 60_000,
    });
    meshes.push(mesh);
    return mesh;
  };
  const offererPath = hub.client(offererKey.addr);
  const offerer = create(offererKey, tamper === undefined ? offererPath : tampering(offererPath, tamper));
  const answerer = create(answererKey, hub.client(answererKey.addr));
  return { offerer, answerer };
}

describe('signed WebRTC link setup', () => {
  it('an untouched signed offer and answer open a link; each side verifies the other once', async () => {
    const { offerer, answerer } = start();
    offerer.connect(answerer.self);
    await waitFor(() => offerer.isOpen(answerer.self) && answerer.isOpen(offerer.self), 'the link');
    expect(answerer.stats()).toMatchObject({ signalsVerified: 1, signalsRejected: 0 });
    expect(offerer.stats()).toMatchObject({ signalsVerified: 1, signalsRejected: 0 });
  }, 30_000);

  it('an offer whose DTLS fingerprint was swapped on the way is refused, and no link opens', async () => {
    let seen = '';
    const { offerer, answerer } = start((data) => {
      const tampered = otherFingerprint(data);
      seen = sdpFingerprints((tampered as { signal?: { sdp?: string } }).signal?.sdp ?? '');
      return tampered;
    });
    offerer.connect(answerer.self);
    await waitFor(() => answerer.stats().signalsRejected >= 1, 'the refusal');
    expect(seen).toMatch(/^a=fingerprint:sha-256 /);
    await waitFor(() => offerer.stats().failedAttempts >= 1, 'the attempt to time out', 20_000);
    expect(answerer.stats()).toMatchObject({ linksCreated: 0, open: 0, pending: 0 });
    expect(offerer.isOpen(answerer.self)).toBe(false);
  }, 30_000);

  it("the offerer's SDP re-signed by the path's own key is refused: the key is not the sender's", async () => {
    const mallory = memberKeyFromSecret(new Uint8Array(32).fill(9));
    const { offerer, answerer } = start((data, to, sessionId) => {
      const { publicKey: _key, signature: _signature, ...message } = data as SignalMessage & SignalProof;
      // A valid signature by M over exactly what the offerer signs (its addr as `from`).
      return new SignalAuth(pair()[0].addr, { key: mallory, room: ROOM }).sign(to, sessionId, message);
    });
    offerer.connect(answerer.self);
    await waitFor(() => answerer.stats().signalsRejected >= 1, 'the refusal');
    expect(answerer.stats()).toMatchObject({ linksCreated: 0, signalsVerified: 0 });
  }, 30_000);
});

describe('a hostile Node member over WebRTC', () => {
  it("forging relayed signals from V on its own channel to A never touches A's link to V", async () => {
    const hub = new LocalSignalingHub();
    const keys = [7, 8, 9].map((i) => memberKeyFromSecret(new Uint8Array(32).fill(i)));
    const [aKey, vKey, mKey] = keys as [MemberKey, MemberKey, MemberKey];
    const honest = (key: MemberKey) => {
      const mesh = createWebRtcMesh({
        self: key.addr,
        swimSrcAddr: fakeSwimSrcAddr,
        server: hub.client(key.addr),
        identity: { key, room: ROOM },
      });
      meshes.push(mesh);
      return mesh;
    };
    const a = honest(aKey);
    const v = honest(vKey);
    // M runs the mesh's own code, but keeps its channels so it can write anything on them.
    const channels = new Map<string, Link>();
    const inner = createSimplePeerDriver({ runtime: simplePeerRuntime });
    const driver: LinkDriver = {
      createLink: (options) => {
        const link = inner.createLink(options);
        channels.set(options.peer, link);
        return link;
      },
    };
    const m = new MeshNode(
      {
        self: mKey.addr,
        swimSrcAddr: fakeSwimSrcAddr,
        server: hub.client(mKey.addr),
        identity: { key: mKey, room: ROOM },
      },
      driver,
    );
    meshes.push(m);
    for (const [x, y] of [
      [a, v],
      [a, m],
      [v, m],
    ] as const)
      x.connect(y.self);
    await waitFor(() => [a, v, m].every((x) => x.stats().open === 2), 'the full mesh');
    const closes: string[] = [];
    a.on('peer-close', (addr) => closes.push(addr));
    const created = a.stats().linksCreated;

    // 20 frames "from V", 100 ms apart: requests and offers of a "new page", unsigned or signed by M.
    const mAuth = new SignalAuth(mKey.addr, { key: mKey, room: ROOM });
    for (let i = 0; i < 20; i++) {
      const sessionId = `ffffffff-${9_000_000_000_000 + i}`;
      const offer: SignalMessage = { type: 'offer', signal: { type: 'offer', sdp: 'v=0' } };
      const messages: SignalMessage[] = [{ type: 'connect' }, offer, mAuth.sign(a.self, sessionId, offer)];
      const data = messages[i % messages.length]!;
      const frame = encodeFrame(
        'signal',
        encodeRelayedSignal({ sessionId, seq: i, from: vKey.addr, to: a.self, ttl: 0, data }),
      );
      expect(channels.get(a.self)!.send(frame)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The channel is unreliable (no retransmits): on a loaded machine a frame may be lost on loopback.
    await waitFor(() => a.stats().signalsRejected >= 15, 'the frames refused');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.stats().signalsRejected).toBeLessThanOrEqual(20);
    expect(closes).toEqual([]);
    expect(a.isOpen(v.self) && v.isOpen(a.self)).toBe(true);
    expect(a.stats()).toMatchObject({ failedAttempts: 0, linksCreated: created });
  }, 30_000);
});
