import { describe, expect, it } from 'vitest';
import { seededRng } from '../../shared/swim/index';
import {
  createBroadcastChannelDriver,
  type OpenBroadcastChannel,
  randomHexId,
} from './broadcast-channel-link';
import { BroadcastChannelSignaling } from './broadcast-channel-signaling';
import type { ServerSignaling } from './mesh';
import { MeshNode } from './mesh-node';
import { fakeSwimPacket, fakeSwimSrcAddr, testAddr, waitFor } from './test-support/helpers';
import { meshCompliance } from './test-support/mesh-compliance';

// Node 20's global BroadcastChannel: objects of one name in one process hear each other, as tabs do.
const openChannel: OpenBroadcastChannel = (name) => new BroadcastChannel(name);

/** Lets the testbed take the room's channel "down" the way the suite takes a server down. */
function gated(signaling: BroadcastChannelSignaling, online: () => boolean): ServerSignaling {
  return {
    send: (to, sessionId, data) => (online() ? signaling.send(to, sessionId, data) : Promise.resolve(false)),
    onSignal: (handler) => signaling.onSignal(handler),
  };
}

meshCompliance('broadcast-channel', () => {
  const room = `compliance-${randomHexId()}`;
  const signalings: BroadcastChannelSignaling[] = [];
  let online = true;
  return {
    create: (init) => {
      const signaling = new BroadcastChannelSignaling(init.self, room, openChannel);
      signalings.push(signaling);
      return new MeshNode(
        { ...init, server: gated(signaling, () => online) },
        createBroadcastChannelDriver({ openChannel, prefix: room }),
      );
    },
    setServerOnline: (value) => {
      online = value;
    },
    dispose: async () => {
      for (const s of signalings) s.close();
    },
  };
});

describe('BroadcastChannel signaling', () => {
  it('tabs hear each other arrive and leave, and never themselves', async () => {
    const room = `presence-${randomHexId()}`;
    const a = new BroadcastChannelSignaling(testAddr(1), room, openChannel);
    const seenByA: string[] = [];
    a.on('present', (addr) => seenByA.push(`+${addr}`));
    a.on('absent', (addr) => seenByA.push(`-${addr}`));
    const b = new BroadcastChannelSignaling(testAddr(2), room, openChannel);
    await waitFor(() => a.isPresent(b.self) && b.isPresent(a.self), 'both present');
    expect(a.isPresent(a.self)).toBe(false);
    b.close();
    await waitFor(() => !a.isPresent(b.self), 'the goodbye');
    expect(seenByA).toEqual([`+${b.self}`, `-${b.self}`]);
    expect(await a.send(b.self, 's', {})).toBe(false);
    a.close();
  });

  it('a malformed post on the room channel is dropped without a word', async () => {
    const room = `junk-${randomHexId()}`;
    const a = new BroadcastChannelSignaling(testAddr(1), room, openChannel);
    const signals: unknown[] = [];
    a.onSignal((...args) => signals.push(args));
    const junk = new BroadcastChannel(room);
    for (const post of [null, 7, { type: 'hello' }, { type: 'signal', from: testAddr(3), to: a.self }]) {
      junk.postMessage(post);
    }
    junk.postMessage({ type: 'signal', from: testAddr(3), to: a.self, sessionId: 'x', data: 1 });
    await waitFor(() => signals.length === 1, 'the one good signal');
    expect(a.isPresent(testAddr(3))).toBe(true);
    junk.close();
    a.close();
  });
});

describe('BroadcastChannel links', () => {
  it('a link carries frames with the sender checked, and a bad offer fails the link', async () => {
    const room = `links-${randomHexId()}`;
    const make = (n: number) =>
      new MeshNode(
        {
          self: testAddr(n),
          swimSrcAddr: fakeSwimSrcAddr,
          rng: seededRng(n),
          server: new BroadcastChannelSignaling(testAddr(n), room, openChannel),
        },
        createBroadcastChannelDriver({ openChannel, prefix: room }),
      );
    const a = make(1);
    const b = make(2);
    const got: string[] = [];
    b.on('swim', (from) => got.push(from));
    await waitFor(() => a.connect(b.self) && a.isOpen(b.self) && b.isOpen(a.self), 'the link');
    a.sendSwim(b.self, fakeSwimPacket(a.self));
    a.sendSwim(b.self, fakeSwimPacket(testAddr(9)));
    await waitFor(() => b.stats().spoofedDropped === 1, 'the spoofed packet dropped');
    expect(got).toEqual([a.self]);
    a.close();
    b.close();

    const closed: string[] = [];
    const driver = createBroadcastChannelDriver({ openChannel, prefix: room });
    const link = driver.createLink({
      self: testAddr(1),
      peer: testAddr(2),
      initiator: false,
      handlers: { signal: () => {}, open: () => {}, data: () => {}, close: (r) => closed.push(r) },
    });
    link.signal({ type: 'offer', link: 'not-a-link-id' });
    await waitFor(() => closed.length === 1, 'the failed link');
    expect(closed).toEqual(['bad signal']);
  });
});
