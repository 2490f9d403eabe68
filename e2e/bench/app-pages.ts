/**
 * The project's own pages at rest: N tabs of the e2e harness page (the library as an app embeds it, and
 * a `<pre>` it redraws on membership events) or of the demo page (the library and its live view) in one
 * room, each tab its own browser context. The bench waits for the room to form, lets it settle, and
 * measures CPU per tab over a quiet window (see cpu.ts). Both pages come from the project's own Vite
 * build and are served by Shoal's signaling server, as `npm start` serves them.
 */
import type { Browser, CDPSession } from '@playwright/test';
import { build } from 'vite';
import { OUT_DIR } from './build-pages';
import { type CpuFigures, enableCpuMetrics, measureRest, type ProfileSummary } from './cpu';
import { ROOT, sleep } from './processes';
import { closeTab, nodeNow, openTab, type Tab } from './tabs';

export type AppPage = 'harness' | 'demo';
export const APP_PAGES: readonly AppPage[] = ['harness', 'demo'];
/** Where the project's pages are built for the bench (served by a signaling server of their own). */
export const APP_DIR = `${OUT_DIR}/app`;

/** Builds the demo and the harness with the project's vite.config.ts into APP_DIR. */
export async function buildAppPages(minify: boolean): Promise<void> {
  await build({
    configFile: `${ROOT}/vite.config.ts`,
    root: `${ROOT}/client`,
    logLevel: 'warn',
    build: { outDir: APP_DIR, emptyOutDir: true, minify, reportCompressedSize: false },
  });
}

export interface AppRestPlan {
  readonly browser: Browser;
  /** The signaling server that serves APP_DIR. */
  readonly base: string;
  readonly page: AppPage;
  readonly room: string;
  readonly n: number;
  readonly formTimeoutMs: number;
  readonly settleMs: number;
  readonly windowMs: number;
  readonly browserCdp: CDPSession | null;
  readonly profile: boolean;
}

export interface AppRestResult {
  readonly page: AppPage;
  formed: boolean;
  /** Every page loaded → every tab lists N members, as seen by polling every 250 ms. */
  formMs: number | null;
  cpu: CpuFigures | null;
  profile: ProfileSummary | null;
  readonly problems: string[];
}

const POLL_MS = 250;

function urlOf(plan: AppRestPlan, id: string): string {
  const room = encodeURIComponent(plan.room);
  return plan.page === 'demo'
    ? `${plan.base}/index.html?room=${room}`
    : `${plan.base}/harness/index.html?room=${room}&name=${id}`;
}

/** Members the tab shows as present (alive or suspect), itself included. Strings: no bundler helpers. */
const COUNT: Record<AppPage, string> = {
  harness: `window.room ? window.room.members().filter((m) => m.state !== 'down').length : 0`,
  demo: `document.querySelectorAll('#members [data-member-id]:not([data-state="down"])').length`,
};

/** Opens N tabs at once, waits for the room, measures CPU at rest; closes every tab, whatever happens. */
export async function runAppRest(plan: AppRestPlan): Promise<AppRestResult> {
  const result: AppRestResult = {
    page: plan.page,
    formed: false,
    formMs: null,
    cpu: null,
    profile: null,
    problems: [],
  };
  const tabs: Tab[] = [];
  try {
    const ids = Array.from({ length: plan.n }, (_, i) => `${plan.page}${i}`);
    tabs.push(...(await Promise.all(ids.map((id) => openTab(plan.browser, id)))));
    await Promise.all(tabs.map((t) => t.page.goto(urlOf(plan, t.id), { waitUntil: 'load' })));
    // From the last load on: on a starved machine, loading 16 pages alone can take half a minute.
    const started = nodeNow();
    let counts: number[] = [];
    for (;;) {
      counts = await Promise.all(
        tabs.map((t) =>
          t.page
            .evaluate(COUNT[plan.page])
            .then(Number)
            .catch(() => -1),
        ),
      );
      if (counts.every((c) => c === plan.n)) {
        result.formed = true;
        result.formMs = nodeNow() - started;
        break;
      }
      if (nodeNow() - started > plan.formTimeoutMs) break;
      await sleep(POLL_MS);
    }
    if (!result.formed) {
      const seen = counts.map((c, i) => `${tabs[i]!.id}:${c}`).join(' ');
      result.problems.push(
        `${plan.page} room not formed after ${plan.formTimeoutMs} ms (members shown: ${seen})`,
      );
    }
    // Measured formed or not: a room whose tabs starve each other is what this should show.
    await Promise.all(tabs.map(enableCpuMetrics));
    await sleep(plan.settleMs);
    const rest = await measureRest(tabs, plan.windowMs, plan.browserCdp, plan.profile);
    result.cpu = rest.cpu;
    result.profile = rest.profile;
  } catch (e) {
    result.problems.push(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  } finally {
    await Promise.all(tabs.map(closeTab));
    for (const t of tabs) if (t.errors.length) result.problems.push(`${t.id} page error: ${t.errors[0]}`);
  }
  return result;
}
