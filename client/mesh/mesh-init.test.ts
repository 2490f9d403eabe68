import { describe, expect, it } from 'vitest';
import { memberKeyFromSecret } from '../../shared/signaling/member-key';
import { MAX_RELAY_TTL, RELAY_FORWARD_FANOUT, RELAY_RATE_LIMIT } from './limits';
import { resolveMeshInit } from './mesh-init';
import { fakeSwimSrcAddr } from './test-support/helpers';

const key = memberKeyFromSecret(new Uint8Array(32).fill(4));
const base = { self: key.addr, swimSrcAddr: fakeSwimSrcAddr };

describe('mesh options for relayed signals and signing', () => {
  it('default to the named bounds in limits.ts, and no identity', () => {
    const resolved = resolveMeshInit(base);
    expect(resolved).toMatchObject({
      relayTtl: MAX_RELAY_TTL,
      relayFanout: 3,
      relayForwardFanout: RELAY_FORWARD_FANOUT,
      relayRateLimit: RELAY_RATE_LIMIT,
    });
    expect(resolved.identity).toBeUndefined();
    expect(resolveMeshInit({ ...base, identity: { key, room: 'lobby' } }).identity?.room).toBe('lobby');
  });

  it('refuse a ttl past what receivers accept, a relay fanout past the origin fanout, a bad rate, a foreign key', () => {
    const bad = [
      { relayTtl: MAX_RELAY_TTL + 1 },
      { relayFanout: 2, relayForwardFanout: 3 },
      { relayForwardFanout: 0 },
      { relayRateLimit: { ratePerSecond: 0, burst: 10 } },
      { relayRateLimit: { ratePerSecond: 5, burst: 0.5 } },
      { identity: { key: memberKeyFromSecret(new Uint8Array(32).fill(5)), room: 'lobby' } },
    ];
    for (const options of bad) {
      expect(() => resolveMeshInit({ ...base, ...options })).toThrow(
        expect.objectContaining({ name: 'InvalidMeshInitError' }),
      );
    }
  });
});
