/**
 * A room larger than its members' link budget in Chromium: 12 members with `maxConnections: 6`, four
 * per page (each member its own room object, mesh and links, as four users would be), three pages in
 * their own browser contexts. The room rides the overlay: it converges, holds with no false leave and
 * every member within its budget, and a crashed page's four members are dropped by all.
 */
import { type Browser, expect, type Page, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import type { Tab } from './support/tabs';
import { crash } from './support/tabs';

const env = serverPerFile();

const PAGES = 3;
const PER_PAGE = 4;
const MAX_CONNECTIONS = 6;

declare global {
  interface Window {
    __members?: {
      rooms: {
        members(): { id: string; state: string }[];
        stats(): { mesh: { open: number; pending: number } };
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
      links: r.stats().mesh.open + r.stats().mesh.pending,
      leaves: window.__members!.leaves[i]!.slice(),
    })),
  );
}

test('12 members with maxConnections 6 ride the overlay: converge, hold, and drop a crashed page', async ({
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

  // Hold 20 s: no leave anywhere, every member within its budget.
  let linksMax = 0;
  for (let t = 0; t < 10; t++) {
    await new Promise((r) => setTimeout(r, 2_000));
    for (const m of await everyone()) linksMax = Math.max(linksMax, m.links);
  }
  const held = await everyone();
  expect(held.flatMap((m) => m.leaves)).toEqual([]);
  expect(linksMax).toBeLessThanOrEqual(MAX_CONNECTIONS);

  // A crashed page: its four members are dropped by the other eight.
  const crashed = pages.at(-1)!;
  const gone = crashed.id.split(',');
  await crash(crashed);
  const rest = pages.slice(0, -1);
  await expect
    .poll(
      async () => {
        const seen = (await Promise.all(rest.map((t) => readPage(t.page)))).flat();
        return seen.every((m) => gone.every((id) => !m.sees.includes(id)));
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  const after = (await Promise.all(rest.map((t) => readPage(t.page)))).flat();
  for (const m of after) expect(new Set(m.leaves)).toEqual(new Set(gone));
  for (const tab of rest) expect(tab.errors).toEqual([]);
});
