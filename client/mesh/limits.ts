/**
 * Sizes on a data channel, defined once for the mesh and the room API. The core's own packet limits
 * (`MIN_PACKET_SIZE`, `MAX_PACKET_SIZE`, `DEFAULT_MAX_PACKET_SIZE`) are in `shared/swim`.
 */
import type { RateLimit } from '../../shared/signaling/limits';

/** Largest message every browser pair accepts on a data channel: one frame. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** A frame's kind byte, before its payload (`frame.ts`). */
export const FRAME_HEADER_BYTES = 1;

/**
 * Largest payload of one frame: a SWIM packet (the most `maxPacketSize` may be on a data channel),
 * an app message, or a relayed signal.
 */
export const MAX_FRAME_PAYLOAD_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES;

/**
 * Relayed signals (issue 11): what a member forwards for others is bounded, so one frame cannot become
 * hundreds. Measured on main before these bounds: 20 frames to an addr nobody holds, ttl 8, made 477
 * forwarded copies (×25). Each bound is counted in the mesh's stats.
 */

/**
 * Hops a relayed signal may take past its first: what clients send (`relayTtl`'s default) and the
 * most a receiver accepts. A frame with a larger ttl is malformed and dropped (`malformedDropped`).
 * 3 covers a full mesh (1 hop) and the overlay's diameter past 1,000 members (K = 8: 4 hops).
 */
export const MAX_RELAY_TTL = 3;

/**
 * Links a relay forwards another member's signal on (`relayForwardFanout`'s default): with a link to
 * the target only to it, with a route only to one next hop, else to this many random links. At 1 a
 * relay never multiplies a frame, so one frame makes at most `MAX_RELAY_TTL` + 1 copies in all (an
 * origin floods its own signal on `relayFanout` links, which then each carry one line of copies).
 */
export const RELAY_FORWARD_FANOUT = 1;

/**
 * Relayed-signal frames accepted from one link (a token bucket; `relayRateLimit`'s default); past it,
 * frames are dropped unread (`relayRateDropped`). A joiner sets up ≤16 links through its bootstrap
 * peers, each offer resent up to 3 times, so honest bursts stay far below.
 */
export const RELAY_RATE_LIMIT: RateLimit = { ratePerSecond: 20, burst: 40 };
