import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PACKET_SIZE, MAX_PACKET_SIZE, MIN_PACKET_SIZE } from '../../shared/swim/index';
import { encodeFrame } from './frame';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MAX_FRAME_PAYLOAD_BYTES } from './limits';
import { MAX_SIGNAL_FRAME_BYTES } from './signal-frame';

describe('data channel limits', () => {
  it('the largest payload, framed, is exactly the largest message every browser pair accepts', () => {
    const frame = encodeFrame('app', new Uint8Array(MAX_FRAME_PAYLOAD_BYTES));
    expect(frame.length).toBe(MAX_FRAME_BYTES);
    expect(MAX_FRAME_BYTES).toBe(16 * 1024);
    expect(FRAME_HEADER_BYTES).toBe(1);
    expect(MAX_SIGNAL_FRAME_BYTES).toBe(MAX_FRAME_PAYLOAD_BYTES);
  });

  it('a packet size the mesh carries is one the core accepts, and the default lies within both', () => {
    expect(MAX_FRAME_PAYLOAD_BYTES).toBeLessThanOrEqual(MAX_PACKET_SIZE);
    expect(MIN_PACKET_SIZE).toBeLessThan(DEFAULT_MAX_PACKET_SIZE);
    expect(DEFAULT_MAX_PACKET_SIZE).toBeLessThanOrEqual(MAX_FRAME_PAYLOAD_BYTES);
  });
});
