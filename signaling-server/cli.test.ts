import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../shared/signaling/index';
import { parseCli } from './cli';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(TSX, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('command line', () => {
  it('--help documents every flag, the token secret and the endpoints', async () => {
    const { code, stdout } = await finish(run(['--help']));
    expect(code).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--cors-origin',
      '--redis-url',
      '--static-dir',
      '--bootstrap-peers',
      '--max-payload-bytes',
      '--max-payload-depth',
      '--events-per-second',
      '--events-burst',
      '--joins-per-second',
      '--joins-burst',
      '--relays-per-second',
      '--relays-burst',
      '--max-rooms-per-socket',
      '--max-members-per-room',
      '--max-rooms',
      '--max-connections',
      '--log-level',
      'SHOAL_TOKEN_SECRET',
      'env: PORT',
      'env: REDIS_URL',
      '/healthz',
      '/metrics',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('maps flags and environment to server options', () => {
    const config = parseCli(
      [
        'node',
        'main.ts',
        '--host',
        '127.0.0.1',
        '--cors-origin',
        'https://a.example',
        'https://b.example',
        '--max-members-per-room',
        '7',
        '--relays-per-second',
        '2.5',
        '--bootstrap-peers',
        '3',
      ],
      { SHOAL_TOKEN_SECRET: 's3cret' },
    );
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      corsOrigins: ['https://a.example', 'https://b.example'],
      bootstrapPeers: 3,
      tokenSecret: 's3cret',
      limits: {
        ...DEFAULT_LIMITS,
        maxMembersPerRoom: 7,
        relays: { ratePerSecond: 2.5, burst: DEFAULT_LIMITS.relays.burst },
      },
    });
    expect(config.server.redisUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('refuses a bad flag value with a clear error and a non-zero exit', async () => {
    const { code, stderr } = await finish(run(['--max-members-per-room', 'lots']));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--max-members-per-room.*expected an integer/);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'starts on PORT from the environment, serves /healthz, and exits 0 on %s',
    async (signal) => {
      const child = run(['--host', '127.0.0.1', '--log-level', 'info'], { PORT: '0' });
      const done = finish(child);
      const lines = createInterface({ input: child.stdout! });
      const url = await new Promise<string>((resolve) => {
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url !== undefined) resolve(entry.url);
        });
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
      child.kill(signal);
      const { code, stdout } = await done;
      expect(code).toBe(0);
      expect(stdout).toContain('"msg":"closed"');
    },
  );
});
