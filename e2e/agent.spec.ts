/**
 * The agent CLI (`shoal join`), piped: JSON lines for members joining and leaving beside browser
 * tabs, and a graceful leave on SIGINT that the tabs see at once (a goodbye, not a crash detection).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { openTab } from './support/tabs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = serverPerFile();

interface AgentLine {
  event: string;
  id?: string;
  name?: string;
  status?: string;
  at: number;
}

class Agent {
  readonly lines: AgentLine[] = [];
  readonly child: ChildProcess;
  stderr = '';

  constructor(signaling: string, room: string, name: string) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'client/agent/shoal.ts',
        'join',
        '--signaling',
        signaling,
        '--room',
        room,
        '--name',
        name,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let partial = '';
    this.child.stdout!.on('data', (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      for (const line of parts) if (line !== '') this.lines.push(JSON.parse(line) as AgentLine);
    });
    this.child.stderr!.on('data', (b: Buffer) => {
      this.stderr += b.toString();
    });
  }

  events(event: string): AgentLine[] {
    return this.lines.filter((l) => l.event === event);
  }

  async exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    return await new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

test('the piped agent prints joins and leaves as JSON lines, and leaves gracefully on SIGINT', async ({
  browser,
}) => {
  const agent = new Agent(files.server.url, 'agent-room', 'bot');
  try {
    await expect.poll(() => agent.events('self').length, { timeout: 20_000 }).toBe(1);
    const self = agent.events('self')[0]!;
    expect(self).toMatchObject({ name: 'bot' });

    const ada = await openTab(browser, files.server.url, 'agent-room', 'ada');
    files.opened.push(ada);
    const bob = await openTab(browser, files.server.url, 'agent-room', 'bob');
    files.opened.push(bob);
    await expect
      .poll(
        () =>
          agent
            .events('join')
            .map((l) => l.id)
            .sort(),
        { timeout: 30_000 },
      )
      .toEqual([ada.id, bob.id].sort());
    // Names come with the metadata: on the join line when it came first, else on an update line.
    const nameOf = (id: string) => agent.lines.find((l) => l.id === id && l.name !== undefined)?.name;
    await expect.poll(() => [nameOf(ada.id), nameOf(bob.id)], { timeout: 15_000 }).toEqual(['ada', 'bob']);
    expect(agent.events('status').map((l) => l.status)).toContain('connected');
    await expect
      .poll(() => bob.page.evaluate(() => window.room!.members().length), { timeout: 30_000 })
      .toBe(3);
    // Bob may list the agent through Ada's gossip before their own link opens; a goodbye travels only
    // on links, so wait for it (without it, closing Ada left the agent `lost`, with no link to say
    // goodbye on: bob then saw a crash ~1.5 s later, in 1 of ~10 runs on a loaded machine).
    await expect
      .poll(() => bob.page.evaluate(() => window.room!.stats().mesh.open), { timeout: 30_000 })
      .toBe(2);

    // A tab that closes: the agent prints its leave.
    await ada.context.close();
    await expect.poll(() => agent.events('leave').map((l) => l.id), { timeout: 15_000 }).toEqual([ada.id]);

    // Ctrl-C: the agent says goodbye, prints `left` and exits 0; bob hears it long before a crash
    // would be detected (≈ 2 s with the browser preset).
    const sentAt = Date.now();
    agent.child.kill('SIGINT');
    expect(await agent.exited()).toBe(0);
    expect(agent.lines.at(-1)!.event).toBe('left');
    await expect
      .poll(() => bob.page.evaluate((id) => window.shoalLog!.leaves.filter((l) => l.id === id), self.id), {
        timeout: 5_000,
      })
      .toHaveLength(1);
    const leftAt = (await bob.page.evaluate(() => window.shoalLog!.leaves.at(-1)!.at)) - sentAt;
    console.log(`bob saw the agent leave ${leftAt} ms after SIGINT`);
    expect(leftAt).toBeLessThan(1_000);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    if (agent.stderr !== '') console.log(`agent stderr:\n${agent.stderr}`);
  }
});
