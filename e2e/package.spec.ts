/**
 * The package as a web developer gets it: packed, installed from the tarball into a fresh app, the
 * examples built there with Vite, served by the packaged `shoal-signaling` bin, and run in Chromium.
 */
import { spawn } from 'node:child_process';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { type PackedApp, packAndInstall } from './support/packed-app';
import { freePort, SignalingProcess } from './support/signaling';

let app: PackedApp | undefined;
let server: SignalingProcess | undefined;
const contexts: Array<{ close(): Promise<void> }> = [];
const pageErrors: string[] = [];

test.afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

test.beforeAll(async () => {
  test.setTimeout(600_000);
  app = await packAndInstall();
  server = new SignalingProcess(
    await freePort(),
    ['node_modules/.bin/shoal-signaling', '--static-dir', 'dist'],
    app.dir,
  );
  await server.start();
});

test.afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await server?.stop();
  await app?.remove();
});

async function open(browser: Browser, path: string, room: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
  await page.goto(`${server!.url}/${path}?room=${room}&name=${name}`);
  return page;
}

/** The packaged server's lifetime counters, from /metrics. */
async function serverCounters(): Promise<{ connections: number; joins: number }> {
  const text = await (await fetch(`${server!.url}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((total, l) => total + Number(l.split(' ').at(-1)), 0);
  return {
    connections: sum('shoal_signaling_connections_total'),
    joins: sum('shoal_signaling_joins_total'),
  };
}

const othersSeen = (page: Page) =>
  page.evaluate(() =>
    (
      window as unknown as { room: { members(): Array<{ self: boolean; metadata?: { name?: string } }> } }
    ).room
      .members()
      .filter((m) => !m.self)
      .map((m) => m.metadata?.name),
  );

test('two pages of the packed vanilla example see each other and each other’s cursor', async ({
  browser,
}) => {
  const a = await open(browser, 'cursors/index.html', 'pack-cursors', 'ada');
  const b = await open(browser, 'cursors/index.html', 'pack-cursors', 'bob');
  await expect.poll(() => othersSeen(a), { timeout: 30_000 }).toEqual(['bob']);
  await expect.poll(() => othersSeen(b), { timeout: 30_000 }).toEqual(['ada']);
  await expect(a.locator('#status')).toContainText('1 other(s)');

  const bobId = await b.evaluate(
    () => (window as unknown as { room: { self: { id: string } } }).room.self.id,
  );
  // Moves until one lands: messages are unreliable and the data channel may still be opening.
  await expect
    .poll(
      async () => {
        await b.mouse.move(100 + Math.random() * 50, 120);
        return await a.locator(`[data-member="${bobId}"]`).getAttribute('style');
      },
      { timeout: 15_000 },
    )
    .toContain('translate(');
});

test('the React example in StrictMode joins once (no ghost member) and shows avatars, names and cursors', async ({
  browser,
}) => {
  const watcher = await open(browser, 'cursors/index.html', 'pack-react', 'watcher');
  await watcher.waitForFunction(() => 'room' in window);
  // Every join and leave the vanilla page sees from now on: a ghost would be a join then a leave.
  await watcher.evaluate(() => {
    const w = window as unknown as {
      seen: string[];
      room: { on(e: string, h: (m: { id: string; generation: number }) => void): void };
    };
    w.seen = [];
    w.room.on('join', (m) => w.seen.push(`join ${m.id} generation ${m.generation}`));
    w.room.on('leave', (m) => w.seen.push(`leave ${m.id}`));
  });

  const before = await serverCounters();
  const react = await open(browser, 'react-presence/index.html', 'pack-react', 'rea');
  await expect(react.locator('[data-status]')).toHaveAttribute('data-status', 'connected', {
    timeout: 30_000,
  });
  await expect(react.locator('.avatars li')).toHaveCount(2, { timeout: 30_000 });
  await expect.poll(() => othersSeen(watcher), { timeout: 30_000 }).toEqual(['rea']);

  // useMetadata: a new name typed in the React page reaches the vanilla one.
  await react.getByLabel('name').fill('renamed');
  await expect.poll(() => othersSeen(watcher), { timeout: 15_000 }).toEqual(['renamed']);

  // useMessage: the vanilla page's cursor shows in the React page.
  const watcherId = await watcher.evaluate(
    () => (window as unknown as { room: { self: { id: string } } }).room.self.id,
  );
  await expect
    .poll(
      async () => {
        await watcher.mouse.move(50 + Math.random() * 50, 80);
        return await react.locator(`[data-cursor="${watcherId}"]`).count();
      },
      { timeout: 15_000 },
    )
    .toBe(1);

  // Give a ghost time to show up, then check the watcher saw exactly one member join, none leave.
  await watcher.waitForTimeout(2_000);
  const seen = await watcher.evaluate(() => (window as unknown as { seen: string[] }).seen);
  expect(seen.filter((s) => s.startsWith('join'))).toHaveLength(1);
  expect(seen.filter((s) => s.startsWith('leave'))).toEqual([]);
  // A fresh tab's first room is generation 0: no discarded first room took a generation before it.
  expect(seen.filter((s) => s.startsWith('join'))[0]).toMatch(/ generation 0$/);
  // Nor did a first, StrictMode-discarded room reach the server: each room has a socket of its own,
  // so one new connection. (Joins are not counted here: the watcher, alone until the React page
  // came, asks the server for fresh peers every 4 s, and each ask is a join on its socket.)
  const after = await serverCounters();
  console.log(`server counters while the React page opened: ${JSON.stringify({ before, after })}`);
  expect(after.connections - before.connections).toBe(1);

  // Unmounting the provider leaves the room: the watcher sees a goodbye, not a crash detection.
  await react.getByLabel('here').uncheck();
  await expect
    .poll(() => watcher.evaluate(() => (window as unknown as { seen: string[] }).seen.length), {
      timeout: 2_000,
    })
    .toBe(2);
  await expect.poll(() => othersSeen(watcher), { timeout: 2_000 }).toEqual([]);
});

test('the packaged agent (`shoal join`, on shoal/node) prints a page of the packed app joining', async ({
  browser,
}) => {
  const agent = spawn(
    'node_modules/.bin/shoal',
    ['join', '--signaling', server!.url, '--room', 'pack-agent', '--name', 'bot'],
    { cwd: app!.dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  agent.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  agent.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  try {
    const page = await open(browser, 'cursors/index.html', 'pack-agent', 'ada');
    await expect.poll(() => othersSeen(page), { timeout: 30_000 }).toEqual(['bot']);
    const pageId = await page.evaluate(
      () => (window as unknown as { room: { self: { id: string } } }).room.self.id,
    );
    await expect.poll(() => out, { timeout: 15_000 }).toContain(`"event":"join","id":"${pageId}"`);
    const exited = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
    agent.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('"event":"left"');
  } finally {
    if (agent.exitCode === null) agent.kill('SIGKILL');
  }
});
