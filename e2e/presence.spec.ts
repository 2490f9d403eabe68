import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { crash, expectEveryoneSees, memberIds, openTab, openTabs } from './support/tabs';

const env = serverPerFile();

test('five tabs in one room each see five alive members; another room never sees them', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'five', 5);
  const others = await openTabs(browser, env.server.url, 'elsewhere', 2, 'other');
  env.opened.push(...tabs, ...others);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  await expectEveryoneSees(
    others,
    others.map((t) => t.id),
  );
  for (const tab of tabs) {
    const states = await tab.page.evaluate(() => window.room!.members().map((m) => m.state));
    expect(states).toEqual(['alive', 'alive', 'alive', 'alive', 'alive']);
  }
  for (const tab of others) for (const id of await memberIds(tab)) expect(ids).not.toContain(id);

  // A tab closed gracefully is gone from every other tab within 1 s.
  const leaver = tabs[4]!;
  const rest = tabs.slice(0, 4);
  const closedAt = Date.now();
  await leaver.page.close({ runBeforeUnload: true });
  await expectEveryoneSees(rest, ids.slice(0, 4), 10_000);
  for (const tab of rest) {
    const leftAt = await tab.page.evaluate(
      (id) => window.shoalLog!.leaves.find((m) => m.id === id)?.at,
      leaver.id,
    );
    expect(leftAt, `${tab.name} logged the leave`).toBeDefined();
    expect(leftAt! - closedAt, `${tab.name} saw the leave within 1 s`).toBeLessThanOrEqual(1000);
  }

  // A crashed tab (no goodbye) is declared down by every other tab.
  const victim = rest[3]!;
  await crash(victim);
  const survivors = rest.slice(0, 3);
  await expectEveryoneSees(survivors, ids.slice(0, 3), 30_000);
  for (const tab of survivors) {
    const downs = await tab.page.evaluate(
      (id) => window.shoalLog!.notifications.filter((n) => n.type === 'member-down' && n.addr === id).length,
      victim.id,
    );
    expect(downs).toBeGreaterThan(0);
  }
  const newcomer = await openTab(browser, env.server.url, 'five', 'late');
  env.opened.push(newcomer);
  await expectEveryoneSees([...survivors, newcomer], [...ids.slice(0, 3), newcomer.id]);
});
