/**
 * A room larger than its members' link budget over real WebRTC from Node (@roamhq/wrtc), against the
 * real signaling server: it converges and holds with no false leave, every member within its budget,
 * and a member killed without a goodbye is dropped by all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../signaling-server/server';
import { joinRoom, type Room } from './node';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A member in a process of its own, so it can be killed as a crashed tab dies. Node itself with tsx's
 * loader, not the tsx CLI: the CLI runs the code in a child process, and a SIGKILL to the CLI left that
 * child (the member) running, orphaned — the killed member was never dead.
 */
function spawnMember(url: string, room: string, maxConnections: number): ChildProcess {
  const code = `import { joinRoom } from './client/node.ts';
joinRoom({ signaling: ${JSON.stringify(url)}, room: ${JSON.stringify(room)}, metadata: { bot: 'child' }, maxConnections: ${maxConnections} });`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}

describe('a large room over WebRTC from Node', () => {
  let server: RunningServer;
  let child: ChildProcess | undefined;
  let url = '';
  const rooms: Array<Room<{ bot: number | string }>> = [];

  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
    url = server.url;
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await Promise.all(rooms.map((r) => r.leave()));
    await server.close();
  });

  it('10 members at maxConnections 6 converge, hold with no leave, and stay within the budget', async () => {
    const maxConnections = 6;
    const n = 10;
    for (let i = 0; i < n - 1; i++) {
      rooms.push(
        joinRoom<{ bot: number | string }>({
          signaling: url,
          room: 'large',
          metadata: { bot: i },
          maxConnections,
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    child = spawnMember(url, 'large', maxConnections);
    const alive = (r: Room<{ bot: number | string }>) => r.members().filter((m) => m.state !== 'down').length;
    await waitFor(() => rooms.every((r) => alive(r) === n), `all see ${n}`, 60_000);
    const leaves: string[] = [];
    for (const r of rooms) r.on('leave', (m) => leaves.push(m.id));
    let linksMax = 0;
    for (let t = 0; t < 20; t++) {
      await new Promise((r) => setTimeout(r, 1_000));
      for (const r of rooms) linksMax = Math.max(linksMax, r.stats().mesh.open + r.stats().mesh.pending);
    }
    console.log('large room over WebRTC from Node', {
      linksMax,
      leaves: leaves.length,
      linksCreatedMax: Math.max(...rooms.map((r) => r.stats().mesh.linksCreated)),
    });
    expect(leaves).toEqual([]);
    expect(linksMax).toBeLessThanOrEqual(maxConnections);
  }, 150_000);

  // Measured before the fix (2026-11-30): the killed member was still listed by some 45 s later. Its
  // links stay open and silent ~17 s (ICE consent), then close before its suspicion times out, and only
  // members linked to it could declare it Down; now its ring observers judge it, link or not.
  it('drops a member whose process was killed (no goodbye)', async () => {
    expect(rooms.length).toBeGreaterThan(0);
    // The child is the one member that none of our rooms is (its metadata may not have reached all).
    const ours = new Set(rooms.map((r) => r.self.id));
    const childId = rooms[0]!.members().find((m) => !ours.has(m.id))?.id;
    expect(childId).toBeDefined();
    const listsChild = (r: Room<{ bot: number | string }>) =>
      r.members().some((m) => m.id === childId && m.state !== 'down');
    const killedAt = Date.now();
    child!.kill('SIGKILL');
    await waitFor(() => !rooms.some(listsChild), 'all drop the killed member', 60_000);
    const alive = (r: Room<{ bot: number | string }>) => r.members().filter((m) => m.state !== 'down').length;
    console.log('killed member dropped by all over WebRTC from Node', {
      afterMs: Date.now() - killedAt,
      views: rooms.map(alive),
    });
    expect(rooms.every((r) => alive(r) === rooms.length)).toBe(true);
  }, 90_000);
});
