/**
 * The signaling server as the e2e tests see it: a child process (signaling-server/main.ts), never
 * imported. It serves the built pages (dist/client) too, so a restarted server on the same port is
 * the same URL for tabs that were already open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The server's command as one process: Node with tsx's loader. (The `tsx` CLI runs the script in a
 * child of its own, which a SIGKILL of the CLI leaves running.)
 */
export const SERVER_COMMAND: readonly string[] = [
  process.execPath,
  '--import',
  'tsx',
  'signaling-server/main.ts',
];

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

  /** `command`: the server's argv before `--port`; by default the source through tsx's loader. */
  constructor(
    readonly port: number,
    private readonly command: readonly string[] = SERVER_COMMAND,
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
    // Generous: tsx compiles the server on start, and a loaded 2-core machine took over 30 s once.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {}
      if (child.exitCode !== null) throw new Error(`signaling server exited:\n${this.output}`);
      if (Date.now() > deadline) {
        // A server that never answered must not outlive the test (one was still running hours later).
        child.kill('SIGKILL');
        throw new Error(`signaling server did not start:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Kills the server with SIGKILL (no shutdown of its sockets: the kernel closes them) and waits for
   * it to exit. Only a real kill when the command is one process (see `SERVER_COMMAND`).
   */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  /** The server's process id (for its RSS), while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many room memberships the server holds (its /metrics gauge, all rooms together). */
  async roomMembers(): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('shoal_signaling_room_members '));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
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

/** Starts a server on a free port; `extraArgs` go to its command line (e.g. `--redis-url`). */
export async function startSignaling(extraArgs: readonly string[] = []): Promise<SignalingProcess> {
  const server = new SignalingProcess(await freePort(), [...SERVER_COMMAND, ...extraArgs]);
  await server.start();
  return server;
}
