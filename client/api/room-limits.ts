import * as z from 'zod/mini';
import { DEFAULT_BOUNDS, type SwimBounds } from '../../shared/swim/index';
import { DEFAULT_APP_INBOX_LIMITS } from './app-inbox';
import { DEFAULT_MAX_PENDING_METADATA } from './metadata';

/**
 * What one peer can make this member hold or handle (DESIGN.md §9), as `joinRoom`'s `limits`. Every
 * bound has a default well above an honest room's needs; what a bound turned away is counted in
 * `room.stats().bounds`.
 */
export interface RoomLimits {
  /** Most members held, Down ones included (gossip-only ones are refused first). Default 4,096. */
  readonly maxMembers?: number;
  /** Most metadata items queued for dissemination (and, apart, retained for repair). Default 1,024. */
  readonly maxMetadataItems?: number;
  /** Most bytes of metadata items queued (and, apart, retained). Default 512 KiB. */
  readonly maxMetadataBytes?: number;
  /** Metadata items kept for members not held yet (a join may trail its metadata). Default 256. */
  readonly maxPendingMetadata?: number;
  /** App messages taken per second from one link, on average. Default 100. */
  readonly messagesPerSecond?: number;
  /** App messages one link may send at once above that rate. Default 200. */
  readonly messageBurst?: number;
  /** Largest app message taken, in framed bytes. Default 16,373 (a whole data-channel frame). */
  readonly maxMessageBytes?: number;
}

export type ResolvedRoomLimits = Required<RoomLimits>;

export const DEFAULT_ROOM_LIMITS: ResolvedRoomLimits = {
  maxMembers: DEFAULT_BOUNDS.maxMembers,
  maxMetadataItems: DEFAULT_BOUNDS.maxCustomBroadcasts,
  maxMetadataBytes: DEFAULT_BOUNDS.maxCustomBroadcastBytes,
  maxPendingMetadata: DEFAULT_MAX_PENDING_METADATA,
  messagesPerSecond: DEFAULT_APP_INBOX_LIMITS.messagesPerSecond,
  messageBurst: DEFAULT_APP_INBOX_LIMITS.messageBurst,
  maxMessageBytes: DEFAULT_APP_INBOX_LIMITS.maxMessageBytes,
};

const count = () => z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER));

/** `limits` in `joinRoom`'s options schema: every field a positive integer (rates may be fractional). */
export const roomLimitsSchema = z.strictObject({
  maxMembers: z.optional(count()),
  maxMetadataItems: z.optional(count()),
  maxMetadataBytes: z.optional(count()),
  maxPendingMetadata: z.optional(count()),
  messagesPerSecond: z.optional(z.number().check(z.positive())),
  messageBurst: z.optional(count()),
  maxMessageBytes: z.optional(count()),
});

/** The defaults with `given` on top (already validated by the schema). */
export function resolveRoomLimits(
  given: { readonly [K in keyof RoomLimits]?: number | undefined } | undefined,
): ResolvedRoomLimits {
  const out: Record<string, number> = { ...DEFAULT_ROOM_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) out[k] = v;
  return out as unknown as ResolvedRoomLimits;
}

/** The core's share of the limits. */
export function swimBounds(limits: ResolvedRoomLimits): SwimBounds {
  return {
    maxMembers: limits.maxMembers,
    maxCustomBroadcasts: limits.maxMetadataItems,
    maxCustomBroadcastBytes: limits.maxMetadataBytes,
  };
}
