import { describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS } from '../../shared/swim/index';
import { RoomOptionsError, resolveOptions } from './options';
import { DEFAULT_ROOM_LIMITS, swimBounds } from './room-limits';

const base = { signaling: 'https://signal.example', room: 'lobby' };

describe('joinRoom limits', () => {
  it('default to the core bounds and the inbox defaults', () => {
    const o = resolveOptions(base);
    expect(o.limits).toEqual(DEFAULT_ROOM_LIMITS);
    expect(swimBounds(o.limits)).toEqual(DEFAULT_BOUNDS);
  });

  it('take the fields given and keep the defaults of the rest', () => {
    const o = resolveOptions({ ...base, limits: { maxMembers: 500, messagesPerSecond: 2.5 } });
    expect(o.limits).toEqual({ ...DEFAULT_ROOM_LIMITS, maxMembers: 500, messagesPerSecond: 2.5 });
    expect(swimBounds(o.limits).maxMembers).toBe(500);
  });

  it.each([
    [{ maxMembers: 0 }, 'maxMembers'],
    [{ maxMetadataBytes: 1.5 }, 'maxMetadataBytes'],
    [{ messagesPerSecond: -1 }, 'messagesPerSecond'],
    [{ maxMesages: 3 }, 'maxMesages'],
  ])('refuse %j with an error naming the field', (limits, field) => {
    expect(() => resolveOptions({ ...base, limits })).toThrow(RoomOptionsError);
    expect(() => resolveOptions({ ...base, limits })).toThrow(field);
  });
});
