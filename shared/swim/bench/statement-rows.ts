/**
 * `bench:core` rows for signed statements (statements.ts, PROTOCOL.md 1.3) with the browser host's
 * real proofs (Ed25519 over the room, shared/signaling/statement-auth.ts): what one verification
 * costs, and `handleData` on a steady Ping/Ack round and on a full gossip packet of signed updates,
 * with the statements already proven (warm: re-gossip) and all new (cold: a fresh core each time).
 */
import { memberKeyFromSecret } from '../../signaling/member-key';
import { statementAuth } from '../../signaling/statement-auth';
import { AccumulatingRuntime } from '../accumulating-runtime';
import { BinaryCodec } from '../binary-codec';
import { BrowserIdentity, browserIdentityCodec } from '../browser-identity';
import { DEFAULT_MAX_PACKET_SIZE, lan } from '../config';
import type { Member } from '../member';
import { PacketEncoder } from '../packet';
import type { Header, Message } from '../payload';
import { seededRng } from '../seeded-rng';
import { type StatementAuth, statementBytes } from '../statements';
import { Swim } from '../swim';
import type { Measured, Row } from './bench-row';

const ROOM = 'bench';
const codec = new BinaryCodec(browserIdentityCodec);

function keyed(n: number): { id: BrowserIdentity; auth: StatementAuth<BrowserIdentity> } {
  const key = memberKeyFromSecret(new Uint8Array(32).fill(n));
  return { id: BrowserIdentity.fromHex(key.addr, 0), auth: statementAuth(key, ROOM) };
}

function packet(h: Header<BrowserIdentity>, members: readonly Member<BrowserIdentity>[]): Uint8Array {
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  enc.begin(h);
  for (const m of members) if (!enc.tryAddMember(m)) throw new Error('bench packet does not fit');
  return enc.finish();
}

function header(src: BrowserIdentity, dst: BrowserIdentity, message: Message<BrowserIdentity>) {
  return { src, srcIncarnation: 0, dst, message } satisfies Header<BrowserIdentity>;
}

export function statementRows(measure: (fn: () => void, opsPerCall?: number) => Measured): Row[] {
  const a = keyed(1);
  const b = keyed(2);
  const c = keyed(3);
  const newSwim = (who: typeof a, seed: number) =>
    new Swim({
      identity: who.id,
      config: lan(100),
      rng: seededRng(seed),
      codec,
      downIsAccusation: true,
      statements: who.auth,
    });
  const rows: Row[] = [];

  // One verification, as a cache miss costs it (the key's hash to the addr included).
  const statement = statementBytes(codec, { id: a.id, incarnation: 1, state: 'alive' });
  const proof = a.auth.sign(statement);
  let bad = 0;
  const verify = measure(() => {
    if (!b.auth.verify(a.id, statement, proof)) bad++;
  });
  if (bad > 0) throw new Error('a good proof did not verify');
  rows.push({
    bench: 'statements',
    case: 'verify one signed statement (Ed25519 + SHA-256 of the key)',
    bytes: 96,
    ...verify,
  });

  // Ping/Ack between two signed cores, once their own signed Alives have been sent and taken.
  const rtA = new AccumulatingRuntime<BrowserIdentity>();
  const rtB = new AccumulatingRuntime<BrowserIdentity>();
  const sa = newSwim(a, 11);
  const sb = newSwim(b, 12);
  sa.applyMany([{ id: b.id, incarnation: 0, state: 'alive' }], false, rtA);
  sb.applyMany([{ id: a.id, incarnation: 0, state: 'alive' }], false, rtB);
  const ping = packet(header(a.id, b.id, { type: 'ping', probeNumber: 7 }), []);
  for (let i = 0; i < 64; i++) {
    // Drain the backlogs (our own signed Alive rides the first packets).
    sb.handleData(ping, rtB);
    const reply = rtB.sends[0];
    if (reply !== undefined) sa.handleData(reply.bytes, rtA);
    rtA.clear();
    rtB.clear();
  }
  let refused = 0;
  let pingAckBytes = 0;
  const round = measure(() => {
    if (!sb.handleData(ping, rtB).ok) refused++;
    const reply = rtB.sends[0];
    if (reply === undefined) refused++;
    else {
      pingAckBytes = ping.length + reply.bytes.length;
      if (!sa.handleData(reply.bytes, rtA).ok) refused++;
    }
    rtA.clear();
    rtB.clear();
  }, 2);
  if (refused > 0) throw new Error(`${refused} signed Ping/Ack calls were refused or unanswered`);
  rows.push({
    bench: 'handleData',
    case: 'signed: Ping/Ack round (2 handleData)',
    bytes: pingAckBytes,
    ...round,
  });

  // A full gossip packet of signed Alives of distinct members (as many as fit: 9).
  const members: Member<BrowserIdentity>[] = [];
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  enc.begin(header(c.id, a.id, { type: 'gossip' }));
  for (let n = 10; ; n++) {
    const who = keyed(n);
    const alive: Member<BrowserIdentity> = { id: who.id, incarnation: 3, state: 'alive' };
    const m = { ...alive, proof: who.auth.sign(statementBytes(codec, alive)) };
    if (!enc.tryAddMember(m)) break;
    members.push(m);
  }
  const gossip = packet(header(c.id, a.id, { type: 'gossip' }), members);
  const rtG = new AccumulatingRuntime<BrowserIdentity>();
  const warm = newSwim(a, 13);
  if (!warm.handleData(gossip, rtG).ok || warm.numMembers !== members.length + 1) {
    throw new Error('the signed gossip packet was not taken');
  }
  rtG.clear();
  const known = measure(() => {
    if (!warm.handleData(gossip, rtG).ok) refused++;
    rtG.clear();
  });
  let seed = 200;
  const cold = measure(() => {
    const x = newSwim(a, seed++);
    if (!x.handleData(gossip, rtG).ok) refused++;
    rtG.clear();
  });
  if (refused > 0) throw new Error(`${refused} signed gossip packets were refused`);
  const label = `signed: gossip, full 1,200 B (${members.length} signed Alives)`;
  rows.push({
    bench: 'handleData',
    case: `${label}, proven before (1 handleData)`,
    bytes: gossip.length,
    ...known,
  });
  rows.push({
    bench: 'handleData',
    case: `${label}, all new (new Swim + 1 handleData, ${members.length} verifications)`,
    bytes: gossip.length,
    ...cold,
  });
  return rows;
}
