/**
 * The processes and servers the benchmark starts, and the one place that stops them all: on normal
 * exit, on error, and on SIGINT/SIGTERM. Everything binds 127.0.0.1 on a port the OS picked as free.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let cleaning: Promise<void> | null = null;

/** Registers work to undo at exit; returns a function that runs it now and unregisters it. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  cleanups.add(fn);
  return async () => {
    if (cleanups.delete(fn)) await fn();
  };
}

/** Runs every registered cleanup once (latest first), each bounded to a few seconds. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of [...cleanups].reverse()) {
      cleanups.delete(fn);
      await Promise.race([fn().catch(() => {}), sleep(5_000)]);
    }
  })();
  return cleaning;
}

/**
 * Exits through `cleanupAll` on signals and on errors nobody caught. Listeners stay installed: a second
 * Ctrl-C (or a relayed copy of the first) must not kill the process halfway through its cleanup.
 */
export function installExitHandlers(): void {
  let bailing = false;
  const bail = (code: number, why: string) => {
    if (bailing) return;
    bailing = true;
    process.stderr.write(`\nbench: ${why}; cleaning up\n`);
    void cleanupAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => bail(130, 'SIGINT'));
  process.on('SIGTERM', () => bail(143, 'SIGTERM'));
  process.on('uncaughtException', (e) => bail(1, `uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => bail(1, `unhandled rejection: ${(e as Error)?.stack ?? e}`));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; we release it for the child). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => (port ? res(port) : rej(new Error('no port'))));
    });
  });
}

/**
 * Starts a child (one process: run TypeScript with `node --import tsx`, not the tsx CLI, which forks),
 * keeps its output for error messages, and stops it at cleanup: SIGTERM, then SIGKILL after 3 s.
 */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill('SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
    if (!done) {
      try {
        child.kill('SIGKILL');
      } catch {}
    }
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null) out += `\n[${name} exited with ${code ?? signal}]`;
  });
  return { child, output: () => out, stop };
}

/** Polls `url` until it answers 200 (or throws with the process's output after `timeoutMs`). */
export async function waitForHttp(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeoutMs} ms:\n${output()}`);
    await sleep(100);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** Serves the built bench pages from `dir` on 127.0.0.1 (a free port); returns its base URL. */
export async function serveStatic(dir: string): Promise<string> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    try {
      if (!path.startsWith(root) || !statSync(path).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  server.unref();
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('static server has no address');
  return `http://127.0.0.1:${addr.port}`;
}

/** Starts the project's signaling server on a free port, serving `staticDir`; returns its URL. */
export async function startShoalSignaling(staticDir: string): Promise<string> {
  const port = await freePort();
  const p = startProcess('shoal signaling', process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'signaling-server/main.ts'),
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--log-level',
    'warn',
    '--static-dir',
    staticDir,
  ]);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000, p.output);
  return `http://127.0.0.1:${port}`;
}
