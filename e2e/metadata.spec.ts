import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { expectEveryoneSees, members, openTabs } from './support/tabs';

const env = serverPerFile();

test('metadata set in one tab shows in every other; an app message reaches its member', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'meta', 4);
  env.opened.push(...tabs);
  await expectEveryoneSees(
    tabs,
    tabs.map((t) => t.id),
  );
  const [writer, reader, bystander] = [tabs[0]!, tabs[1]!, tabs[2]!];
  await writer.page.evaluate(() => window.room!.setMetadata({ name: 'Ada', colour: 'teal' }));
  for (const tab of tabs.slice(1)) {
    await expect
      .poll(async () => (await members(tab)).find((m) => m.id === writer.id)?.metadata, { timeout: 15_000 })
      .toEqual({ name: 'Ada', colour: 'teal' });
  }
  // Metadata over 512 bytes is refused in the page with a clear error.
  const error = await writer.page.evaluate(() => {
    try {
      window.room!.setMetadata({ name: 'x'.repeat(600) });
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  });
  expect(error).toMatch(/512-byte limit/);

  await expect
    .poll(() => writer.page.evaluate((id) => window.room!.send(id, { hello: 'reader' }), reader.id), {
      timeout: 15_000,
    })
    .toBe(true);
  await expect
    .poll(() => reader.page.evaluate(() => window.shoalLog!.messages.map((m) => [m.from, m.data])), {
      timeout: 15_000,
    })
    .toContainEqual([writer.id, { hello: 'reader' }]);
  expect(await bystander.page.evaluate(() => window.shoalLog!.messages.length)).toBe(0);
});

test('a reloaded tab keeps its address: the others see a rename, not a leave and a join', async ({
  browser,
}) => {
  const tabs = await openTabs(browser, env.server.url, 'reload', 3);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  const reloaded = tabs[2]!;
  const before = await reloaded.page.evaluate(() => window.room!.self.generation);
  // An app-initiated reload (location.reload()), which the page can tell from a close.
  await reloaded.page.evaluate(() => location.reload());
  await reloaded.page.waitForFunction(() => window.room !== undefined);
  const after = await reloaded.page.evaluate(() => ({
    id: window.room!.self.id,
    gen: window.room!.self.generation,
  }));
  expect(after.id).toBe(reloaded.id);
  expect(after.gen).toBeGreaterThan(before);
  await expectEveryoneSees(tabs, ids);
  for (const tab of tabs.slice(0, 2)) {
    await expect
      .poll(async () => (await members(tab)).find((m) => m.id === reloaded.id)?.generation, {
        timeout: 15_000,
      })
      .toBe(after.gen);
    const log = await tab.page.evaluate(() => window.shoalLog!);
    expect(log.notifications.some((n) => n.type === 'rename' && n.addr === reloaded.id)).toBe(true);
    expect(log.leaves.map((m) => m.id)).not.toContain(reloaded.id);
    // The reloading page's notice got out before it went (it holds the member's place if its old
    // life is declared Down before the new one arrives: on a starved machine, a reload outlasts that).
    const reloads = await tab.page.evaluate(() => window.room!.stats().reloads);
    expect(reloads.notices).toBe(1);
    expect(reloads.shownLate).toBe(0);
    console.log(`reload seen by a peer: ${JSON.stringify(reloads)}`);
  }

  // A reload from the browser itself can't be told from a close (no navigate event): the tab says
  // goodbye, but it still comes back with the same address, one generation up.
  await reloaded.page.reload();
  await reloaded.page.waitForFunction(() => window.room !== undefined);
  const third = await reloaded.page.evaluate(() => ({
    id: window.room!.self.id,
    gen: window.room!.self.generation,
  }));
  expect(third.id).toBe(reloaded.id);
  expect(third.gen).toBeGreaterThan(after.gen);
  for (const tab of tabs.slice(0, 2)) {
    await expect
      .poll(async () => (await members(tab)).find((m) => m.id === reloaded.id)?.generation, {
        timeout: 30_000,
      })
      .toBe(third.gen);
  }
});
