import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { cdp, expectEveryoneSees, memberIds, openTabs } from './support/tabs';

const env = serverPerFile();

test('a hung tab is declared down, and after it resumes it is alive again everywhere', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'hang', 4);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);

  const hung = tabs[3]!;
  const rest = tabs.slice(0, 3);
  const session = await cdp(hung);
  await session.send('Debugger.enable');
  // Pausing takes effect when the page next runs script; its SWIM timers fire every few hundred ms.
  await session.send('Debugger.pause');
  await expectEveryoneSees(rest, ids.slice(0, 3), 30_000);

  await session.send('Debugger.resume');
  await expectEveryoneSees(tabs, ids, 30_000);
  for (const tab of rest) {
    const seen = (await tab.page.evaluate(() => window.room!.members())).find((m) => m.id === hung.id);
    expect(seen?.state).toBe('alive');
  }
  // It came back as a newer life of the same address.
  const generation = await hung.page.evaluate(() => window.room!.self.generation);
  expect(generation).toBeGreaterThan(0);
  expect(await memberIds(hung)).toEqual([...ids].sort());
});
