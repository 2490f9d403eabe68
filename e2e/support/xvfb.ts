/**
 * A headful Chromium under Xvfb, for tests that need pages the browser really treats as hidden
 * (headless Chromium reports every page visible and never throttles its timers as a background tab).
 * Debian's `xvfb` is installed by `npm run test:e2e` (e2e/ensure-debian-package.sh) when missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from '@playwright/test';
import config, { chromiumPath } from '../../playwright.config';

export interface Display {
  readonly name: string;
  stop(): Promise<void>;
}

/** Starts Xvfb on the first free display from :90 and waits until its socket exists. */
export async function startXvfb(): Promise<Display> {
  for (let n = 90; n < 130; n++) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const child: ChildProcess = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 15_000;
    while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
      if (child.exitCode !== null) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Xvfb :${n} did not start`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (child.exitCode !== null) continue; // raced another Xvfb for this display
    return {
      name: `:${n}`,
      stop: async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
  throw new Error('no free X display in :90–:129');
}

/** A headful Chromium of our own, driven over CDP. */
export interface HeadfulBrowser {
  readonly browser: Browser;
  /** The browser's own window context: its pages are tabs of one window, without Playwright's overrides. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headful Chromium on `display` (flags from playwright.config plus `extraArgs`) and connects
 * to it over CDP with `noDefaults`. Launched by Playwright, every page would stay visible in a
 * background tab: Playwright passes --disable-renderer-backgrounding and friends, and the focus
 * emulation it turns on for each page keeps that page "captured", which Chromium counts as visible.
 */
export async function headfulChromium(
  display: Display,
  extraArgs: readonly string[] = [],
): Promise<HeadfulBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'shoal-headful-'));
  const args = (config.use?.launchOptions?.args ?? []) as string[];
  const child = spawn(
    chromiumPath,
    [...args, ...extraArgs, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { env: { ...process.env, DISPLAY: display.name }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${err}`)), 30_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => reject(new Error(`chromium exited:\n${err}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
  const context = browser.contexts()[0]!;
  return {
    browser,
    context,
    close: async () => {
      await browser.close().catch(() => {});
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}
