import * as z from 'zod/mini';
import type { Logger } from '../../shared/host/index';
import { MAX_TOKEN_LENGTH, ROOM_NAME_PATTERN } from '../../shared/signaling/limits';
import type { Config } from '../../shared/swim/index';
import { browser as browserPreset, MIN_PACKET_SIZE, validateConfig } from '../../shared/swim/index';
import { MAX_FRAME_PAYLOAD_BYTES } from '../mesh/limits';
import type { KeyValueStorage } from '../runtime/identity-store';
import type { TokenSource } from '../runtime/signaling-client';
import { encodeMetadataJson, type Metadata, MetadataError } from './metadata';
import { type ResolvedRoomLimits, type RoomLimits, resolveRoomLimits, roomLimitsSchema } from './room-limits';

/** Options that can't work. Thrown by `joinRoom` before anything is created; the message lists every problem. */
export class RoomOptionsError extends Error {
  static readonly NAME = 'RoomOptionsError';
  override readonly name = RoomOptionsError.NAME;
}

/** What `joinRoom` takes. */
export interface JoinRoomOptions<M extends Metadata = Metadata> {
  /**
   * The signaling server's URL (`http(s)://` or `ws(s)://`), or several servers' URLs (instances that
   * share rooms through Redis): the room uses the first and, when it cannot reach the one it uses,
   * moves on to the next.
   */
  readonly signaling: string | readonly string[];
  /** The room name: 1–64 characters of `A-Z a-z 0-9 _ . -`. */
  readonly room: string;
  /** This member's initial metadata: a JSON object of at most 512 bytes. Default `{}`. */
  readonly metadata?: M;
  /**
   * A room token, when the server requires one: a string, or a function returning a fresh one (sync or
   * async), called before every (re)join. When the server refuses a token as `unauthorized`, the
   * function is called once more; a second refusal ends the room (`status` `lost`, an `error` event
   * with a `JoinRefusedError`).
   */
  readonly token?: TokenSource;
  /**
   * This member's Ed25519 secret key (32 bytes), when the app keeps keys itself (Node: in memory or in a
   * key file). Default: a key kept in `storage` per room, or a fresh one. The member's id is its hash.
   */
  readonly key?: Uint8Array;
  /** STUN/TURN servers. Default none (works on a LAN and on loopback). */
  readonly iceServers?: readonly RTCIceServer[];
  /** `'relay'` uses TURN only (hides addresses, proves the relay); default `'all'`. Passed to RTCPeerConnection. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
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
  /**
   * Tabs of this browser meet over BroadcastChannel, without the server and without WebRTC between
   * them. Default: on in browsers, off in Node. Turn it off to measure WebRTC between tabs of one browser.
   */
  readonly sameBrowser?: boolean;
  /** What one peer can make this member hold or handle (see `RoomLimits`); each field has a default. */
  readonly limits?: RoomLimits;
  /**
   * Sign our statements (alive, leave, rename, suspicions, metadata) and take others' only when
   * signed by their owner or, for a suspicion, by a member that watches the accused (DESIGN.md §9,
   * PROTOCOL.md 1.3). Every member of a room must agree. Default false (protocol 1.2) for now: a
   * 14-member room on 6 links forms as fast signed (median 16.9 s against 18.6), but 40 members joining
   * ten at a time on 12 links (client/api/large-room.test.ts) formed with metadata in 33.5 s instead of
   * 17.5 on one seed and not within 60 s on another (1219924662; 12.0 s unsigned).
   */
  readonly signedStatements?: boolean;
  /**
   * Anti-entropy (PROTOCOL.md 1.5): now and then compare a digest of the view with a random member
   * and pull only the difference, so a join or a Down that gossip missed is repaired. Default true.
   */
  readonly antiEntropy?: boolean;
}

// zod/mini ships no messages: load the English ones so errors say what is wrong.
z.config(z.locales.en());

const positive = () => z.number().check(z.positive());
const intAtLeast = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));

const periodicSchema = z.optional(
  z.nullable(z.strictObject({ frequencyMs: positive(), numMembers: intAtLeast(1) })),
);

const configSchema = z.partial(
  z.strictObject({
    probePeriodMs: positive(),
    probeRttMs: positive(),
    indirectWaitMs: positive(),
    numIndirectProbes: intAtLeast(1),
    maxTransmissions: intAtLeast(1, 255),
    suspectToDownAfterMs: positive(),
    removeDownAfterMs: positive(),
    // A packet travels in one data-channel frame; the core's own range is wider (any transport).
    maxPacketSize: intAtLeast(MIN_PACKET_SIZE, MAX_FRAME_PAYLOAD_BYTES),
    notifyDownMembers: z.boolean(),
    periodicAnnounce: periodicSchema,
    periodicAnnounceToDownMembers: periodicSchema,
    periodicGossip: periodicSchema,
  }),
);

const nonEmpty = () => z.string().check(z.minLength(1));

const iceServerSchema = z.looseObject({
  urls: z.union([nonEmpty(), z.array(nonEmpty()).check(z.minLength(1))]),
  username: z.optional(z.string()),
  credential: z.optional(z.string()),
});

const loggerSchema = z.custom<Logger>(
  (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    ['debug', 'info', 'warn', 'error'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function'),
  'logger must have debug, info, warn and error functions',
);

const storageSchema = z.custom<KeyValueStorage>(
  (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as KeyValueStorage).getItem === 'function' &&
    typeof (v as KeyValueStorage).setItem === 'function',
  'storage must have getItem and setItem',
);

const signalingUrlSchema = z.string().check(
  z.refine((s) => {
    try {
      return ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, 'signaling must be an http(s):// or ws(s):// URL'),
);

// The same rules as the server's schemas (shared/signaling), with zod/mini: a fraction of the bundle.
const roomNameSchema = z
  .string()
  .check(z.regex(ROOM_NAME_PATTERN, 'room must be 1-64 characters of A-Z a-z 0-9 _ . -'));
const tokenSchema = z.union([
  z.string().check(z.minLength(1), z.maxLength(MAX_TOKEN_LENGTH)),
  z.custom<() => string | Promise<string>>(
    (v: unknown) => typeof v === 'function',
    'token must be a string or a function',
  ),
]);
const keySchema = z.custom<Uint8Array>(
  (v: unknown) => v instanceof Uint8Array && v.length === 32,
  'key must be a 32-byte Uint8Array (an Ed25519 secret key)',
);

const optionsSchema = z.strictObject({
  signaling: z.union([signalingUrlSchema, z.array(signalingUrlSchema).check(z.minLength(1))]),
  room: roomNameSchema,
  metadata: z.optional(z.unknown()),
  token: z.optional(tokenSchema),
  key: z.optional(keySchema),
  iceServers: z.optional(z.array(iceServerSchema)),
  iceTransportPolicy: z.optional(z.enum(['all', 'relay'])),
  config: z.optional(configSchema),
  expectedSize: z.optional(intAtLeast(1, 100_000)),
  maxConnections: z.optional(intAtLeast(1, 500)),
  logger: z.optional(loggerSchema),
  storage: z.optional(z.union([storageSchema, z.null()])),
  sameBrowser: z.optional(z.boolean()),
  limits: z.optional(roomLimitsSchema),
  signedStatements: z.optional(z.boolean()),
  antiEntropy: z.optional(z.boolean()),
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<M extends Metadata> {
  readonly signaling: string | readonly string[];
  readonly room: string;
  readonly metadata: M;
  readonly token: TokenSource | undefined;
  readonly key: Uint8Array | undefined;
  readonly iceServers: readonly RTCIceServer[];
  readonly iceTransportPolicy: RTCIceTransportPolicy | undefined;
  readonly config: Config;
  readonly maxConnections: number | undefined;
  readonly logger: Logger | undefined;
  /** `null`: keep nothing; `undefined`: the platform default. */
  readonly storage: KeyValueStorage | null | undefined;
  /** `undefined`: the environment's default. */
  readonly sameBrowser: boolean | undefined;
  readonly limits: ResolvedRoomLimits;
  readonly signedStatements: boolean;
  readonly antiEntropy: boolean;
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
    key: o.key,
    iceServers: (o.iceServers ?? []) as RTCIceServer[],
    iceTransportPolicy: o.iceTransportPolicy,
    config,
    maxConnections: o.maxConnections,
    logger: o.logger,
    storage: o.storage,
    sameBrowser: o.sameBrowser,
    limits: resolveRoomLimits(o.limits),
    signedStatements: o.signedStatements ?? false,
    antiEntropy: o.antiEntropy ?? true,
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
