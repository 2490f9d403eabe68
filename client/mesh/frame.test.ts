import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_KIND_BYTE } from './frame';

describe('frames', () => {
  it('carry their kind in the first byte and the payload after it', () => {
    const payload = new Uint8Array([5, 6, 7]);
    for (const kind of ['swim', 'signal', 'app'] as const) {
      const frame = encodeFrame(kind, payload);
      expect(frame[0]).toBe(FRAME_KIND_BYTE[kind]);
      expect(decodeFrame(frame)).toEqual({ kind, payload });
    }
  });

  it('an empty frame or an unknown kind byte decodes to nothing', () => {
    expect(decodeFrame(new Uint8Array(0))).toBeUndefined();
    expect(decodeFrame(new Uint8Array([0, 1]))).toBeUndefined();
    expect(decodeFrame(new Uint8Array([4]))).toBeUndefined();
    expect(decodeFrame(new Uint8Array([255, 1, 2]))).toBeUndefined();
  });

  it('a kind byte alone is a frame with an empty payload', () => {
    expect(decodeFrame(new Uint8Array([3]))).toEqual({ kind: 'app', payload: new Uint8Array(0) });
  });

  it('decoding arbitrary bytes never throws, and round trips what it accepts', () => {
    const seed = Number(process.env.MESH_SEED ?? Date.now() % 2 ** 31);
    console.log(`frame property seed ${seed} (replay with MESH_SEED=${seed})`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const frame = decodeFrame(bytes);
        if (frame !== undefined) expect(encodeFrame(frame.kind, frame.payload)).toEqual(bytes);
      }),
      { seed },
    );
  });
});
