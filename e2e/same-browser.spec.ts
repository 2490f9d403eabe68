/**
 * Same-browser tabs: two tabs of ONE browser context join a room whose signaling server is down
 * (never started) and meet over BroadcastChannel — members, metadata and an app message, with no
 * RTCPeerConnection made. Then the server comes up on that address and a tab of another context
 * (another browser: contexts share no BroadcastChannel) links to both over WebRTC through it.
 * Prints the second tab's join time (joinRoom → the first tab seen) with the server down.
 */
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { freePort, SignalingProcess } from './support/signaling';

/** Serves the harness page only; the tabs' signaling URL points elsewhere. */
const files = serverPerFile();
const contexts: BrowserContext[] = [];
let signaling: SignalingProcess | undefined;

test.afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await signaling?.stop();
});

declare global {
  interface Window {
    sameBrowser?: {
      peerConnections: number;
      received: unknown[];
      joinMs?: number;
    };
  }
}

/** The harness page (which joins nothing by itself), counting the RTCPeerConnections it makes. */
async function openPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.sameBrowser = { peerConnections: 0, received: [] };
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        window.sameBrowser!.peerConnections += 1;
      }
    };
  });
  await page.goto(`${files.server.url}/harness/index.html`);
  return page;
}

/** Joins the room; resolves at once. `joinMs` is set when the first other member is seen. */
async function join(page: Page, signalingUrl: string, name: string, sameBrowser = true): Promise<string> {
  return await page.evaluate(
    ({ signalingUrl, name, sameBrowser }) => {
      const started = performance.now();
      const room = window.shoal.joinRoom({
        signaling: signalingUrl,
        room: sameBrowser ? 'same-browser' : 'same-browser-off',
        metadata: { name } as Record<string, unknown>,
        sameBrowser,
      });
      const log = window.sameBrowser!;
      room.on('join', () => {
        log.joinMs ??= performance.now() - started;
      });
      room.on('message', (m) => log.received.push(m.data));
      window.room = room;
      return room.self.id;
    },
    { signalingUrl, name, sameBrowser },
  );
}

const names = (page: Page) =>
  page.evaluate(() =>
    window
      .room!.members()
      .map((m) => String((m.metadata as { name?: unknown } | undefined)?.name))
      .sort(),
  );
const received = (page: Page) => page.evaluate(() => window.sameBrowser!.received);
const peerConnections = (page: Page) => page.evaluate(() => window.sameBrowser!.peerConnections);
const sameBrowserLinks = (page: Page) =>
  page.evaluate(() => (window.room!.stats().mesh as { sameBrowserOpen?: number }).sameBrowserOpen);

test('two tabs of one browser meet with the server down; a tab of another browser links to them over WebRTC', async ({
  browser,
}) => {
  const port = await freePort();
  const signalingUrl = `http://127.0.0.1:${port}`; // nothing listens here yet

  const chrome = await browser.newContext();
  contexts.push(chrome);
  const a = await openPage(chrome);
  const b = await openPage(chrome);
  const ada = await join(a, signalingUrl, 'ada');
  const bob = await join(b, signalingUrl, 'bob');

  await expect.poll(() => names(a), { timeout: 15_000 }).toEqual(['ada', 'bob']);
  await expect.poll(() => names(b), { timeout: 15_000 }).toEqual(['ada', 'bob']);
  const joinMs = await b.evaluate(() => window.sameBrowser!.joinMs);
  console.log(
    `same-browser join, server down: second tab saw the first ${joinMs?.toFixed(1)} ms after joinRoom`,
  );

  await a.evaluate(() => window.room!.setMetadata({ name: 'ada2' }));
  await expect.poll(() => names(b), { timeout: 15_000 }).toEqual(['ada2', 'bob']);
  await a.evaluate((bob) => window.room!.send(bob, { hello: 'bob' }), bob);
  await expect.poll(() => received(b), { timeout: 15_000 }).toEqual([{ hello: 'bob' }]);
  expect(await peerConnections(a)).toBe(0);
  expect(await peerConnections(b)).toBe(0);

  // The server comes up where the tabs look for it; a tab of another browser joins through it.
  signaling = new SignalingProcess(port);
  await signaling.start();
  const firefox = await browser.newContext();
  contexts.push(firefox);
  const c = await openPage(firefox);
  const cy = await join(c, signalingUrl, 'cy');
  for (const page of [a, b, c]) {
    await expect.poll(() => names(page), { timeout: 45_000 }).toEqual(['ada2', 'bob', 'cy']);
  }
  await c.evaluate(({ ada, bob }) => [window.room!.send(ada, 'from cy'), window.room!.send(bob, 'from cy')], {
    ada,
    bob,
  });
  await expect.poll(() => received(a), { timeout: 15_000 }).toContain('from cy');
  await expect.poll(() => received(b), { timeout: 15_000 }).toContain('from cy');
  expect(await c.evaluate(() => window.room!.connections().length)).toBe(2);
  expect(await peerConnections(c)).toBeGreaterThanOrEqual(2);
  // The two tabs of one browser still talk over BroadcastChannel, not WebRTC.
  expect(await sameBrowserLinks(a)).toBe(1);
  expect(await sameBrowserLinks(b)).toBe(1);
  expect(cy).toMatch(/^[0-9a-f]{32}$/);

  // Closing a tab (pagehide) says goodbye over BroadcastChannel and WebRTC alike.
  await b.close({ runBeforeUnload: true });
  for (const page of [a, c]) {
    await expect.poll(() => names(page), { timeout: 30_000 }).toEqual(['ada2', 'cy']);
  }
});

test('with sameBrowser: false, two tabs of one browser link over WebRTC through the server', async ({
  browser,
}) => {
  const chrome = await browser.newContext();
  contexts.push(chrome);
  const a = await openPage(chrome);
  const b = await openPage(chrome);
  await join(a, files.server.url, 'ada', false);
  await join(b, files.server.url, 'bob', false);
  await expect.poll(() => names(b), { timeout: 30_000 }).toEqual(['ada', 'bob']);
  await expect.poll(() => names(a), { timeout: 30_000 }).toEqual(['ada', 'bob']);
  const joinMs = await b.evaluate(() => window.sameBrowser!.joinMs);
  console.log(
    `same-browser off, server up: second tab saw the first ${joinMs?.toFixed(1)} ms after joinRoom (WebRTC)`,
  );
  expect(await peerConnections(b)).toBeGreaterThanOrEqual(1);
  expect(await sameBrowserLinks(a)).toBeUndefined();
});
