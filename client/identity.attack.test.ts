/**
 * Issue 11's second row: a Node member whose `storage` holds V's address with a higher generation
 * (through the public API) used to replace V's entry at the server, take A's link "to V", and speak
 * as V. An address is now the hash of a key the member holds, so the stored record is refused and
 * the attacker joins as a member of its own; V keeps its entry, its links and its metadata.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../signaling-server/server';
import { MemoryStorage } from './api/test-support/cluster';
import { joinRoom, type Room } from './node';

const ROOM = 'identity-room';
const storageKey = `shoal:identity:${ROOM}`;

let server: RunningServer | undefined;
let rooms: Array<Room<{ name: string }>> = [];

afterEach(async () => {
  await Promise.all(rooms.map((r) => r.leave()));
  await server?.close();
  rooms = [];
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("a member whose storage holds V's address", () => {
  it.each([
    [
      'without a key',
      (v: Room<{ name: string }>) => ({ addr: v.self.id, generation: v.self.generation + 5 }),
    ],
    [
      "with a key that is not V's",
      (v: Room<{ name: string }>) => ({
        addr: v.self.id,
        generation: v.self.generation + 5,
        secretKey: 'ab'.repeat(32),
      }),
    ],
  ])(
    '%s joins as a member of its own, and V keeps its entry, links and metadata',
    async (_name, record) => {
      server = await startServer({ port: 0, host: '127.0.0.1' });
      const signaling = server.url;
      const v = joinRoom({ signaling, room: ROOM, metadata: { name: 'V' } });
      const a = joinRoom({ signaling, room: ROOM, metadata: { name: 'A' } });
      rooms.push(v, a);
      await until(() => v.members().length === 2 && a.members().length === 2, 'V and A see each other');
      const vId = v.self.id;
      const vGeneration = v.self.generation;

      const storage = new MemoryStorage();
      storage.setItem(storageKey, JSON.stringify(record(v)));
      const mallory = joinRoom({ signaling, room: ROOM, metadata: { name: 'Mallory' }, storage });
      rooms.push(mallory);
      expect(mallory.self.id).not.toBe(vId);
      expect(mallory.self.generation).toBe(0);
      // Metadata comes a gossip round after the join: wait for it too (the test runs in real time).
      const malloryAtA = () => a.members().find((m) => m.id === mallory.self.id)?.metadata;
      await until(
        () => a.members().length === 3 && v.members().length === 3 && malloryAtA() !== undefined,
        "everyone sees three members, and A has Mallory's metadata",
      );

      // What A sees for V: V's own generation and metadata, and a link to V that is V's.
      const vAtA = a.members().find((m) => m.id === vId);
      expect(vAtA).toMatchObject({ generation: vGeneration, metadata: { name: 'V' } });
      expect(a.members().find((m) => m.id === mallory.self.id)?.metadata).toEqual({ name: 'Mallory' });
      expect(a.connections()).toContain(vId);
      // V is undisturbed: still connected, same address and generation, no error.
      expect(v.status).toBe('connected');
      expect(v.self).toMatchObject({ id: vId, generation: vGeneration });
      // The server holds three entries: Mallory's is its own, V's still V's.
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { members: number };
      expect(health.members).toBe(3);
    },
    60_000,
  );
});
