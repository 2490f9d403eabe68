import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { crash, expectEveryoneSees, openTab, openTabs } from './support/tabs';

const env = serverPerFile();

test('without the signaling server the room holds, detects a crash and re-makes a dropped link; after a restart a new tab joins', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'serverless', 5);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  for (const tab of tabs) {
    await expect
      .poll(() => tab.page.evaluate(() => window.room!.connections().length), { timeout: 30_000 })
      .toBe(4);
  }

  await env.server.stop();
  // Membership holds: nobody is lost while the server is gone (a few probe periods pass).
  await tabs[0]!.page.waitForTimeout(3000);
  for (const tab of tabs) {
    expect(await tab.page.evaluate(() => window.room!.members().length)).toBe(5);
    expect(await tab.page.evaluate(() => window.room!.status)).toBe('connected');
  }

  // A crash is still detected.
  const victim = tabs[4]!;
  await crash(victim);
  const rest = tabs.slice(0, 4);
  await expectEveryoneSees(rest, ids.slice(0, 4), 30_000);

  // A link dropped between two members is re-made through the mesh (the server is down).
  const [a, b] = [rest[0]!, rest[1]!];
  const viaMesh = async () =>
    (await a.page.evaluate(() => window.room!.stats().mesh.signaledViaMesh)) +
    (await b.page.evaluate(() => window.room!.stats().mesh.signaledViaMesh));
  const before = await viaMesh();
  await a.page.evaluate((id) => window.room!.dropConnection(id), b.id);
  await expect
    .poll(() => a.page.evaluate((id) => window.room!.connections().includes(id), b.id), { timeout: 30_000 })
    .toBe(true);
  await expect
    .poll(() => b.page.evaluate((id) => window.room!.connections().includes(id), a.id), { timeout: 30_000 })
    .toBe(true);
  expect(await viaMesh()).toBeGreaterThan(before);
  await expectEveryoneSees(rest, ids.slice(0, 4));

  // The server comes back on the same address; the tabs rejoin it and a new tab gets in.
  await env.server.start();
  const newcomer = await openTab(browser, env.server.url, 'serverless', 'newcomer');
  env.opened.push(newcomer);
  await expectEveryoneSees([...rest, newcomer], [...ids.slice(0, 4), newcomer.id], 30_000);
});
