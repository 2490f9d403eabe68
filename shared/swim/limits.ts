/**
 * Limits of the core that other layers validate against: import them from `shared/swim/index.ts`
 * rather than writing the numbers again. (`shared/signaling/limits.ts` repeats the addr pattern for
 * the server, which may not import the core; a test there asserts the two agree.)
 */

/** A member addr as `BrowserIdentity` stores it: 128 bits as 32 lowercase hex digits. */
export const MEMBER_ADDR_PATTERN = /^[0-9a-f]{32}$/;

/** True for a member addr (`MEMBER_ADDR_PATTERN`). */
export function isMemberAddr(value: unknown): value is string {
  return typeof value === 'string' && MEMBER_ADDR_PATTERN.test(value);
}

/** Smallest `maxPacketSize` the core accepts: a header and a few members must fit. */
export const MIN_PACKET_SIZE = 64;

/**
 * Largest `maxPacketSize` the core accepts, whatever the transport. A transport may allow less: on
 * a WebRTC data channel a SWIM packet travels in one frame of at most 16 KiB (`client/mesh/limits.ts`).
 */
export const MAX_PACKET_SIZE = 65_535;
