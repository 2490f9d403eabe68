/**
 * Issue 12 item 2: a tab that sleeps (its script paused for a minute, as under a closed laptop lid, or
 * frozen by the browser) is Down for the others, and on waking comes back by itself as the same
 * address with its next generation, its metadata and its links; nobody else flaps.
 */
import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import {
  cdp,
  expectEveryoneSees,
  expectMetadata,
  leavesSeen,
  memberIds,
  openTabs,
  type Tab,
} from './support/tabs';

const env = serverPerFile();

/** Sets the sleeper's metadata and waits until every tab shows it. */
async function labelled(tabs: readonly Tab[], sleeper: Tab, metadata: Record<string, unknown>) {
  await sleeper.page.evaluate((m) => window.room!.setMetadata(m), metadata);
  for (const tab of tabs) if (tab !== sleeper) await expectMetadata(tab, sleeper.id, metadata);
}

/** Asserts that the awake tabs saw nobody leave but the sleeper (no flapping around it). */
async function expectOnlySleeperLeft(rest: readonly Tab[], sleeper: Tab) {
  for (const tab of rest) {
    const others = (await leavesSeen(tab)).filter(([id]) => id !== sleeper.id);
    expect(others, `${tab.name} saw only the sleeper leave`).toEqual([]);
  }
}

test('a tab paused for 60 s is Down for the others, then comes back by itself with its next generation, metadata and links', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const tabs = await openTabs(browser, env.server.url, 'sleep', 4);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  const sleeper = tabs[3]!;
  const rest = tabs.slice(0, 3);
  const metadata = { name: 'sleeper', lid: 'closed' };
  await labelled(tabs, sleeper, metadata);
  const generation = await sleeper.page.evaluate(() => window.room!.self.generation);

  const session = await cdp(sleeper);
  await session.send('Debugger.enable');
  const pausedAt = Date.now();
  await session.send('Debugger.pause');
  await expectEveryoneSees(rest, ids.slice(0, 3), 45_000);
  const downAfter = Date.now() - pausedAt;
  // Sleep out the rest of the minute.
  await rest[0]!.page.waitForTimeout(Math.max(0, 60_000 - (Date.now() - pausedAt)));

  const resumedAt = Date.now();
  await session.send('Debugger.resume');
  await expectEveryoneSees(tabs, ids, 30_000);
  for (const tab of rest) await expectMetadata(tab, sleeper.id, metadata);
  // When each awake tab saw the sleeper join again (the pages' clocks are this machine's clock).
  const backAfter =
    Math.max(
      ...(await Promise.all(
        rest.map((t) =>
          t.page.evaluate((id) => window.shoalLog!.joins.filter((j) => j.id === id).at(-1)!.at, sleeper.id),
        ),
      )),
    ) - resumedAt;
  console.log(
    `paused tab: Down for the others after ${downAfter} ms; back everywhere ${backAfter} ms after resume`,
  );

  const self = await sleeper.page.evaluate(() => window.room!.self);
  expect(self.id).toBe(sleeper.id);
  expect(self.generation).toBeGreaterThan(generation);
  for (const tab of rest) {
    const seen = (await tab.page.evaluate(() => window.room!.members())).find((m) => m.id === sleeper.id);
    expect(seen?.generation).toBe(self.generation);
    expect(seen?.state).toBe('alive');
  }
  // Its links come back: one to every other tab.
  await expect
    .poll(() => sleeper.page.evaluate(() => window.room!.connections().sort()), { timeout: 30_000 })
    .toEqual(ids.slice(0, 3).sort());
  await expectOnlySleeperLeft(rest, sleeper);
  expect(await memberIds(sleeper)).toEqual([...ids].sort());
  for (const tab of tabs) expect(tab.errors).toEqual([]);
});

test('a tab frozen by the browser (Page.setWebLifecycleState) and made active again is a member with its metadata', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const tabs = await openTabs(browser, env.server.url, 'frozen', 4);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  const sleeper = tabs[3]!;
  const rest = tabs.slice(0, 3);
  const metadata = { name: 'frozen', tab: 'background' };
  await labelled(tabs, sleeper, metadata);

  const session = await cdp(sleeper);
  await session.send('Page.enable');
  await session.send('Page.setWebLifecycleState', { state: 'frozen' });
  await rest[0]!.page.waitForTimeout(15_000);
  const wentDown = (await leavesSeen(rest[0]!)).some(([id]) => id === sleeper.id);
  await session.send('Page.setWebLifecycleState', { state: 'active' });

  await expectEveryoneSees(tabs, ids, 30_000);
  for (const tab of rest) await expectMetadata(tab, sleeper.id, metadata);
  await expect
    .poll(() => sleeper.page.evaluate(() => window.room!.connections().sort()), { timeout: 30_000 })
    .toEqual(ids.slice(0, 3).sort());
  console.log(
    `frozen tab (15 s): ${wentDown ? 'Down for the others, then back' : 'stayed a member throughout'}`,
  );
  await expectOnlySleeperLeft(rest, sleeper);
  for (const tab of tabs) expect(tab.errors).toEqual([]);
});
