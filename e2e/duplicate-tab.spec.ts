import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { expectEveryoneSees, openTabs, type Tab } from './support/tabs';

const env = serverPerFile();

test('a tab opened with window.open (a copy of its opener sessionStorage and key) is a member of its own', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'duplicate', 2);
  env.opened.push(...tabs);
  await expectEveryoneSees(
    tabs,
    tabs.map((t) => t.id),
  );
  const opener = tabs[0]!;
  const [popup] = await Promise.all([
    opener.context.waitForEvent('page'),
    opener.page.evaluate(() => {
      window.open(location.href, '_blank');
    }),
  ]);
  await popup.waitForFunction(() => window.room !== undefined);
  const copied = await popup.evaluate(() => window.room!.self);
  expect(copied.id).not.toBe(opener.id);
  expect(copied.generation).toBe(0);
  const third: Tab = { ...opener, name: 'popup', page: popup, id: copied.id, errors: [] };
  await expectEveryoneSees([...tabs, third], [...tabs.map((t) => t.id), copied.id]);
  // The opener is untouched: same id, and no one saw it leave.
  expect(await opener.page.evaluate(() => window.room!.self.id)).toBe(opener.id);
  for (const tab of tabs.slice(1)) {
    const log = await tab.page.evaluate(() => window.shoalLog!);
    expect(log.leaves.map((m) => m.id)).not.toContain(opener.id);
  }
});
