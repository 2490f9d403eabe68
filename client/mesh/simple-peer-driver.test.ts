import { describe, expect, it } from 'vitest';
import type { LinkHandlers } from './link';
import { createSimplePeerDriver } from './simple-peer-driver';
import type { SimplePeerConstructor, SimplePeerInstance, SimplePeerOptions } from './simple-peer-types';

type Listener = (...args: never[]) => void;

/** A stand-in for simple-peer 9: its channel's onmessage calls `_onChannelMessage` by name. */
class FakePeer {
  static last: FakePeer | undefined;
  connected = true;
  destroyed = false;
  readonly listeners = new Map<string, Listener[]>();
  /** Messages that went the stream's way (in simple-peer, a nextTick task each). */
  pushed = 0;

  constructor(readonly options: SimplePeerOptions) {
    FakePeer.last = this;
  }

  _onChannelMessage(_event: { readonly data: unknown }): void {
    this.pushed++;
  }

  /** What the data channel's onmessage does. */
  channelMessage(data: unknown): void {
    this._onChannelMessage({ data });
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  signal(): void {}
  send(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

function link() {
  const received: number[][] = [];
  const handlers: LinkHandlers = {
    signal: () => {},
    open: () => {},
    data: (bytes) => received.push([...bytes]),
    close: () => {},
  };
  const driver = createSimplePeerDriver({
    runtime: { SimplePeer: FakePeer as unknown as SimplePeerConstructor },
  });
  const l = driver.createLink({ self: 'a', peer: 'b', initiator: true, handlers });
  const peer = FakePeer.last as FakePeer & SimplePeerInstance;
  return { l, peer, received };
}

describe('simple-peer driver', () => {
  it("takes a channel's messages straight from the channel, not through simple-peer's stream", () => {
    const { peer, received } = link();
    peer.channelMessage(Uint8Array.of(1, 2, 3).buffer);
    peer.channelMessage(Uint8Array.of(4).buffer);
    expect(received).toEqual([[1, 2, 3], [4]]);
    expect(peer.pushed).toBe(0);
    expect(peer.listeners.has('data')).toBe(false);
  });

  it('drops messages once the link or the peer is done', () => {
    const { l, peer, received } = link();
    l.destroy();
    peer.channelMessage(Uint8Array.of(1).buffer);
    expect(received).toEqual([]);
  });
});
