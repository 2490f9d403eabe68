/**
 * Issue 12 item 1: background tabs. Headless Chromium calls every page visible; here a headful
 * Chromium under Xvfb holds several tabs in one window, so all but the front one are really hidden
 * (`document.visibilityState === 'hidden'`, timers throttled to about one wake-up a second), and
 * shows that Chrome's intensive throttling spares a page with open data channels.
 */
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { serverPerFile } from './support/per-file';
import { expectEveryoneSees, expectMetadata, leavesSeen, type Tab } from './support/tabs';
import { type Display, type HeadfulBrowser, headfulChromium, startXvfb } from './support/xvfb';

const env = serverPerFile();

let display: Display | undefined;
let browser: HeadfulBrowser | undefined;
test.afterEach(async () => {
  await browser?.close().catch(() => {});
  browser = undefined;
  await display?.stop();
  display = undefined;
});

/** Opens the harness page as a new tab of `context`'s window; `room` undefined: a page with no room. */
async function openIn(
  context: BrowserContext,
  base: string,
  room: string | undefined,
  name: string,
): Promise<Tab> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query =
    room === undefined
      ? ''
      : // WebRTC between the tabs, as between tabs of different browsers: over BroadcastChannel (the
        // default for tabs of one browser) a hidden page has no open data channel, and Chrome's
        // intensive throttling does not spare it.
        `?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}&sameBrowser=0`;
  await page.goto(`${base}/harness/index.html${query}`);
  if (room === undefined) return { name, context, page, id: '', errors };
  await page.waitForFunction(() => window.room !== undefined);
  const id = await page.evaluate(() => window.room!.self.id);
  return { name, context, page, id, errors };
}

/** Starts a chain of 100 ms timeouts in the page that logs when each one ran. */
async function startWakeups(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { wakeups: number[] };
    w.wakeups = [];
    const tick = () => {
      w.wakeups.push(Date.now());
      setTimeout(tick, 100);
    };
    tick();
  });
}

/** How many times the page's timer chain ran in the last `ms`. */
async function wakeupsInLast(page: Page, ms: number): Promise<number> {
  return await page.evaluate((ms) => {
    const since = Date.now() - ms;
    return (window as unknown as { wakeups: number[] }).wakeups.filter((t) => t >= since).length;
  }, ms);
}

const visibility = (tab: Tab) => tab.page.evaluate(() => document.visibilityState);

test('background tabs stay members: no false Down, probes answered, metadata kept and updated while hidden; intensive throttling spares them', async () => {
  test.setTimeout(240_000);
  display = await startXvfb();
  // Chrome's intensive throttling (chained timers once a minute) starts after 5 minutes hidden; the
  // flag brings it to 10 s so a one-minute test sees it.
  browser = await headfulChromium(display, [
    '--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10',
  ]);
  // One window, four tabs in a room and a page with none: the last one opened is in front; bring the
  // first there instead.
  const context = browser.context;
  const tabs: Tab[] = [];
  for (let i = 0; i < 4; i++) tabs.push(await openIn(context, env.server.url, 'hidden', `tab${i}`));
  const plain = await openIn(context, env.server.url, undefined, 'plain');
  const front = tabs[0]!;
  await front.page.bringToFront();
  const hidden = tabs.slice(1);
  const ids = tabs.map((t) => t.id);
  await expectEveryoneSees(tabs, ids);
  for (const tab of hidden)
    await tab.page.evaluate((name) => window.room!.setMetadata({ name, hidden: true }), tab.name);
  for (const tab of hidden)
    for (const other of tabs)
      if (other !== tab) await expectMetadata(other, tab.id, { name: tab.name, hidden: true });

  expect(await visibility(front)).toBe('visible');
  for (const tab of [...hidden, plain]) expect(await visibility(tab)).toBe('hidden');
  await startWakeups(plain.page);
  // Timers in the background run about once a second; in front, as asked.
  await startWakeups(front.page);
  await startWakeups(hidden[0]!.page);
  await front.page.waitForTimeout(5_000);
  const frontWakeups = await wakeupsInLast(front.page, 4_000);
  const hiddenWakeups = await wakeupsInLast(hidden[0]!.page, 4_000);
  console.log(`100 ms timer chain over 4 s: ${frontWakeups} wake-ups in front, ${hiddenWakeups} hidden`);
  expect(hiddenWakeups).toBeLessThanOrEqual(6);
  expect(frontWakeups).toBeGreaterThan(hiddenWakeups * 2);

  const before = await Promise.all(tabs.map((t) => leavesSeen(t)));
  const statsBefore = await hidden[0]!.page.evaluate(() => window.room!.stats());
  // A minute in the background (the 10-minute version is the soak's).
  await front.page.waitForTimeout(60_000);
  for (const tab of hidden) expect(await visibility(tab)).toBe('hidden');
  // By now both pages have been hidden for over a minute: past the grace period and 30 s of silence.
  const plainWakeups = await wakeupsInLast(plain.page, 30_000);
  const memberWakeups = await wakeupsInLast(hidden[0]!.page, 30_000);
  console.log(
    `hidden 100 ms timer chain, wake-ups in the last 30 s: plain page ${plainWakeups}, page in a room ${memberWakeups}`,
  );
  // The flag works (the plain page wakes about once a minute), and the page with open links is exempt.
  expect(plainWakeups).toBeLessThanOrEqual(3);
  expect(memberWakeups).toBeGreaterThanOrEqual(10);
  for (const [i, tab] of tabs.entries())
    expect(await leavesSeen(tab), `${tab.name} saw nobody leave`).toEqual(before[i]);
  await expectEveryoneSees(tabs, ids, 5_000);
  const statsAfter = await hidden[0]!.page.evaluate(() => window.room!.stats());
  const packetsIn = statsAfter.mesh.packetsIn - statsBefore.mesh.packetsIn;
  const packetsOut = statsAfter.mesh.packetsOut - statsBefore.mesh.packetsOut;
  console.log(
    `a hidden tab over 60 s: ${packetsIn} packets in, ${packetsOut} out, ${statsAfter.pauses - statsBefore.pauses} pauses seen`,
  );
  // It kept probing and answering: packets both ways, about as many out as in.
  expect(packetsOut).toBeGreaterThan(packetsIn / 2);
  // Metadata set while hidden reaches the front tab and the other hidden ones.
  await hidden[1]!.page.evaluate(() => window.room!.setMetadata({ name: 'tab2', hidden: 'and updated' }));
  for (const other of tabs)
    if (other !== hidden[1])
      await expectMetadata(other, hidden[1]!.id, { name: 'tab2', hidden: 'and updated' });
  for (const tab of tabs) expect(tab.errors).toEqual([]);
});
