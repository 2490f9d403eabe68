/**
 * The package as a web developer gets it: packed, installed from the tarball into a fresh app, the
 * examples built there with Vite, served by the packaged `shoal-signaling` bin, and run in Chromium.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { type PackedApp, packAndInstall } from './support/packed-app';
import { freePort, SignalingProcess } from './support/signaling';

let app: PackedApp | undefined;
let server: SignalingProcess | undefined;
const contexts: Array<{ close(): Promise<void> }> = [];

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
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server!.url}/${path}?room=${room}&name=${name}`);
  page.on('close', () => expect(errors).toEqual([]));
  return page;
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
      room: { on(e: string, h: (m: { id: string }) => void): void };
    };
    w.seen = [];
    w.room.on('join', (m) => w.seen.push(`join ${m.id}`));
    w.room.on('leave', (m) => w.seen.push(`leave ${m.id}`));
  });

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
});
