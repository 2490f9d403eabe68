import { afterEach, describe, expect, it } from 'vitest';
import { seededRng } from '../../shared/swim/index';
import { randomHexId } from '../mesh/broadcast-channel-link';
import { createInMemoryNetwork } from '../mesh/in-memory-network';
import { waitFor } from '../mesh/test-support/helpers';
import { FakeSignalingServer } from '../runtime/test-support/fake-signaling';
import { makeJoinRoom } from './join-room';
import type { Metadata } from './metadata';
import { RoomOptionsError } from './options';
import type { Room } from './room';
import { ids, MemoryStorage } from './test-support/cluster';

/**
 * Rooms in one process, each in a "browser": rooms of one browser share BroadcastChannels (Node's
 * global one, names prefixed by the browser), rooms of different browsers only the in-memory network
 * and its fake signaling server.
 */
function world() {
  const network = createInMemoryNetwork({ delayMs: 1 });
  const server = new FakeSignalingServer(network.hub);
  const seed = Math.floor(Math.random() * 2 ** 31);
  console.log(`same-browser room test seed=${seed}`);
  const rng = seededRng(seed);
  const rooms: Room[] = [];
  const scope = randomHexId();
  function join(browser: string, name: string, sameBrowser?: boolean): Room {
    const joinRoom = makeJoinRoom({
      createMesh: (init) => network.createMesh({ ...init, rng: seededRng(Math.floor(rng.next() * 2 ** 32)) }),
      createSignaling: (init) => server.client(init.room, init.addr),
      rng: seededRng(Math.floor(rng.next() * 2 ** 32)),
      sameBrowser: {
        openChannel: (channel) => new BroadcastChannel(`${scope}/${browser}/${channel}`),
        onByDefault: true,
      },
    });
    const room = joinRoom<Metadata>({
      signaling: 'http://signaling.test',
      room: 'lobby',
      metadata: { name },
      storage: new MemoryStorage(),
      ...(sameBrowser === undefined ? {} : { sameBrowser }),
    });
    rooms.push(room);
    return room;
  }
  return { network, server, rooms, join };
}

describe('tabs of one browser over BroadcastChannel', () => {
  const opened: Room[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.leave()));
  });

  it('two tabs meet with the server down, share metadata and messages, and make no WebRTC link', async () => {
    const w = world();
    w.server.setOnline(false);
    const a = w.join('chrome', 'ada');
    const b = w.join('chrome', 'bob');
    opened.push(a, b);
    await waitFor(() => ids(a).length === 2 && ids(b).length === 2, 'both tabs see both');
    expect(ids(a)).toEqual(ids(b));
    await waitFor(() => a.members().some((m) => m.metadata?.name === 'bob'), "bob's name at ada");
    const got: unknown[] = [];
    b.on('message', (m) => got.push(m.data));
    expect(a.send(b.self.id, { hi: 1 })).toBe(true);
    await waitFor(() => got.length === 1, 'the app message');
    expect(got).toEqual([{ hi: 1 }]);
    a.setMetadata({ name: 'ada2' });
    await waitFor(() => b.members().some((m) => m.metadata?.name === 'ada2'), 'the new name at bob');
    expect(w.network.liveLinks).toBe(0);
    expect(a.stats().mesh).toMatchObject({ open: 1, signaledViaServer: 0, signaledViaMesh: 0 });
  });

  it('a tab in another browser links over the network to both, who stay on BroadcastChannel', async () => {
    const w = world();
    const a = w.join('chrome', 'ada');
    const b = w.join('chrome', 'bob');
    const c = w.join('firefox', 'cy');
    opened.push(a, b, c);
    await waitFor(() => [a, b, c].every((r) => ids(r).length === 3), 'everyone sees three');
    await waitFor(() => w.network.liveLinks === 4, 'two network links, both ends');
    expect(c.connections().sort()).toEqual([a.self.id, b.self.id].sort());
    expect((a.stats().mesh as { sameBrowserOpen?: number }).sameBrowserOpen).toBe(1);
  });

  it('a tab that leaves is gone from the other tab of its browser', async () => {
    const w = world();
    w.server.setOnline(false);
    const a = w.join('chrome', 'ada');
    const b = w.join('chrome', 'bob');
    opened.push(a);
    const left: string[] = [];
    a.on('leave', (m) => left.push(m.id));
    await waitFor(() => ids(a).length === 2, 'ada sees bob');
    await b.leave();
    await waitFor(() => left.length === 1, 'the leave');
    expect(left).toEqual([b.self.id]);
  });

  it('sameBrowser: false keeps a tab off the channel', async () => {
    const w = world();
    w.server.setOnline(false);
    const a = w.join('chrome', 'ada', false);
    const b = w.join('chrome', 'bob');
    opened.push(a, b);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ids(a)).toEqual([a.self.id]);
    expect(ids(b)).toEqual([b.self.id]);
  });

  it('sameBrowser: true where there is no BroadcastChannel is refused before anything is made', () => {
    const joinRoom = makeJoinRoom({
      createMesh: () => {
        throw new Error('no mesh should be made');
      },
      createSignaling: () => {
        throw new Error('no signaling should be made');
      },
    });
    expect(() => joinRoom({ signaling: 'http://x.test', room: 'r', sameBrowser: true })).toThrow(
      RoomOptionsError,
    );
  });
});
