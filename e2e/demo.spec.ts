/**
 * The demo page, driven as a visitor would: through its controls, reading its DOM contract
 * (`data-member-id`, `data-state`, `data-self`) and its counters (`data-counter`, `data-value`).
 */
import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import { type SignalingProcess, startSignaling } from './support/signaling';

let server: SignalingProcess;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  server = await startSignaling();
});

test.afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await server?.stop();
});

interface DemoTab {
  readonly page: Page;
  readonly id: string;
  readonly consoleErrors: string[];
}

async function openDemo(browser: Browser, room: string): Promise<DemoTab> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(`${server.url}/?room=${encodeURIComponent(room)}`);
  const self = page.locator('[data-member-id][data-self]');
  await expect(self).toHaveCount(1);
  const id = await self.getAttribute('data-member-id');
  if (id === null) throw new Error('own member has no data-member-id');
  return { page, id, consoleErrors };
}

/** The `data-state` of every member element on a tab's page, by id. */
async function statesOn(tab: DemoTab): Promise<Record<string, string>> {
  return await tab.page.$$eval('[data-member-id]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-member-id'), e.getAttribute('data-state')])),
  );
}

async function expectAllAlive(tabs: readonly DemoTab[], ids: readonly string[]): Promise<void> {
  const want = Object.fromEntries([...ids].sort().map((id) => [id, 'alive']));
  for (const tab of tabs) {
    await expect.poll(() => statesOn(tab), { timeout: 30_000 }).toEqual(want);
  }
}

async function counter(tab: DemoTab, key: string): Promise<number> {
  return Number(await tab.page.locator(`[data-counter="${key}"]`).getAttribute('data-value'));
}

test('three tabs in a room show each other alive, each marking itself, without console errors', async ({
  browser,
}) => {
  const tabs = [
    await openDemo(browser, 'demo-three'),
    await openDemo(browser, 'demo-three'),
    await openDemo(browser, 'demo-three'),
  ];
  const ids = tabs.map((t) => t.id);
  expect(new Set(ids).size).toBe(3);
  await expectAllAlive(tabs, ids);
  for (const tab of tabs) {
    await expect(tab.page.locator('[data-self]')).toHaveAttribute('data-member-id', tab.id);
    await expect(tab.page.locator('#status')).toHaveText('connected');
  }
  // A name typed in one tab shows in the others' member lists.
  await tabs[0]!.page.getByLabel('Name').fill('Ada the Tester');
  for (const tab of tabs.slice(1)) {
    await expect(tab.page.locator(`[data-member-id="${ids[0]}"] .name`)).toHaveText('Ada the Tester');
  }
  for (const tab of tabs) expect(tab.consoleErrors).toEqual([]);
});

test('the loss slider makes this tab drop packets, and setting it back to 0 stops the drops', async ({
  browser,
}) => {
  const tabs = [await openDemo(browser, 'demo-loss'), await openDemo(browser, 'demo-loss')];
  await expectAllAlive(
    tabs,
    tabs.map((t) => t.id),
  );
  const lossy = tabs[0]!;
  expect(await counter(lossy, 'loss-dropped')).toBe(0);

  await lossy.page.getByLabel('Packet loss on this tab, percent').fill('50');
  await expect(lossy.page.locator('#loss-value')).toHaveText('50 %');
  await expect.poll(() => counter(lossy, 'loss-dropped'), { timeout: 20_000 }).toBeGreaterThan(0);

  await lossy.page.getByLabel('Packet loss on this tab, percent').fill('0');
  // SWIM rides out 50 % loss on one tab: nobody is declared down for it.
  await expectAllAlive(
    tabs,
    tabs.map((t) => t.id),
  );
  // The counters are redrawn every 250 ms: let the last drops made before the slider moved show up.
  await lossy.page.waitForTimeout(1_000);
  const settled = await counter(lossy, 'loss-dropped');
  await lossy.page.waitForTimeout(2_000);
  expect(await counter(lossy, 'loss-dropped')).toBe(settled);
});

test('a tab hung with the hang control goes suspect or down in the others, then comes back alive', async ({
  browser,
}) => {
  const tabs = [
    await openDemo(browser, 'demo-hang'),
    await openDemo(browser, 'demo-hang'),
    await openDemo(browser, 'demo-hang'),
  ];
  const ids = tabs.map((t) => t.id);
  await expectAllAlive(tabs, ids);
  const hung = tabs[2]!;
  const watchers = tabs.slice(0, 2);

  await hung.page.getByLabel('Seconds to hang').fill('8');
  await hung.page.getByRole('button', { name: 'Hang' }).click({ noWaitAfter: true });
  for (const tab of watchers) {
    await expect
      .poll(async () => (await statesOn(tab))[hung.id], { timeout: 15_000 })
      .toMatch(/^(suspect|down)$/);
  }
  await expectAllAlive(tabs, ids);
});

test('a room of four tabs, as a picture', async ({ browser }) => {
  const tabs: DemoTab[] = [];
  for (const name of ['Ada', 'Grace', 'Linus', 'Barbara']) {
    const tab = await openDemo(browser, 'demo-picture');
    await tab.page.getByLabel('Name').fill(name);
    tabs.push(tab);
  }
  await expectAllAlive(
    tabs,
    tabs.map((t) => t.id),
  );
  for (const tab of tabs) {
    await expect.poll(() => counter(tab, 'open'), { timeout: 30_000 }).toBe(3);
  }
  await tabs[1]!.page.mouse.move(500, 320);
  await tabs[2]!.page.mouse.move(760, 560);
  await tabs[0]!.page.waitForTimeout(1_500);
  await tabs[0]!.page.screenshot({ path: 'test-results/demo-4-tabs.png' });
  await expect(tabs[0]!.page.locator('#graph .node')).toHaveCount(4);
});
