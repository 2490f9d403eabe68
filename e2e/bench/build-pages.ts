/**
 * Builds the two bench pages with Vite's JS API (an inline config: the project's vite.config.ts is the
 * demo's, not ours) and weighs each page's JavaScript gzipped, which is what a user downloads for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  'shoal-large': { html: 'shoal-large.html', dir: 'shoal-large' },
} as const;

export type Page = keyof typeof PAGES;
/** The systems the comparison runs (the large-room page is Shoal's alone). */
export type System = Exclude<Page, 'shoal-large'>;

export interface BuiltPage {
  /** Path of the page under the static server's root, e.g. `/shoal/shoal.html`. */
  readonly path: string;
  /** All of the page's JavaScript, gzipped (level 9), in bytes. */
  readonly jsGzipBytes: number;
  readonly jsRawBytes: number;
  /** The page's largest parts by code left after tree-shaking (before minifying): name → share of it. */
  readonly parts: readonly { readonly name: string; readonly share: number }[];
}

/** `node_modules/@scope/pkg/…` → `@scope/pkg`; project files → their top folder (`client`, `shared/swim`). */
function partOf(moduleId: string): string {
  const nm = moduleId.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const [a = '?', b = ''] = moduleId.slice(nm + 'node_modules/'.length).split('/');
    return a.startsWith('@') ? `${a}/${b}` : a;
  }
  const rel = relative(resolve(here, '../..'), moduleId.split('?')[0]!);
  const [top = '?', sub = ''] = rel.split(sep);
  if (top === 'e2e') return 'bench page';
  return top === 'shared' ? `${top}/${sub}` : top;
}

interface ChunkLike {
  readonly type: string;
  readonly modules?: Record<string, { readonly renderedLength: number }>;
}

function partsOf(output: unknown): BuiltPage['parts'] {
  const outputs = (Array.isArray(output) ? output : [output]) as { output?: ChunkLike[] }[];
  const sizes = new Map<string, number>();
  for (const o of outputs) {
    for (const chunk of o.output ?? []) {
      if (chunk.type !== 'chunk') continue;
      for (const [id, m] of Object.entries(chunk.modules ?? {})) {
        sizes.set(partOf(id), (sizes.get(partOf(id)) ?? 0) + m.renderedLength);
      }
    }
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0) || 1;
  return [...sizes.entries()]
    .map(([name, bytes]) => ({ name, share: bytes / total }))
    .sort((a, b) => b.share - a.share);
}

/**
 * Builds one page into dist/bench/<dir> (each on its own, so no chunk is shared between systems).
 * `minify: false` keeps function names and the bundler's `//#region` markers for a profile.
 */
export async function buildPage(system: Page, minify = true): Promise<BuiltPage> {
  const page = PAGES[system];
  const outDir = join(OUT_DIR, page.dir);
  const output = await build({
    configFile: false,
    root: PAGES_ROOT,
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify,
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
  return { path: `/${page.dir}/${page.html}`, jsGzipBytes, jsRawBytes, parts: partsOf(output) };
}
