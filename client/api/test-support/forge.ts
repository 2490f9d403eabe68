import { vi } from 'vitest';
import {
  BinaryCodec,
  BrowserIdentity,
  browserIdentityCodec,
  type Member,
  PacketEncoder,
} from '../../../shared/swim/index';
import type { Room } from '../room';

/*
 * What the attack tests forge and how they wait: a hostile member's packets, built with the project's
 * own encoder, and a wait that advances vitest's fake clock.
 */

/** The browser identity codec the rooms use on the wire. */
export const codec = new BinaryCodec(browserIdentityCodec);

/** A SWIM gossip from `from` to `to` (their current lives), with `members` and `items` piggybacked. */
export function gossip(
  from: Room,
  to: Room,
  members: Member<BrowserIdentity>[],
  items: Uint8Array[] = [],
): Uint8Array {
  const enc = new PacketEncoder(codec, 1200);
  enc.begin({
    src: BrowserIdentity.fromHex(from.self.id, from.self.generation),
    srcIncarnation: from.stats().incarnation,
    dst: BrowserIdentity.fromHex(to.self.id, to.self.generation),
    message: { type: 'gossip' },
  });
  for (const m of members) if (!enc.tryAddMember(m)) throw new Error('member does not fit');
  for (const b of items) if (!enc.tryAddBroadcast(b)) throw new Error('item does not fit');
  return enc.finish();
}

/** `o` as JSON bytes (a metadata value). */
export const json = (o: object): Uint8Array => new TextEncoder().encode(JSON.stringify(o));

/** Advances the fake clock in `stepMs` steps until `condition` holds; throws after `maxMs` of virtual time. */
export async function until(
  condition: () => boolean,
  what: string,
  maxMs = 30_000,
  stepMs = 100,
): Promise<void> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (condition()) return;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  throw new Error(`never happened within ${maxMs} ms of virtual time: ${what}`);
}

/** Waits until every one of `members` sees all of them, each with its metadata. */
export async function untilFormed(members: readonly { room: Room }[]): Promise<void> {
  const n = members.length;
  await until(() => members.every(({ room }) => room.members().length === n), `all ${n} see each other`);
  await until(
    () => members.every(({ room }) => room.members().every((x) => x.metadata !== undefined)),
    'metadata everywhere',
  );
}
