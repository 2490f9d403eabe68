import { describe, expect, it } from 'vitest';
import { seededRng } from '../../shared/swim/index';
import { randomHexId } from './broadcast-channel-link';
import { createInMemoryNetwork } from './in-memory-network';
import { SameBrowserMesh } from './same-browser';
import { fakeSwimPacket, fakeSwimSrcAddr, testAddr, waitFor } from './test-support/helpers';

const openChannel = (name: string) => new BroadcastChannel(name);

describe('SameBrowserMesh', () => {
  it('a WebRTC link made before the tabs heard each other gives way to BroadcastChannel, with no close seen', async () => {
    const network = createInMemoryNetwork();
    const init = (n: number) => ({ self: testAddr(n), swimSrcAddr: fakeSwimSrcAddr, rng: seededRng(n) });
    const remoteA = network.createMesh(init(1));
    const remoteB = network.createMesh(init(2));
    remoteA.connect(remoteB.self);
    await waitFor(() => remoteA.isOpen(remoteB.self) && remoteB.isOpen(remoteA.self), 'the network link');
    const room = `race-${randomHexId()}`;
    const a = new SameBrowserMesh({ ...init(1), room, openChannel, remote: remoteA });
    const events: string[] = [];
    a.on('peer-open', (addr) => events.push(`open ${addr}`));
    a.on('peer-close', (addr) => events.push(`close ${addr}`));
    const b = new SameBrowserMesh({ ...init(2), room, openChannel, remote: remoteB });
    await waitFor(() => a.stats().sameBrowserOpen === 1 && b.stats().sameBrowserOpen === 1, 'the local link');
    await waitFor(() => network.liveLinks === 0, 'the network link dropped');
    expect(a.isOpen(b.self)).toBe(true);
    const got: string[] = [];
    b.on('swim', (from) => got.push(from));
    expect(a.sendSwim(b.self, fakeSwimPacket(a.self))).toBe(true);
    await waitFor(() => got.length === 1, 'a packet over BroadcastChannel');
    // Open already (over the network) before the local link: one 'peer-open' never comes twice.
    expect(events).toEqual([]);
    b.close();
    await waitFor(() => events.length === 1, 'the close');
    expect(events).toEqual([`close ${b.self}`]);
    a.close();
  });

  it.each([
    ['larger', 3],
    ['smaller', 1],
  ])(
    'a tab that died silently and came back with the same addr (a reload) is linked again, by a %s addr',
    async (_, other) => {
      const network = createInMemoryNetwork();
      const room = `reload-${randomHexId()}`;
      let dead = false;
      // The first page of tab 2: its channels go deaf and mute at once, as when a renderer crashes.
      const crashable = (name: string) => {
        const channel = new BroadcastChannel(name);
        const post = channel.postMessage.bind(channel);
        channel.postMessage = (message: unknown) => {
          if (!dead) post(message);
        };
        channel.addEventListener('message', (event) => {
          if (dead) event.stopImmediatePropagation();
        });
        return channel;
      };
      const tab = (n: number, open: (name: string) => BroadcastChannel) =>
        new SameBrowserMesh({
          self: testAddr(n),
          swimSrcAddr: fakeSwimSrcAddr,
          rng: seededRng(n + 10 * Number(dead)),
          room,
          openChannel: open,
          remote: network.createMesh({ self: testAddr(n), swimSrcAddr: fakeSwimSrcAddr }),
        });
      const a = tab(other, openChannel);
      const first = tab(2, crashable);
      await waitFor(() => a.isOpen(first.self) && first.isOpen(a.self), 'the first link');
      const heardByFirst: string[] = [];
      first.on('swim', (from) => heardByFirst.push(from));
      dead = true;
      const second = tab(2, openChannel);
      const got: string[] = [];
      second.on('swim', (from) => got.push(from));
      await waitFor(() => {
        a.sendSwim(second.self, fakeSwimPacket(a.self));
        return got.length > 0;
      }, 'a packet at the reloaded tab');
      expect(second.stats().sameBrowserOpen).toBe(1);
      expect(heardByFirst).toEqual([]);
      for (const m of [a, first, second]) m.close();
    },
  );

  it('members not heard on the channel go to the remote mesh', () => {
    const network = createInMemoryNetwork();
    const remote = network.createMesh({ self: testAddr(1), swimSrcAddr: fakeSwimSrcAddr });
    const a = new SameBrowserMesh({
      self: testAddr(1),
      swimSrcAddr: fakeSwimSrcAddr,
      room: `alone-${randomHexId()}`,
      openChannel,
      remote,
    });
    expect(a.connect(testAddr(2))).toBe(true);
    expect(remote.stats().pending).toBe(1);
    expect(a.isSameBrowser(testAddr(2))).toBe(false);
    a.close();
    expect(remote.stats().pending).toBe(0);
  });
});
