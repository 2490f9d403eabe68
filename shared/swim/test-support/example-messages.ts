import type { BrowserIdentity } from '../browser-identity';
import type { Message, MessageType } from '../payload';

/** One message of every kind, naming `other` where a kind names a third member (codec and framing tests). */
export function exampleMessages(other: BrowserIdentity): Record<MessageType, Message<BrowserIdentity>> {
  return {
    ping: { type: 'ping', probeNumber: 7 },
    ack: { type: 'ack', probeNumber: 7 },
    'ping-req': { type: 'ping-req', target: other, probeNumber: 1 },
    'indirect-ping': { type: 'indirect-ping', origin: other, probeNumber: 2 },
    'indirect-ack': { type: 'indirect-ack', target: other, probeNumber: 3 },
    'forwarded-ack': { type: 'forwarded-ack', origin: other, probeNumber: 4 },
    gossip: { type: 'gossip' },
    announce: { type: 'announce' },
    feed: { type: 'feed', next: 2 },
    'feed-request': { type: 'feed-request', cursor: 1 },
    broadcast: { type: 'broadcast' },
    'turn-undead': { type: 'turn-undead' },
    nack: { type: 'nack', probeNumber: 7 },
    sync: { type: 'sync', salt: 0x1234, total: 7, bits: 1, buckets: new Uint8Array([9, 8]) },
    'sync-page': { type: 'sync-page', from: 1, to: 0x7fff, last: false },
  };
}
