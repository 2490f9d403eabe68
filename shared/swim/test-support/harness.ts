import { AccumulatingRuntime } from '../accumulating-runtime';
import type { SwimBounds } from '../bounds';
import type { BroadcastHandler, Invalidates } from '../broadcast';
import { type Config, simple } from '../config';
import type { Member, MemberState } from '../member';
import { type DecodedPacket, decodePacket, PacketEncoder } from '../packet';
import type { Header, Message } from '../payload';
import type { Notification, Timer } from '../runtime';
import { seededRng } from '../seeded-rng';
import type { StatementAuth } from '../statements';
import { Swim, type SwimInit } from '../swim';
import { type TestId, testCodec } from './test-id';

export type TestSwim = Swim<TestId, Invalidates>;
export type Rt = AccumulatingRuntime<TestId>;

export interface NodeOptions {
  config?: Config;
  seed?: number;
  broadcastHandler?: BroadcastHandler<TestId, Invalidates>;
  lifeguard?: boolean;
  downIsAccusation?: boolean;
  bounds?: Partial<SwimBounds>;
  limitReplies?: boolean;
  antiEntropy?: SwimInit<TestId, Invalidates>['antiEntropy'];
  statements?: StatementAuth<TestId>;
}

/** A core with a test identity, the `simple()` config and a fixed seed, and a runtime to drain. */
export function makeNode(identity: TestId, opts: NodeOptions = {}): { swim: TestSwim; rt: Rt } {
  const swim = new Swim<TestId, Invalidates>({
    identity,
    config: opts.config ?? simple(),
    rng: seededRng(opts.seed ?? 0xf0ca),
    codec: testCodec(),
    ...(opts.broadcastHandler !== undefined ? { broadcastHandler: opts.broadcastHandler } : {}),
    ...(opts.lifeguard !== undefined ? { lifeguard: opts.lifeguard } : {}),
    ...(opts.downIsAccusation !== undefined ? { downIsAccusation: opts.downIsAccusation } : {}),
    ...(opts.bounds !== undefined ? { bounds: opts.bounds } : {}),
    ...(opts.limitReplies !== undefined ? { limitReplies: opts.limitReplies } : {}),
    ...(opts.antiEntropy !== undefined ? { antiEntropy: opts.antiEntropy } : {}),
    ...(opts.statements !== undefined ? { statements: opts.statements } : {}),
  });
  return { swim, rt: new AccumulatingRuntime<TestId>() };
}

export const member = (id: TestId, state: MemberState = 'alive', incarnation = 0): Member<TestId> => ({
  id,
  incarnation,
  state,
});

/** Encodes a packet by hand, as a peer would send it (members and broadcasts must fit 64 KiB). */
export function encode(
  header: Header<TestId>,
  members: Member<TestId>[] = [],
  broadcasts: Uint8Array[] = [],
): Uint8Array {
  const enc = new PacketEncoder(testCodec(), 65_535);
  enc.begin(header);
  for (const m of members) if (!enc.tryAddMember(m)) throw new Error('member does not fit');
  for (const b of broadcasts) if (!enc.tryAddBroadcast(b)) throw new Error('broadcast does not fit');
  return enc.finish();
}

export function header(
  src: TestId,
  dst: TestId,
  message: Message<TestId>,
  srcIncarnation = 0,
): Header<TestId> {
  return { src, srcIncarnation, dst, message };
}

/** Decodes what a core sent; throws if the core sent something unreadable. */
export function decode(bytes: Uint8Array): DecodedPacket<TestId> {
  const r = decodePacket(testCodec(), bytes);
  if (!r.ok) throw new Error(`core sent an unreadable packet: ${r.kind} ${r.message}`);
  return r.packet;
}

/** Removes and decodes the packets sent to `to` (by addr and bump). */
export function takeTo(rt: Rt, to: TestId): DecodedPacket<TestId>[] {
  const out: DecodedPacket<TestId>[] = [];
  for (let i = 0; i < rt.sends.length; ) {
    const s = rt.sends[i]!;
    if (s.to.equals(to)) {
      out.push(decode(s.bytes));
      rt.sends.splice(i, 1);
    } else i++;
  }
  return out;
}

/** The one packet sent to `to`, or a failure naming what was sent instead. */
export function takeOneTo(rt: Rt, to: TestId): DecodedPacket<TestId> {
  const got = takeTo(rt, to);
  if (got.length !== 1) throw new Error(`expected one packet to ${to}, got ${got.length}`);
  return got[0]!;
}

export function messageTypes(rt: Rt): string[] {
  return rt.sends.map((s) => `${decode(s.bytes).header.message.type}->${s.to}`);
}

/** Notifications without data-sent / data-received, as readable strings. */
export function events(notifications: Notification<TestId>[]): string[] {
  const out: string[] = [];
  for (const n of notifications) {
    switch (n.type) {
      case 'data-sent':
      case 'data-received':
        break;
      case 'member-up':
      case 'member-down':
      case 'rejoin':
        out.push(`${n.type} ${n.id}`);
        break;
      case 'rename':
        out.push(`rename ${n.old} ${n.new}`);
        break;
      case 'probe-failed':
        out.push(`probe-failed ${n.id}`);
        break;
      default:
        out.push(n.type);
    }
  }
  return out;
}

/** Takes the timers of one type. */
export function takeTimers<Ty extends Timer<TestId>['type']>(
  rt: Rt,
  type: Ty,
): Array<{ timer: Extract<Timer<TestId>, { type: Ty }>; afterMs: number }> {
  const out: Array<{ timer: Extract<Timer<TestId>, { type: Ty }>; afterMs: number }> = [];
  for (let i = 0; i < rt.timers.length; ) {
    const t = rt.timers[i]!;
    if (t.timer.type === type) {
      out.push(t as { timer: Extract<Timer<TestId>, { type: Ty }>; afterMs: number });
      rt.timers.splice(i, 1);
    } else i++;
  }
  return out;
}

/** Delivers every pending packet among `nodes`, and what they answer, until nothing is in flight. */
export function exchange(nodes: Array<{ swim: TestSwim; rt: Rt }>, maxRounds = 100): void {
  const byAddr = new Map(nodes.map((n) => [n.swim.identity.addr, n]));
  for (let round = 0; round < maxRounds; round++) {
    let moved = false;
    for (const n of nodes) {
      for (const s of n.rt.takeSends()) {
        const target = byAddr.get(s.to.addr);
        if (target === undefined) continue;
        moved = true;
        target.swim.handleData(s.bytes, target.rt);
      }
    }
    if (!moved) return;
  }
  throw new Error('exchange did not settle');
}
