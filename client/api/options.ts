import { z } from 'zod';
import { roomNameSchema, tokenSchema } from '../../shared/signaling/schemas';
import type { Config } from '../../shared/swim/config';
import { validateConfig } from '../../shared/swim/config';
import type { KeyValueStorage } from '../runtime/identity-store';
import type { Logger } from '../runtime/logger';
import { browserPreset } from '../runtime/preset';
import { encodeMetadataJson, type Metadata, MetadataError } from './metadata';

/** Options that can't work. Thrown by `joinRoom` before anything is created; the message lists every problem. */
export class RoomOptionsError extends Error {
  static readonly NAME = 'RoomOptionsError';
  override readonly name = RoomOptionsError.NAME;
}

/** What `joinRoom` takes. */
export interface JoinRoomOptions<M extends Metadata = Metadata> {
  /** The signaling server's URL (`http(s)://` or `ws(s)://`). */
  readonly signaling: string;
  /** The room name: 1–64 characters of `A-Z a-z 0-9 _ . -`. */
  readonly room: string;
  /** This member's initial metadata: a JSON object of at most 512 bytes. Default `{}`. */
  readonly metadata?: M;
  /** A room token, when the server requires one. */
  readonly token?: string;
  /** STUN/TURN servers. Default none (works on a LAN and on loopback). */
  readonly iceServers?: readonly RTCIceServer[];
  /** Protocol settings over the browser preset for `expectedSize` members; `null` turns a periodic task off. */
  readonly config?: { readonly [K in keyof Config]?: Config[K] | null };
  /** How many members the room is tuned for (`browserPreset(n)`). Default 16. */
  readonly expectedSize?: number;
  /** Most WebRTC links this member holds. Default 32. */
  readonly maxConnections?: number;
  /** Where log lines go. Default: nowhere. */
  readonly logger?: Logger;
  /** Where the address is kept across reloads. Default: sessionStorage (none in Node); `null` for none. */
  readonly storage?: KeyValueStorage | null;
}

const periodicSchema = z
  .strictObject({
    frequencyMs: z.number().positive(),
    numMembers: z.number().int().min(1),
  })
  .nullable()
  .optional();

const configSchema = z
  .strictObject({
    probePeriodMs: z.number().positive(),
    probeRttMs: z.number().positive(),
    numIndirectProbes: z.number().int().min(1),
    maxTransmissions: z.number().int().min(1).max(255),
    suspectToDownAfterMs: z.number().positive(),
    removeDownAfterMs: z.number().positive(),
    maxPacketSize: z
      .number()
      .int()
      .min(64)
      .max(16 * 1024),
    notifyDownMembers: z.boolean(),
    periodicAnnounce: periodicSchema,
    periodicAnnounceToDownMembers: periodicSchema,
    periodicGossip: periodicSchema,
  })
  .partial();

const iceServerSchema = z.looseObject({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

const loggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['debug', 'info', 'warn', 'error'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function'),
  'logger must have debug, info, warn and error functions',
);

const storageSchema = z.custom<KeyValueStorage>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as KeyValueStorage).getItem === 'function' &&
    typeof (v as KeyValueStorage).setItem === 'function',
  'storage must have getItem and setItem',
);

const signalingUrlSchema = z.string().refine((s) => {
  try {
    return ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, 'signaling must be an http(s):// or ws(s):// URL');

const optionsSchema = z.strictObject({
  signaling: signalingUrlSchema,
  room: roomNameSchema,
  metadata: z.unknown().optional(),
  token: tokenSchema.optional(),
  iceServers: z.array(iceServerSchema).optional(),
  config: configSchema.optional(),
  expectedSize: z.number().int().min(1).max(100_000).optional(),
  maxConnections: z.number().int().min(1).max(500).optional(),
  logger: loggerSchema.optional(),
  storage: z.union([storageSchema, z.null()]).optional(),
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<M extends Metadata> {
  readonly signaling: string;
  readonly room: string;
  readonly metadata: M;
  readonly token: string | undefined;
  readonly iceServers: readonly RTCIceServer[];
  readonly config: Config;
  readonly maxConnections: number | undefined;
  readonly logger: Logger | undefined;
  /** `null`: keep nothing; `undefined`: the platform default. */
  readonly storage: KeyValueStorage | null | undefined;
}

/**
 * Validates `joinRoom`'s options and fills in defaults. Throws `RoomOptionsError` listing every bad
 * field (an unknown field included, so a typo doesn't pass silently). Changes nothing.
 */
export function resolveOptions<M extends Metadata>(options: unknown): ResolvedOptions<M> {
  if (typeof options !== 'object' || options === null) {
    throw new RoomOptionsError('joinRoom needs an options object: { signaling, room, metadata? }');
  }
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new RoomOptionsError(`invalid joinRoom options:\n${z.prettifyError(parsed.error)}`);
  }
  const o = parsed.data;
  const metadata = (o.metadata ?? {}) as M;
  try {
    encodeMetadataJson(metadata);
  } catch (e) {
    throw new RoomOptionsError(
      `invalid joinRoom options: ${e instanceof MetadataError ? e.message : String(e)}`,
    );
  }
  const config: Config = { ...browserPreset(o.expectedSize ?? 16), ...stripUndefined(o.config ?? {}) };
  try {
    validateConfig(config);
  } catch (e) {
    throw new RoomOptionsError(
      `invalid joinRoom options: config: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    signaling: o.signaling,
    room: o.room,
    metadata,
    token: o.token,
    iceServers: (o.iceServers ?? []) as RTCIceServer[],
    config,
    maxConnections: o.maxConnections,
    logger: o.logger,
    storage: o.storage,
  };
}

/** Drops absent fields; `null` (a periodic task turned off) becomes the core's `undefined`. */
function stripUndefined(o: object): Partial<Config> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null) out[k] = undefined;
    else if (v !== undefined) out[k] = v;
  }
  return out as Partial<Config>;
}
