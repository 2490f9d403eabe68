/**
 * Issue 12 item 7: Firefox too. Debian's firefox-esr (installed by `npm run test:e2e` when missing),
 * headless, driven over WebDriver BiDi with puppeteer-core (no browser download), in one room with
 * Chromium tabs: they join, exchange metadata and app messages, and see a crashed Chromium tab and a
 * killed Firefox (no goodbye) leave.
 */
import { expect, test } from '@playwright/test';
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from 'puppeteer-core';
import { serverPerFile } from './support/per-file';
import { crash, expectEveryoneSees, expectMetadata, memberIds, openTabs } from './support/tabs';

const env = serverPerFile();
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

let firefox: FirefoxBrowser | undefined;
test.afterEach(async () => {
  firefox?.process()?.kill('SIGKILL');
  firefox = undefined;
});

async function firefoxIds(page: FirefoxPage): Promise<string[]> {
  return (await page.evaluate(() => window.room!.members().map((m) => m.id))).sort();
}

test('a mixed room: Firefox and Chromium join, share metadata and messages, and see a crashed Chromium tab and a killed Firefox leave', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  firefox = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      // Host candidates as addresses, not mDNS names, so the tabs on this machine can reach each other.
      'media.peerconnection.ice.obfuscate_host_addresses': false,
    },
  });
  const ffPage = await firefox.newPage();
  const errors: string[] = [];
  ffPage.on('pageerror', (e) => errors.push(String(e)));
  await ffPage.goto(`${env.server.url}/harness/index.html?room=mixed&name=firefox`);
  await ffPage.waitForFunction(() => window.room !== undefined);
  const ffId = await ffPage.evaluate(() => window.room!.self.id);

  const tabs = await openTabs(browser, env.server.url, 'mixed', 3, 'chromium');
  env.opened.push(...tabs);
  const ids = [ffId, ...tabs.map((t) => t.id)].sort();
  await expectEveryoneSees(tabs, ids);
  await expect.poll(() => firefoxIds(ffPage), { timeout: 30_000 }).toEqual(ids);

  // Metadata both ways.
  await ffPage.evaluate(() => window.room!.setMetadata({ name: 'firefox', engine: 'gecko' }));
  for (const tab of tabs) await expectMetadata(tab, ffId, { name: 'firefox', engine: 'gecko' });
  const [a, b, c] = [tabs[0]!, tabs[1]!, tabs[2]!];
  await a.page.evaluate(() => window.room!.setMetadata({ name: 'chromium0', engine: 'blink' }));
  await expect
    .poll(() => ffPage.evaluate((id) => window.room!.members().find((m) => m.id === id)?.metadata, a.id), {
      timeout: 30_000,
    })
    .toEqual({ name: 'chromium0', engine: 'blink' });

  // App messages both ways.
  await expect
    .poll(() => ffPage.evaluate((id) => window.room!.send(id, { from: 'firefox' }), b.id), {
      timeout: 15_000,
    })
    .toBe(true);
  await expect
    .poll(() => b.page.evaluate(() => window.shoalLog!.messages.map((m) => [m.from, m.data])), {
      timeout: 15_000,
    })
    .toContainEqual([ffId, { from: 'firefox' }]);
  await expect
    .poll(() => b.page.evaluate((id) => window.room!.send(id, { from: 'chromium' }), ffId), {
      timeout: 15_000,
    })
    .toBe(true);
  await expect
    .poll(() => ffPage.evaluate(() => window.shoalLog!.messages.map((m) => [m.from, m.data])), {
      timeout: 15_000,
    })
    .toContainEqual([b.id, { from: 'chromium' }]);

  // A Chromium tab crashes: Firefox and the other Chromium tabs see it leave.
  await crash(c);
  const afterCrash = ids.filter((id) => id !== c.id);
  await expectEveryoneSees([a, b], afterCrash, 30_000);
  await expect.poll(() => firefoxIds(ffPage), { timeout: 30_000 }).toEqual(afterCrash);
  expect(errors).toEqual([]);

  // Firefox is killed: no pagehide, no goodbye; the Chromium tabs see it leave.
  firefox.process()?.kill('SIGKILL');
  firefox = undefined;
  const chromiumOnly = [a.id, b.id].sort();
  await expectEveryoneSees([a, b], chromiumOnly, 30_000);
  expect(await memberIds(a)).toEqual(chromiumOnly);
  for (const tab of [a, b]) expect(tab.errors).toEqual([]);
});
