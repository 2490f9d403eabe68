/**
 * Tabs for the e2e tests: each in its own browser context (its own sessionStorage and profile), on
 * the harness page, which joins a room from its URL and logs what it sees in `window.shoalLog`.
 */
import { type Browser, type BrowserContext, type CDPSession, expect, type Page } from '@playwright/test';

/** A member as the harness page reports it. */
export interface SeenMember {
  readonly id: string;
  readonly generation: number;
  readonly state: string;
  readonly metadata: Record<string, unknown> | undefined;
  readonly self: boolean;
}

export interface Tab {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Our id (address) in the room. */
  id: string;
  readonly errors: string[];
}

/**
 * Opens the harness page in a fresh context and waits until the room exists. `signaling`: the
 * servers the page joins through (default: the one that serves it); `initScript`: source run in the
 * page before its own scripts.
 */
export async function openTab(
  browser: Browser,
  base: string,
  room: string,
  name: string,
  options: { readonly signaling?: readonly string[]; readonly initScript?: string } = {},
): Promise<Tab> {
  const context = await browser.newContext();
  // Runs before the page's own scripts (e.g. to count what the page sends).
  if (options.initScript !== undefined) await context.addInitScript({ content: options.initScript });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const signaling = options.signaling === undefined ? '' : `&signaling=${options.signaling.join(',')}`;
  await page.goto(
    `${base}/harness/index.html?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}${signaling}`,
  );
  await page.waitForFunction(() => window.room !== undefined);
  const id = await page.evaluate(() => window.room!.self.id);
  return { name, context, page, id, errors };
}

export async function openTabs(browser: Browser, base: string, room: string, n: number, prefix = 'tab') {
  const tabs: Tab[] = [];
  // One at a time: joins that race each other are fine, but 2 cores prefer a gentle start.
  for (let i = 0; i < n; i++) tabs.push(await openTab(browser, base, room, `${prefix}${i}`));
  return tabs;
}

export async function members(tab: Tab): Promise<SeenMember[]> {
  return await tab.page.evaluate(() =>
    window.room!.members().map((m) => ({
      id: m.id,
      generation: m.generation,
      state: m.state,
      metadata: m.metadata as Record<string, unknown> | undefined,
      self: m.self,
    })),
  );
}

/** The ids a tab sees, sorted. */
export async function memberIds(tab: Tab): Promise<string[]> {
  return (await members(tab)).map((m) => m.id).sort();
}

/** Waits until every tab sees exactly `ids` (sorted compare). */
export async function expectEveryoneSees(tabs: readonly Tab[], ids: readonly string[], timeout = 30_000) {
  const want = [...ids].sort();
  for (const tab of tabs) {
    await expect
      .poll(() => memberIds(tab), { timeout, message: `${tab.name} sees ${want.length}` })
      .toEqual(want);
  }
}

export async function cdp(tab: Tab): Promise<CDPSession> {
  return await tab.context.newCDPSession(tab.page);
}

/** Crashes the tab's renderer (CDP Page.crash): no goodbye, its channels just stop. */
export async function crash(tab: Tab): Promise<void> {
  const session = await cdp(tab);
  // The call never answers: the page is gone.
  void session.send('Page.crash').catch(() => {});
}

export async function closeAll(tabs: readonly Tab[]): Promise<void> {
  await Promise.all(tabs.map((t) => t.context.close().catch(() => {})));
}

/** The `leave` events a tab logged, as `[id, generation]`. */
export async function leavesSeen(tab: Tab): Promise<Array<[string, number]>> {
  return await tab.page.evaluate(() =>
    window.shoalLog!.leaves.map((m) => [m.id, m.generation] as [string, number]),
  );
}

/** Polls until `tab` sees `id` with `metadata` (deep-equal). */
export async function expectMetadata(tab: Tab, id: string, metadata: unknown, timeout = 30_000) {
  await expect
    .poll(async () => (await members(tab)).find((m) => m.id === id)?.metadata, {
      timeout,
      message: `${tab.name} sees ${id.slice(0, 8)}'s metadata`,
    })
    .toEqual(metadata);
}
