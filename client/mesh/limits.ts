/**
 * Sizes on a data channel, defined once for the mesh and the room API. The core's own packet limits
 * (`MIN_PACKET_SIZE`, `MAX_PACKET_SIZE`, `DEFAULT_MAX_PACKET_SIZE`) are in `shared/swim`.
 */

/** Largest message every browser pair accepts on a data channel: one frame. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** A frame's kind byte, before its payload (`frame.ts`). */
export const FRAME_HEADER_BYTES = 1;

/**
 * Largest payload of one frame: a SWIM packet (the most `maxPacketSize` may be on a data channel),
 * an app message, or a relayed signal.
 */
export const MAX_FRAME_PAYLOAD_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES;
