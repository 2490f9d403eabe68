/**
 * The package as an app gets it: `npm pack` (which builds it), a fresh app in a temporary folder
 * with the examples copied in, `npm install` of the tarball (through the npm cache, so a warm CI
 * machine downloads nothing), a typecheck against the packed `.d.ts`, and one Vite build.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackedApp {
  /** The app's folder: node_modules/shoal is the tarball, dist/ the built examples. */
  readonly dir: string;
  readonly tarball: string;
  remove(): Promise<void>;
}

async function npm(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export async function packAndInstall(): Promise<PackedApp> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-app-'));
  // The build's own output would spoil `--json`: build first, then pack without the prepack script.
  await npm(ROOT, 'run', 'build:package');
  const packed = JSON.parse(
    await npm(ROOT, 'pack', '--json', '--ignore-scripts', '--pack-destination', dir),
  ) as Array<{
    filename: string;
  }>;
  const tarball = join(dir, packed[0]!.filename);
  const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const app = join(dir, 'app');
  await cp(join(ROOT, 'examples'), app, { recursive: true });
  const version = (name: string) => own.devDependencies[name]!;
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'shoal-example-app',
      private: true,
      type: 'module',
      dependencies: {
        shoal: `file:${tarball}`,
        react: version('react'),
        'react-dom': version('react-dom'),
        '@roamhq/wrtc': version('@roamhq/wrtc'),
      },
      devDependencies: {
        vite: version('vite'),
        typescript: version('typescript'),
        '@types/react': version('@types/react'),
        '@types/react-dom': version('@types/react-dom'),
      },
    }),
  );
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        module: 'preserve',
        moduleResolution: 'bundler',
        jsx: 'react-jsx',
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
      },
      include: ['cursors', 'react-presence'],
    }),
  );
  await npm(app, 'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error');
  await run(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: app });
  // React's development build: StrictMode's double mount happens only there, and the test needs it.
  await run(join(app, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
    cwd: app,
    env: { ...process.env, NODE_ENV: 'development' },
  });
  return { dir: app, tarball, remove: () => rm(dir, { recursive: true, force: true }) };
}
