/**
 * Issue 12 item 5: the signaling server killed hard (SIGKILL: no goodbye to its sockets) after the room
 * formed changes nothing for the room; once it is back on the same port every tab registers again
 * and a newcomer sees everyone.
 */
import { expect, test } from '@playwright/test';
import { startRedis } from '../signaling-server/redis-process';
import { serverPerFile } from './support/per-file';
import { startSignaling } from './support/signaling';
import { crash, expectEveryoneSees, expectMetadata, leavesSeen, openTab, openTabs } from './support/tabs';

const env = serverPerFile();

test('SIGKILL of the server: the room holds for a minute (crash detection, metadata, links via the mesh); after a restart every tab re-registers and a newcomer sees everyone', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const tabs = await openTabs(browser, env.server.url, 'killed', 5);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  await expect.poll(() => env.server.roomMembers(), { timeout: 30_000 }).toBe(5);

  await env.server.kill();
  const killedAt = Date.now();
  const [writer, a, b] = [tabs[0]!, tabs[1]!, tabs[2]!];
  // Metadata still spreads.
  await writer.page.evaluate(() => window.room!.setMetadata({ name: 'tab0', server: 'gone' }));
  for (const tab of tabs.slice(1)) await expectMetadata(tab, writer.id, { name: 'tab0', server: 'gone' });
  // A crash is still detected.
  const victim = tabs[4]!;
  await crash(victim);
  const rest = tabs.slice(0, 4);
  await expectEveryoneSees(rest, ids.slice(0, 4), 30_000);
  // A dropped link is made again through the mesh.
  await a.page.evaluate((id) => window.room!.dropConnection(id), b.id);
  await expect
    .poll(() => a.page.evaluate((id) => window.room!.connections().includes(id), b.id), { timeout: 30_000 })
    .toBe(true);
  // Hold the rest of the minute, then look again: nobody lost, nothing flapped.
  await writer.page.waitForTimeout(Math.max(0, 60_000 - (Date.now() - killedAt)));
  await expectEveryoneSees(rest, ids.slice(0, 4), 5_000);
  for (const tab of rest) {
    const others = (await leavesSeen(tab)).filter(([id]) => id !== victim.id);
    expect(others, `${tab.name} saw only the crashed tab leave`).toEqual([]);
    expect(await tab.page.evaluate(() => window.room!.status)).toBe('connected');
  }

  // Back on the same port: every tab registers again by itself.
  await env.server.start();
  const restartedAt = Date.now();
  await expect.poll(() => env.server.roomMembers(), { timeout: 30_000 }).toBe(4);
  console.log(`after the restart the server held all 4 tabs again in ${Date.now() - restartedAt} ms`);
  const newcomer = await openTab(browser, env.server.url, 'killed', 'newcomer');
  env.opened.push(newcomer);
  await expectEveryoneSees([...rest, newcomer], [...ids.slice(0, 4), newcomer.id], 30_000);
  for (const tab of rest) expect(tab.errors).toEqual([]);
});

test('two servers behind Redis: when one is killed, its tabs move to the other (joinRoom with both URLs) and a newcomer there sees everyone', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const redis = await startRedis();
  const a = await startSignaling(['--redis-url', redis.url]);
  const b = await startSignaling(['--redis-url', redis.url]);
  try {
    // Half the tabs prefer A, half B; every page is served by B, which stays.
    const tabs = [
      await openTab(browser, b.url, 'cluster', 'a0', { signaling: [a.url, b.url] }),
      await openTab(browser, b.url, 'cluster', 'a1', { signaling: [a.url, b.url] }),
      await openTab(browser, b.url, 'cluster', 'b0', { signaling: [b.url, a.url] }),
      await openTab(browser, b.url, 'cluster', 'b1', { signaling: [b.url, a.url] }),
    ];
    env.opened.push(...tabs);
    const ids = tabs.map((t) => t.id);
    await expectEveryoneSees(tabs, ids);
    await expect.poll(() => a.roomMembers(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => b.roomMembers(), { timeout: 30_000 }).toBe(2);

    await a.kill();
    const killedAt = Date.now();
    await expect.poll(() => b.roomMembers(), { timeout: 30_000 }).toBe(4);
    console.log(`A's tabs registered with B ${Date.now() - killedAt} ms after A was killed`);
    const newcomer = await openTab(browser, b.url, 'cluster', 'newcomer', { signaling: [b.url] });
    env.opened.push(newcomer);
    await expectEveryoneSees([...tabs, newcomer], [...ids, newcomer.id], 30_000);
    for (const tab of tabs) expect(await leavesSeen(tab), `${tab.name} saw nobody leave`).toEqual([]);
  } finally {
    await a.stop();
    await b.stop();
    await redis.stop();
  }
});
