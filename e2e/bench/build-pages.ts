/**
 * Builds the two bench pages with Vite's JS API (an inline config: the project's vite.config.ts is the
 * demo's, not ours) and weighs each page's JavaScript gzipped, which is what a user downloads for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
export const PAGES_ROOT = join(here, 'pages');
export const OUT_DIR = resolve(here, '../../dist/bench');

/** One bench page: its HTML entry (in pages/) and the folder under dist/bench it is built into. */
export const PAGES = {
  shoal: { html: 'shoal.html', dir: 'shoal' },
  'y-webrtc': { html: 'y-webrtc.html', dir: 'y-webrtc' },
} as const;

export type System = keyof typeof PAGES;

export interface BuiltPage {
  /** Path of the page under the static server's root, e.g. `/shoal/shoal.html`. */
  readonly path: string;
  /** All of the page's JavaScript, gzipped (level 9), in bytes. */
  readonly jsGzipBytes: number;
  readonly jsRawBytes: number;
}

/** Builds one page into dist/bench/<dir> (each on its own, so no chunk is shared between systems). */
export async function buildPage(system: System): Promise<BuiltPage> {
  const page = PAGES[system];
  const outDir = join(OUT_DIR, page.dir);
  await build({
    configFile: false,
    root: PAGES_ROOT,
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      reportCompressedSize: false,
      rollupOptions: { input: join(PAGES_ROOT, page.html) },
    },
  });
  let jsGzipBytes = 0;
  let jsRawBytes = 0;
  const assets = join(outDir, 'assets');
  for (const f of readdirSync(assets)) {
    if (!f.endsWith('.js')) continue;
    const bytes = readFileSync(join(assets, f));
    jsRawBytes += bytes.length;
    jsGzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { path: `/${page.dir}/${page.html}`, jsGzipBytes, jsRawBytes };
}
