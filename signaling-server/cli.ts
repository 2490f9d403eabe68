import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BOOTSTRAP_PEERS, DEFAULT_LIMITS, type SignalingLimits } from '../shared/signaling/index';
import { DEFAULT_STATIC_DIR, type StartServerOptions } from './server-options';
import { TOKEN_SECRET_ENV } from './tokens';

export const DEFAULT_CLI_PORT = 8080;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CliConfig {
  readonly server: StartServerOptions;
  readonly logLevel: LogLevel;
}

const integer =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}, got "${value}"`);
    }
    return n;
  };

const positive = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return n;
};

const L = DEFAULT_LIMITS;

/** The command line of `signaling-server/main.ts`; `--help` lists every flag with its default. */
export function buildCli(): Command {
  return new Command('shoal-signaling')
    .description(
      'Shoal signaling server: bootstraps browser tabs into rooms over socket.io, relays their first WebRTC ' +
        'offers/answers, and serves the built demo page, /healthz and /metrics on one port.',
    )
    .addOption(
      new Option('-p, --port <port>', 'TCP port to listen on (0 picks a free one)')
        .env('PORT')
        .default(DEFAULT_CLI_PORT)
        .argParser(integer(0)),
    )
    .addOption(new Option('--host <host>', 'interface to bind').env('HOST').default('0.0.0.0'))
    .addOption(
      new Option('--cors-origin <origins...>', 'browser origins allowed to connect ("*" for any)').default([
        '*',
      ]),
    )
    .addOption(
      new Option(
        '--redis-url <url>',
        'share rooms with other instances through Redis (socket.io Redis adapter)',
      ).env('REDIS_URL'),
    )
    .addOption(
      new Option('--static-dir <dir>', 'directory of the built demo page').default(DEFAULT_STATIC_DIR),
    )
    .addOption(
      new Option('--bootstrap-peers <k>', 'random members a join answers with')
        .default(DEFAULT_BOOTSTRAP_PEERS)
        .argParser(integer(0)),
    )
    .addOption(
      new Option('--max-payload-bytes <n>', 'largest event payload (JSON bytes)')
        .default(L.maxPayloadBytes)
        .argParser(integer(256)),
    )
    .addOption(
      new Option('--max-payload-depth <n>', 'deepest object/array nesting in a payload')
        .default(L.maxPayloadDepth)
        .argParser(integer(2)),
    )
    .addOption(
      new Option('--events-per-second <n>', 'inbound events per socket per second')
        .default(L.events.ratePerSecond)
        .argParser(positive),
    )
    .addOption(
      new Option('--events-burst <n>', 'burst of inbound events per socket')
        .default(L.events.burst)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--joins-per-second <n>', 'joins per socket per second')
        .default(L.joins.ratePerSecond)
        .argParser(positive),
    )
    .addOption(
      new Option('--joins-burst <n>', 'burst of joins per socket')
        .default(L.joins.burst)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--relays-per-second <n>', 'relayed signals per socket per second')
        .default(L.relays.ratePerSecond)
        .argParser(positive),
    )
    .addOption(
      new Option('--relays-burst <n>', 'burst of relayed signals per socket')
        .default(L.relays.burst)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--max-rooms-per-socket <n>', 'rooms one socket may be in')
        .default(L.maxRoomsPerSocket)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--max-members-per-room <n>', 'members of one room')
        .default(L.maxMembersPerRoom)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--max-rooms <n>', 'rooms held by this process').default(L.maxRooms).argParser(integer(1)),
    )
    .addOption(
      new Option('--max-connections <n>', 'open connections held by this process')
        .default(L.maxConnections)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--max-sockets-per-ip <n>', 'open sockets from one client IP (0: no limit)')
        .default(L.maxSocketsPerIp)
        .argParser(integer(0)),
    )
    .addOption(
      new Option(
        '--max-rooms-per-ip <n>',
        'distinct rooms the sockets of one client IP may be in (0: no limit)',
      )
        .default(L.maxRoomsPerIp)
        .argParser(integer(0)),
    )
    .addOption(
      new Option('--idle-socket-timeout-ms <ms>', 'disconnect a socket that has not joined a room by then')
        .default(L.idleSocketTimeoutMs)
        .argParser(integer(10)),
    )
    .addOption(
      new Option('--log-level <level>', 'structured (JSON) log level')
        .env('LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Environment:
  PORT, HOST, REDIS_URL, LOG_LEVEL   defaults for the flags above
  ${TOKEN_SECRET_ENV}                 when set, every room requires a token: an HS256 JWT signed
                                     with this secret, with claims "room" and "exp"; unset, rooms are open

Endpoints:
  GET /            the demo page (dist/client/index.html; assets under /assets)
  GET /healthz     200 {"status":"ok",...}
  GET /metrics     Prometheus text format
  /socket.io/      socket.io (events join, leave, signal; the server sends challenge)`,
    );
}

/** Parses argv (node, script, ...flags) and the environment into server options. Exits on bad flags. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliConfig {
  const program = buildCli();
  program.parse([...argv]);
  const o = program.opts<{
    port: number;
    host: string;
    corsOrigin: string[];
    redisUrl?: string;
    staticDir: string;
    bootstrapPeers: number;
    maxPayloadBytes: number;
    maxPayloadDepth: number;
    eventsPerSecond: number;
    eventsBurst: number;
    joinsPerSecond: number;
    joinsBurst: number;
    relaysPerSecond: number;
    relaysBurst: number;
    maxRoomsPerSocket: number;
    maxMembersPerRoom: number;
    maxRooms: number;
    maxConnections: number;
    maxSocketsPerIp: number;
    maxRoomsPerIp: number;
    idleSocketTimeoutMs: number;
    logLevel: LogLevel;
  }>();
  const limits: SignalingLimits = {
    maxPayloadBytes: o.maxPayloadBytes,
    maxPayloadDepth: o.maxPayloadDepth,
    events: { ratePerSecond: o.eventsPerSecond, burst: o.eventsBurst },
    joins: { ratePerSecond: o.joinsPerSecond, burst: o.joinsBurst },
    relays: { ratePerSecond: o.relaysPerSecond, burst: o.relaysBurst },
    maxRoomsPerSocket: o.maxRoomsPerSocket,
    maxMembersPerRoom: o.maxMembersPerRoom,
    maxRooms: o.maxRooms,
    maxConnections: o.maxConnections,
    maxSocketsPerIp: o.maxSocketsPerIp,
    maxRoomsPerIp: o.maxRoomsPerIp,
    idleSocketTimeoutMs: o.idleSocketTimeoutMs,
  };
  const secret = env[TOKEN_SECRET_ENV];
  return {
    logLevel: o.logLevel,
    server: {
      port: o.port,
      host: o.host,
      corsOrigins: o.corsOrigin,
      staticDir: o.staticDir,
      bootstrapPeers: o.bootstrapPeers,
      limits,
      ...(o.redisUrl !== undefined && o.redisUrl !== '' ? { redisUrl: o.redisUrl } : {}),
      ...(secret !== undefined && secret !== '' ? { tokenSecret: secret } : {}),
    },
  };
}
