/**
 * `npm run bench:signaling [-- --json] [-- --clients 1000,5000]`: holds N concurrent websocket
 * clients on one server process (a child, so its RSS is the server's own), joins them into rooms,
 * relays signals between random pairs, and prints one table row per N. Bounded: fixed counts and a
 * deadline, then it stops by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/signaling/index';
import { startRedis } from '../redis-process';
import { addr, join, seededRandom, trackChallenge } from '../test-support';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Row {
  mode: string;
  clients: number;
  roomSize: number;
  connectSeconds: number;
  joinsPerSecond: number;
  joinP50Ms: number;
  joinP99Ms: number;
  relays: number;
  relayP50Ms: number;
  relayP99Ms: number;
  serverRssMiB: number;
  rssPerConnectionKiB: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const list = (value: string): number[] =>
  value.split(',').map((part) => {
    const n = Number(part);
    if (!Number.isSafeInteger(n) || n < 2) throw new InvalidArgumentError(`not a client count: ${part}`);
    return n;
  });
const int = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
};

const program = new Command('bench:signaling')
  .option('--json', 'print JSON rows instead of a table')
  .option('--clients <list>', 'concurrent client counts, one row each', list, [1000, 5000])
  .option('--room-size <n>', 'members per room', int, 50)
  .option('--concurrency <n>', 'connects/joins in flight at once', int, 16)
  .option('--relays <n>', 'signals relayed per row', int, 2000)
  .option('--warmup <n>', 'clients that join, relay and leave before measuring (JIT warm-up)', int, 200)
  .option('--seed <n>', 'seed for picking relay pairs', int, 7)
  .option('--redis', 'also run each row on 2 instances sharing rooms through a redis-server it starts')
  .option('--deadline <seconds>', 'abort a row that takes longer', int, 180)
  .parse();
const opts = program.opts<{
  json?: boolean;
  clients: number[];
  roomSize: number;
  concurrency: number;
  relays: number;
  seed: number;
  deadline: number;
  redis?: boolean;
  warmup: number;
}>();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Every server child, so that a failed or timed-out row does not leave one running. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

interface Instance {
  child: ChildProcess;
  url: string;
}

async function spawnServer(clients: number, redisUrl?: string): Promise<Instance> {
  const child = spawn(
    TSX,
    [
      'signaling-server/main.ts',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--log-level',
      'info',
      // Every bench client comes from this one machine.
      '--max-sockets-per-ip',
      '0',
      // Connecting thousands of clients takes longer than a joiner may idle.
      '--idle-socket-timeout-ms',
      '3600000',
      '--max-connections',
      String(clients + 100),
      '--static-dir',
      '/nonexistent',
      ...(redisUrl !== undefined ? ['--redis-url', redisUrl] : []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url !== undefined) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
  });
  return { child, url };
}

async function serverRssBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '));
  if (line === undefined) throw new Error('no RSS in /metrics');
  return Number(line.split(' ')[1]);
}

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(workers);
}

function connectOne(url: string): Promise<Client> {
  const client: Client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 20_000,
  });
  trackChallenge(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', reject);
  });
}

async function totalRss(instances: Instance[]): Promise<number> {
  let sum = 0;
  for (const instance of instances) sum += await serverRssBytes(instance.url);
  return sum;
}

/** Runs the join and relay paths a while so that the measured row sees optimized code, not the JIT. */
async function warmUp(instances: Instance[]): Promise<void> {
  const warm: Client[] = [];
  await pool(opts.warmup, opts.concurrency, async (i) => {
    const client = await connectOne(instances[i % instances.length]!.url);
    warm[i] = client;
    await join(client, `warmup-${i % 10}`, addr(0xffff0000 + i));
  });
  await pool(opts.warmup, opts.concurrency, async (i) => {
    // i and i + 10 share a room; the ack may say unknown-peer once that one left, which is fine here.
    const to = addr(0xffff0000 + ((i + 10) % opts.warmup));
    await warm[i]!.emitWithAck('signal', { room: `warmup-${i % 10}`, to, sessionId: 'w', data: 0 });
    await warm[i]!.emitWithAck('leave', { room: `warmup-${i % 10}` });
  });
  for (const client of warm) client.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function benchRow(n: number, redisUrl: string | undefined): Promise<Row> {
  const count = redisUrl === undefined ? 1 : 2;
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) instances.push(await spawnServer(n, redisUrl));
  const clients: Client[] = [];
  try {
    await warmUp(instances);
    const rssBefore = await totalRss(instances);
    const connectStart = performance.now();
    await pool(n, opts.concurrency * 4, async (i) => {
      clients[i] = await connectOne(instances[i % count]!.url);
    });
    const connectSeconds = (performance.now() - connectStart) / 1000;

    const joinLatencies: number[] = [];
    const joinStart = performance.now();
    await pool(n, opts.concurrency, async (i) => {
      const t0 = performance.now();
      const result = await join(clients[i]!, `bench-${Math.floor(i / opts.roomSize)}`, addr(i + 1));
      joinLatencies.push(performance.now() - t0);
      if (!result.ok) throw new Error(`join ${i} refused: ${result.reason} ${result.message}`);
    });
    const joinSeconds = (performance.now() - joinStart) / 1000;

    let held = 0;
    let members = 0;
    for (const instance of instances) {
      const health = (await (await fetch(`${instance.url}/healthz`)).json()) as {
        connections: number;
        members: number;
      };
      held += health.connections;
      members += health.members;
    }
    if (held !== n || members !== n) {
      throw new Error(`servers hold ${held} connections / ${members} members, expected ${n}`);
    }

    const random = seededRandom(opts.seed);
    const sentAt = new Map<string, number>();
    const relayLatencies: number[] = [];
    const waiting = new Map<string, () => void>();
    for (const client of clients) {
      client.on('signal', ({ sessionId }) => {
        const t0 = sentAt.get(sessionId);
        if (t0 !== undefined) relayLatencies.push(performance.now() - t0);
        waiting.get(sessionId)?.();
      });
    }
    await pool(opts.relays, opts.concurrency, async (k) => {
      const from = Math.floor(random() * n);
      const roomStart = Math.floor(from / opts.roomSize) * opts.roomSize;
      const roomLen = Math.min(opts.roomSize, n - roomStart);
      let to = roomStart + Math.floor(random() * roomLen);
      if (to === from) to = roomStart + ((to - roomStart + 1) % roomLen);
      const sessionId = `r${k}`;
      const delivered = new Promise<void>((resolve) => waiting.set(sessionId, resolve));
      sentAt.set(sessionId, performance.now());
      const ack = await clients[from]!.emitWithAck('signal', {
        room: `bench-${Math.floor(from / opts.roomSize)}`,
        to: addr(to + 1),
        sessionId,
        data: {
          type: 'candidate',
          candidate: {
            candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
            sdpMid: '0',
            sdpMLineIndex: 0,
          },
        },
      });
      if (!ack.ok) throw new Error(`relay ${k} refused: ${ack.reason}`);
      await delivered;
      waiting.delete(sessionId);
    });

    const rssAfter = await totalRss(instances);
    joinLatencies.sort((a, b) => a - b);
    relayLatencies.sort((a, b) => a - b);
    return {
      mode: count === 1 ? '1 process' : `${count} instances + Redis`,
      clients: n,
      roomSize: opts.roomSize,
      connectSeconds: round(connectSeconds, 2),
      joinsPerSecond: Math.round(n / joinSeconds),
      joinP50Ms: round(percentile(joinLatencies, 50), 2),
      joinP99Ms: round(percentile(joinLatencies, 99), 2),
      relays: relayLatencies.length,
      relayP50Ms: round(percentile(relayLatencies, 50), 2),
      relayP99Ms: round(percentile(relayLatencies, 99), 2),
      serverRssMiB: round(rssAfter / 2 ** 20, 1),
      rssPerConnectionKiB: round((rssAfter - rssBefore) / n / 1024, 1),
    };
  } finally {
    for (const client of clients) client?.close();
    for (const { child } of instances) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function withDeadline<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`row took longer than ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const rows: Row[] = [];
const redis = opts.redis ? await startRedis() : undefined;
try {
  for (const redisUrl of redis === undefined ? [undefined] : [undefined, redis.url]) {
    for (const n of opts.clients) {
      const row = await withDeadline(benchRow(n, redisUrl), opts.deadline);
      rows.push(row);
      if (opts.json) console.log(JSON.stringify(row));
    }
  }
} finally {
  await redis?.stop();
}
if (!opts.json) {
  console.log(
    `signaling bench: websocket clients, rooms of ${opts.roomSize}, ${opts.concurrency} joins/relays in flight, ${opts.warmup} warm-up clients, seed ${opts.seed}`,
  );
  console.log(
    '| server | clients held | connect s | joins/s | join p50 ms | join p99 ms | relays | relay p50 ms | relay p99 ms | server RSS MiB | RSS/conn KiB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.clients.toLocaleString('en-US')} | ${r.connectSeconds} | ${r.joinsPerSecond} | ${r.joinP50Ms} | ${r.joinP99Ms} | ${r.relays} | ${r.relayP50Ms} | ${r.relayP99Ms} | ${r.serverRssMiB} | ${r.rssPerConnectionKiB} |`,
    );
  }
}
process.exit(0);
