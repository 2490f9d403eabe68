import { describe, expect, it } from 'vitest';
import { simple } from './config';
import { encode, header, makeNode, member, takeTo } from './test-support/harness';
import { id } from './test-support/test-id';

type Node = ReturnType<typeof makeNode>;

/** A connected core m1 (optionally limiting replies) that knows m2 alive and m3 Down; it tells Down members. */
function connected(limitReplies: boolean, self = id(1)): Node {
  const node = makeNode(self, { limitReplies, config: { ...simple(), notifyDownMembers: true } });
  node.swim.applyMany([member(id(2)), member(id(3), 'down')], false, node.rt);
  expect(node.swim.connectionState).toBe('connected');
  node.rt.clear();
  return node;
}

/** A new probe period: the probe timer fires (its own probe goes out and is dropped here). */
function nextPeriod(node: Node): void {
  node.swim.handleTimer({ type: 'probe-random-member', token: node.swim.timerToken }, node.rt);
  node.rt.clear();
}

const sentTypes = (node: Node, to: ReturnType<typeof id>) =>
  takeTo(node.rt, to).map((p) => p.header.message.type);

describe('reply limits (limitReplies): what peers make us send unasked is bounded under churn', () => {
  it('a member Down to us that keeps sending gets one TurnUndead per probe period, not one per packet', () => {
    const node = connected(true);
    for (let i = 0; i < 10; i++)
      node.swim.handleData(encode(header(id(3), id(1), { type: 'gossip' })), node.rt);
    expect(sentTypes(node, id(3))).toEqual(['turn-undead']);
    expect(node.swim.replyStats.turnUndeadHeld).toBe(9);
    nextPeriod(node);
    node.swim.handleData(encode(header(id(3), id(1), { type: 'gossip' })), node.rt);
    expect(sentTypes(node, id(3))).toEqual(['turn-undead']);
  });

  it('without the limit (foca, the bare core) every packet of a Down member draws a TurnUndead', () => {
    const node = connected(false);
    for (let i = 0; i < 10; i++)
      node.swim.handleData(encode(header(id(3), id(1), { type: 'gossip' })), node.rt);
    expect(sentTypes(node, id(3))).toHaveLength(10);
    expect(node.swim.replyStats).toEqual({ turnUndeadHeld: 0, whoWeAreHeld: 0, feedHeld: 0 });
  });

  it('a joiner announcing again and again within a period gets one Feed; a new joiner is answered at once', () => {
    const node = connected(true);
    for (let i = 0; i < 20; i++)
      node.swim.handleData(encode(header(id(4), id(1), { type: 'announce' })), node.rt);
    expect(sentTypes(node, id(4))).toEqual(['feed']);
    expect(node.swim.replyStats.feedHeld).toBe(19);
    // Another joiner in the same period is not slowed by the first one's storm.
    node.swim.handleData(encode(header(id(5), id(1), { type: 'announce' })), node.rt);
    expect(sentTypes(node, id(5))).toEqual(['feed']);
    // Nor is the first joiner's next life: the limit is per identity.
    node.swim.handleData(encode(header(id(4, 1), id(1), { type: 'announce' })), node.rt);
    expect(sentTypes(node, id(4, 1))).toEqual(['feed']);
    // The next period answers an announce again (a Feed that was lost is not lost for good).
    nextPeriod(node);
    node.swim.handleData(encode(header(id(5), id(1), { type: 'announce' })), node.rt);
    expect(sentTypes(node, id(5))).toEqual(['feed']);
  });

  it('packets to an older life of ours draw one who-we-are Gossip per sender per period', () => {
    const node = connected(true, id(1, 2));
    for (let i = 0; i < 8; i++)
      node.swim.handleData(encode(header(id(2), id(1, 1), { type: 'ping', probeNumber: i })), node.rt);
    expect(sentTypes(node, id(2))).toEqual(['gossip']);
    expect(node.swim.replyStats.whoWeAreHeld).toBe(7);
    nextPeriod(node);
    node.swim.handleData(encode(header(id(2), id(1, 1), { type: 'ping', probeNumber: 9 })), node.rt);
    expect(sentTypes(node, id(2))).toEqual(['gossip']);
  });

  it('a storm of stray packets from 50 members costs at most one reply each per period', () => {
    const node = connected(true);
    node.swim.applyMany(
      Array.from({ length: 50 }, (_, i) => member(id(100 + i), 'down')),
      false,
      node.rt,
    );
    node.rt.clear();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 50; i++) {
        node.swim.handleData(encode(header(id(100 + i), id(1), { type: 'gossip' })), node.rt);
        node.swim.handleData(encode(header(id(100 + i), id(1), { type: 'announce' })), node.rt);
      }
    }
    expect(node.rt.sends).toHaveLength(50);
    expect(node.swim.replyStats.turnUndeadHeld).toBe(4 * 50 + 5 * 50);
  });
});
