/**
 * `npm run size`: what each entry of the package costs. Browser entries are bundled as an app would
 * (minified, every dependency in, React left to the app) and gzipped; their parts are Shoal's own
 * code (the bundle with every dependency left out) and each direct dependency's cost (the page's
 * size minus the page's without it). Node entries are measured as the package ships them (its own
 * code; dependencies install beside it).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOAL_PAGE_KB = 55;
const GOAL_OWN_KB = 20;

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const gz = (code: string) => gzipSync(code, { level: 9 }).length;

interface Measured {
  readonly gzip: number;
  /** Shoal's own code: the entry bundled with every dependency left out. */
  readonly own: number;
  /** Each direct dependency's cost: the page's gzip minus the page's without it (its own deps included). */
  readonly parts: Array<{ name: string; gzip: number }>;
}

const bare = /^@?[\w-]/;

/** The entry bundled and minified as an app's build would; returns the gzipped JS and the bare imports seen. */
async function bundle(
  entry: string,
  external: (id: string) => boolean,
): Promise<{ gzip: number; imports: Set<string> }> {
  const imports = new Set<string>();
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry: join(ROOT, entry), formats: ['es'], fileName: 'entry' },
      rolldownOptions: {
        external: (id, importer) => {
          // Direct dependencies: bare imports from our own files.
          if (bare.test(id) && importer !== undefined && !importer.includes('node_modules')) {
            imports.add(packageOf(id));
          }
          return external(id);
        },
      },
    },
  })) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  let gzip = 0;
  for (const o of Array.isArray(output) ? output : [output]) {
    for (const chunk of o.output) if (chunk.type === 'chunk') gzip += gz(chunk.code);
  }
  return { gzip, imports };
}

const packageOf = (id: string) =>
  id
    .split('/')
    .slice(0, id.startsWith('@') ? 2 : 1)
    .join('/');

async function measureBrowser(entry: string, appProvides: readonly string[]): Promise<Measured> {
  const provided = (id: string) => bare.test(id) && appProvides.includes(packageOf(id));
  const full = await bundle(entry, provided);
  const own = await bundle(entry, (id) => bare.test(id));
  const parts: Measured['parts'] = [];
  for (const name of full.imports) {
    if (appProvides.includes(name)) continue;
    const without = await bundle(entry, (id) => provided(id) || (bare.test(id) && packageOf(id) === name));
    parts.push({ name, gzip: full.gzip - without.gzip });
  }
  parts.push({ name: "shoal's own code", gzip: own.gzip });
  parts.sort((a, b) => b.gzip - a.gzip);
  return { gzip: full.gzip, own: own.gzip, parts };
}

async function shippedGzip(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += gz(await readFile(join(ROOT, 'dist/lib', f), 'utf8'));
  return total;
}

async function main(): Promise<void> {
  await stat(join(ROOT, 'dist/lib/index.js')).catch(() => {
    throw new Error('dist/lib is missing: run `npm run build:package` first');
  });
  const rows: string[] = [];
  const page = await measureBrowser('client/index.ts', []);
  const react = await measureBrowser('client/react/index.ts', ['react', 'react-dom']);
  const own = page.own;

  rows.push(`shoal (browser entry '.'), page JS: ${kb(page.gzip)} KB gzipped (goal ≤ ${GOAL_PAGE_KB} KB)`);
  for (const p of page.parts) rows.push(`  ${p.name.padEnd(22)} ${kb(p.gzip).padStart(6)} KB`);
  rows.push(`  Shoal's own code: ${kb(own)} KB gzipped (goal ≤ ${GOAL_OWN_KB} KB)`);
  rows.push('');
  rows.push(`shoal/react, page JS without React itself: ${kb(react.gzip)} KB gzipped`);
  rows.push(`  of which the hooks: ${kb(react.gzip - page.gzip)} KB more than the browser entry`);
  rows.push('');
  const files = await readdir(join(ROOT, 'dist/lib'));
  const chunks = (await readdir(join(ROOT, 'dist/lib/chunks'))).filter((f) => f.endsWith('.js'));
  for (const name of ['node', 'server', 'shoal-signaling', 'shoal']) {
    if (!files.includes(`${name}.js`)) continue;
    const text = await readFile(join(ROOT, 'dist/lib', `${name}.js`), 'utf8');
    const imported = chunks.filter((c) => text.includes(`./chunks/${c}`));
    const size = await shippedGzip([`${name}.js`, ...imported.map((c) => `chunks/${c}`)]);
    rows.push(
      `${`shoal ${name}`.padEnd(22)} ${kb(size).padStart(6)} KB gzipped as shipped (Node; dependencies not counted)`,
    );
  }
  console.log(rows.join('\n'));
  if (page.gzip / 1024 > GOAL_PAGE_KB || own / 1024 > GOAL_OWN_KB) {
    console.log('\nOver a goal: see the README ("Size") for which part and what it would take.');
  }
}

await main();
