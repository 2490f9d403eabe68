/**
 * The signaling server as the e2e tests see it: a child process (`tsx signaling-server/main.ts`), never
 * imported. It serves the built pages (dist/client) too, so a restarted server on the same port is
 * the same URL for tabs that were already open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** A free TCP port on loopback (bound then released; the server takes it right after). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class SignalingProcess {
  private child: ChildProcess | undefined;
  private output = '';

  /** `command`: the server's argv before `--port`; by default the source through tsx. */
  constructor(
    readonly port: number,
    private readonly command: readonly string[] = [TSX, 'signaling-server/main.ts'],
    private readonly cwd: string = ROOT,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until /healthz answers. */
  async start(): Promise<void> {
    const [bin, ...args] = this.command;
    const child = spawn(bin!, [...args, '--port', String(this.port), '--host', '127.0.0.1'], {
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {}
      if (child.exitCode !== null) throw new Error(`signaling server exited:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`signaling server did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts a server on a free port. */
export async function startSignaling(): Promise<SignalingProcess> {
  const server = new SignalingProcess(await freePort());
  await server.start();
  return server;
}
