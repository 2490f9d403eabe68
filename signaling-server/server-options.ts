import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEFAULT_BOOTSTRAP_PEERS, DEFAULT_LIMITS, type SignalingLimits } from '../shared/signaling/index';
import type { Clock } from './token-bucket';
import type { RoomAuthorizer } from './tokens';

/** Options of `startServer`. Every field is optional; the defaults suit the demo on one machine. */
export interface StartServerOptions {
  /** TCP port; 0 (the default) picks a free one, reported by the running server. */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Origins allowed to connect from a browser; default any (`['*']`). */
  readonly corsOrigins?: readonly string[];
  /** Overrides of the named limits; the rest keep `DEFAULT_LIMITS`. */
  readonly limits?: Partial<SignalingLimits>;
  /** K: random members a join answers with. Default 4. */
  readonly bootstrapPeers?: number;
  /** HMAC secret for room tokens. Without it (and without `authorize`) rooms are open. */
  readonly tokenSecret?: string;
  /** Replaces the token check: decide per room and token. */
  readonly authorize?: RoomAuthorizer;
  /** Share rooms with other instances through socket.io's Redis adapter. */
  readonly redisUrl?: string;
  /** The built demo page; default dist/client at the repository root. */
  readonly staticDir?: string;
  /** Structured log sink; default silent. */
  readonly logger?: Logger;
  /** Source of randomness for picking bootstrap peers; default Math.random. */
  readonly random?: () => number;
  /** Milliseconds clock for rate limits; default performance.now. */
  readonly clock?: Clock;
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist/client', import.meta.url));

const rateLimitSchema = z.strictObject({
  ratePerSecond: z.number().positive().finite(),
  burst: z.number().int().min(1),
});

const count = z.number().int().min(1);

export const limitsSchema = z.strictObject({
  maxPayloadBytes: z
    .number()
    .int()
    .min(256)
    .max(64 * 1024 * 1024),
  maxPayloadDepth: z.number().int().min(2).max(64),
  events: rateLimitSchema,
  joins: rateLimitSchema,
  relays: rateLimitSchema,
  maxRoomsPerSocket: count,
  maxMembersPerRoom: count,
  maxRooms: count,
  maxConnections: count,
  maxSocketsPerIp: z.number().int().min(0),
  maxRoomsPerIp: z.number().int().min(0),
  idleSocketTimeoutMs: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600 * 1000),
});

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  corsOrigins: z.array(z.string().min(1)).min(1).default(['*']),
  bootstrapPeers: z.number().int().min(0).max(64).default(DEFAULT_BOOTSTRAP_PEERS),
  tokenSecret: z.string().min(1).optional(),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'redisUrl must start with redis:// or rediss://')
    .optional(),
  staticDir: z.string().min(1).default(DEFAULT_STATIC_DIR),
});

export type ResolvedOptions = z.infer<typeof optionsSchema> & { readonly limits: SignalingLimits };

/** Fills in defaults and validates; throws an Error naming every bad option. */
export function resolveOptions(options: StartServerOptions): ResolvedOptions {
  const {
    limits,
    logger: _logger,
    random: _random,
    clock: _clock,
    authorize: _authorize,
    ...plain
  } = options;
  const parsed = optionsSchema.safeParse(plain);
  const mergedLimits = limitsSchema.safeParse({ ...DEFAULT_LIMITS, ...limits });
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...(mergedLimits.success
      ? []
      : mergedLimits.error.issues.map((i) => ({ ...i, path: ['limits', ...i.path] }))),
  ];
  if (!parsed.success || !mergedLimits.success) {
    const lines = issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new Error(`invalid signaling server options: ${lines.join('; ')}`);
  }
  return { ...parsed.data, limits: mergedLimits.data };
}
