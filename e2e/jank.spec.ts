/**
 * Issue 12 item 3: tabs whose main thread blocks for 200–1,500 ms at random every few seconds (long
 * tasks: a heavy render, a big JSON parse) cause no false Down in the others and no flapping in their
 * own view.
 */
import { expect, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { expectEveryoneSees, leavesSeen, openTabs, type Tab } from './support/tabs';

const env = serverPerFile();

/** Starts long tasks in the page: every 2–5 s, a busy loop of 200–1,500 ms (seeded, so replayable). */
async function startJank(tab: Tab, seed: number): Promise<void> {
  await tab.page.evaluate((seed) => {
    let s = seed >>> 0;
    const next = () => {
      // mulberry32
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const w = window as unknown as { jankMs: number[]; jankAt: number[]; stopJank: boolean };
    w.jankMs = [];
    w.jankAt = [];
    w.stopJank = false;
    const tick = () => {
      if (w.stopJank) return;
      const ms = 200 + Math.floor(next() * 1300);
      w.jankAt.push(Date.now());
      const until = performance.now() + ms;
      while (performance.now() < until) {}
      w.jankMs.push(ms);
      setTimeout(tick, 2000 + next() * 3000);
    };
    setTimeout(tick, next() * 2000);
  }, seed);
}

test('tabs with random long tasks (200–1,500 ms every few seconds) cause no false Down and no flapping', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const seed = Number(process.env.JANK_SEED ?? Date.now() % 1_000_000);
  console.log(`jank seed ${seed} (replay with JANK_SEED=${seed})`);
  const tabs = await openTabs(browser, env.server.url, 'jank', 5);
  env.opened.push(...tabs);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  // Leaves logged while the room formed are not the test's business.
  const before = await Promise.all(tabs.map((t) => leavesSeen(t)));

  const janky = tabs.slice(3);
  const startedAt = Date.now();
  for (const [i, tab] of janky.entries()) await startJank(tab, seed + i);
  await tabs[0]!.page.waitForTimeout(30_000);
  const blocks = await Promise.all(
    janky.map((t) => t.page.evaluate(() => (window as unknown as { jankMs: number[] }).jankMs)),
  );
  for (const tab of janky) {
    await tab.page.evaluate(() => {
      (window as unknown as { stopJank: boolean }).stopJank = true;
    });
  }
  console.log(
    `long tasks per janky tab: ${blocks.map((b) => `${b.length} (max ${Math.max(...b)} ms)`).join(', ')}`,
  );
  for (const b of blocks) expect(b.length).toBeGreaterThan(3);

  // On a failure, say who left whom and when, against the long tasks (times from the jank start).
  const nameOf = new Map(tabs.map((t, i) => [t.id, `${t.name}${i >= 3 ? ' (janky)' : ''}`]));
  for (const tab of tabs) {
    const left = await tab.page.evaluate(() => window.shoalLog!.leaves.map((m) => [m.id, m.at] as const));
    for (const [id, at] of left.slice(before[tabs.indexOf(tab)]!.length)) {
      console.log(`${tab.name} saw ${nameOf.get(id) ?? id} leave at ${at - startedAt} ms`);
    }
  }
  for (const [i, tab] of janky.entries()) {
    const at = await tab.page.evaluate(() => (window as unknown as { jankAt: number[] }).jankAt);
    console.log(`${tab.name} long tasks: ${at.map((t, k) => `${t - startedAt}+${blocks[i]![k]}`).join(' ')}`);
  }
  for (const [i, tab] of tabs.entries()) {
    expect(await leavesSeen(tab), `${tab.name} saw nobody leave`).toEqual(before[i]);
  }
  await expectEveryoneSees(tabs, ids, 5_000);
  for (const tab of tabs) expect(tab.errors).toEqual([]);
});
