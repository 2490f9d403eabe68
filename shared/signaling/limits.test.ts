/**
 * Values that must exist on both sides of a layer boundary: the server may import only
 * shared/signaling, the core imports nothing, the simulator only the core. Each side keeps its own
 * copy; this test keeps the copies equal.
 */
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_PEERS } from '../sim/index';
import { isMemberAddr, MEMBER_ADDR_PATTERN } from '../swim/index';
import { DEFAULT_BOOTSTRAP_PEERS, PEER_ADDR_PATTERN } from './limits';

describe('limits shared across layers', () => {
  it("the server's peer addr pattern is the core's member addr pattern", () => {
    expect(PEER_ADDR_PATTERN.source).toBe(MEMBER_ADDR_PATTERN.source);
    expect(PEER_ADDR_PATTERN.flags).toBe(MEMBER_ADDR_PATTERN.flags);
    const samples = ['0123456789abcdef0123456789abcdef', '0123456789ABCDEF0123456789ABCDEF', 'abc', ''];
    for (const s of [...samples, `${samples[0]}0`, ` ${samples[0]}`]) {
      expect(PEER_ADDR_PATTERN.test(s)).toBe(isMemberAddr(s));
    }
  });

  it("the simulator hands a joiner as many bootstrap peers as the server's default", () => {
    expect(BOOTSTRAP_PEERS).toBe(DEFAULT_BOOTSTRAP_PEERS);
  });
});
