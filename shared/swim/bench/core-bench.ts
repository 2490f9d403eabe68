/**
 * `npm run bench:core [-- --json] [-- --ms 300]`: speed and size of the SWIM wire codec, and of the core's
 * `handleData` on a Ping/Ack round and on a full gossip packet, with signed statements
 * (statement-rows.ts), and at its bounds (bound-rows.ts). One core, one process. Prints the date
 * and the machine above the table; `--json` prints the same rows as one JSON document.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { AccumulatingRuntime } from '../accumulating-runtime';
import { BinaryCodec } from '../binary-codec';
import { BrowserIdentity, browserIdentityCodec } from '../browser-identity';
import { DEFAULT_MAX_PACKET_SIZE, lan } from '../config';
import { compactForLink, expandFromLink, linkAddrs } from '../link-header';
import type { Member } from '../member';
import { decodePacket, isHeaderOnly, PacketEncoder } from '../packet';
import type { Header, Message, MessageType } from '../payload';
import { seededRng } from '../seeded-rng';
import { Swim } from '../swim';
import type { Row } from './bench-row';
import { boundRows } from './bound-rows';
import { statementRows } from './statement-rows';

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const msArg = args.indexOf('--ms');
const RUN_MS = msArg >= 0 ? Number(args[msArg + 1]) : 300;
const WARMUP_MS = Math.max(50, RUN_MS / 3);

/** Runs `fn` in batches until `RUN_MS` have passed (after a warm-up) and returns operations per second. */
function measure(fn: () => void, opsPerCall = 1): { opsPerSec: number; nsPerOp: number } {
  let batch = 64;
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    now = performance.now();
    if (now - start < RUN_MS / 20) batch *= 2;
  }
  const seconds = (now - start) / 1000;
  const ops = calls * opsPerCall;
  return { opsPerSec: ops / seconds, nsPerOp: (seconds * 1e9) / ops };
}

const rng = seededRng(1);
const codec = new BinaryCodec(browserIdentityCodec);
const A = BrowserIdentity.random(rng, 1);
const B = BrowserIdentity.random(rng, 1);
const C = BrowserIdentity.random(rng, 1);

const MESSAGES: Record<MessageType, Message<BrowserIdentity>> = {
  ping: { type: 'ping', probeNumber: 7 },
  ack: { type: 'ack', probeNumber: 7 },
  'ping-req': { type: 'ping-req', target: C, probeNumber: 7 },
  'indirect-ping': { type: 'indirect-ping', origin: C, probeNumber: 7 },
  'indirect-ack': { type: 'indirect-ack', target: C, probeNumber: 7 },
  'forwarded-ack': { type: 'forwarded-ack', origin: C, probeNumber: 7 },
  gossip: { type: 'gossip' },
  announce: { type: 'announce' },
  feed: { type: 'feed', next: 0 },
  'feed-request': { type: 'feed-request', cursor: 1 },
  broadcast: { type: 'broadcast' },
  'turn-undead': { type: 'turn-undead' },
  nack: { type: 'nack', probeNumber: 7 },
};

function header(src: BrowserIdentity, dst: BrowserIdentity, message: Message<BrowserIdentity>) {
  return { src, srcIncarnation: 0, dst, message } satisfies Header<BrowserIdentity>;
}

/** As many distinct members as fit in one packet of `maxPacketSize` after a gossip header. */
function fullGossipMembers(): Member<BrowserIdentity>[] {
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  enc.begin(header(C, A, MESSAGES.gossip));
  const members: Member<BrowserIdentity>[] = [];
  for (;;) {
    const m: Member<BrowserIdentity> = { id: BrowserIdentity.random(rng), incarnation: 3, state: 'alive' };
    if (!enc.tryAddMember(m)) return members;
    members.push(m);
  }
}

function encodePacket(h: Header<BrowserIdentity>, members: readonly Member<BrowserIdentity>[]) {
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  enc.begin(h);
  for (const m of members) if (!enc.tryAddMember(m)) throw new Error('bench packet does not fit');
  return enc.finish();
}

function codecRows(): Row[] {
  const rows: Row[] = [];
  const enc = new PacketEncoder(codec, DEFAULT_MAX_PACKET_SIZE);
  const cases: Array<[string, Header<BrowserIdentity>, Member<BrowserIdentity>[]]> = [];
  for (const type of Object.keys(MESSAGES) as MessageType[])
    cases.push([type, header(A, B, MESSAGES[type]), []]);
  cases.push(['gossip, full 1,200 B', header(C, A, MESSAGES.gossip), fullGossipMembers()]);
  for (const [name, h, members] of cases) {
    const bytes = encodePacket(h, members);
    const enc1 = measure(() => {
      enc.begin(h);
      if (!isHeaderOnly(h.message.type)) for (const m of members) enc.tryAddMember(m);
      enc.finish();
    });
    const dec = measure(() => {
      if (!decodePacket(codec, bytes).ok) throw new Error(`bench packet ${name} does not decode`);
    });
    rows.push({ bench: 'encode', case: name, bytes: bytes.length, ...enc1 });
    rows.push({ bench: 'decode', case: name, bytes: bytes.length, ...dec });
    rows.push(linkFormRow(name, h, bytes));
  }
  return rows;
}

/**
 * The packet's link form (PROTOCOL.md, protocol 1.4: what a data channel carries, less the frame
 * kind byte) and one round trip through it: compacted by the sender, expanded by the receiver.
 */
function linkFormRow(name: string, h: Header<BrowserIdentity>, bytes: Uint8Array): Row {
  const out = linkAddrs(h.src.addr, h.dst.addr);
  const back = linkAddrs(h.dst.addr, h.src.addr);
  const compact = compactForLink(bytes, out);
  if (compact === undefined || expandFromLink(compact, back)?.length !== bytes.length)
    throw new Error(`bench packet ${name} has no link form`);
  const trip = measure(() => {
    if (expandFromLink(compactForLink(bytes, out)!, back) === undefined) throw new Error('link form refused');
  });
  return { bench: 'link form round trip', case: name, bytes: compact.length, ...trip };
}

function isNotImplemented(e: unknown): boolean {
  return e instanceof Error && /not implemented/i.test(e.message);
}

function newSwim(identity: BrowserIdentity, seed: number) {
  return new Swim({ identity, config: lan(100), rng: seededRng(seed), codec });
}

function coreRows(): Row[] {
  const names = [
    'Ping/Ack round (2 handleData)',
    'gossip, full 1,200 B, members known (1 handleData)',
    `gossip, full 1,200 B, members new (new Swim + 1 handleData)`,
  ];
  try {
    const rtA = new AccumulatingRuntime<BrowserIdentity>();
    const rtB = new AccumulatingRuntime<BrowserIdentity>();
    const a = newSwim(A, 11);
    const b = newSwim(B, 12);
    a.applyMany([{ id: B, incarnation: 0, state: 'alive' }], false, rtA);
    b.applyMany([{ id: A, incarnation: 0, state: 'alive' }], false, rtB);
    rtA.clear();
    rtB.clear();

    const ping = encodePacket(header(A, B, MESSAGES.ping), []);
    const check = (what: string, r: ReturnType<typeof a.handleData>) => {
      if (!r.ok) throw new Error(`${what} refused: ${r.error.kind}: ${r.error.message}`);
    };
    // One checked round first: B must answer the Ping with an Ack to A, and A must take it.
    check('ping', b.handleData(ping, rtB));
    const ackSend = rtB.takeSends().find((s) => s.to.addr === A.addr);
    if (ackSend === undefined) throw new Error('B did not answer the ping');
    const ack = ackSend.bytes;
    const decodedAck = decodePacket(codec, ack);
    if (!decodedAck.ok || decodedAck.packet.header.message.type !== 'ack')
      throw new Error('B answered with no ack');
    check('ack', a.handleData(ack, rtA));
    rtA.clear();
    rtB.clear();
    // Every measured call is checked too: a refused packet or a missing reply would make the rate a lie.
    let refused = 0;
    const round = measure(() => {
      if (!b.handleData(ping, rtB).ok) refused++;
      const reply = rtB.sends[0];
      if (reply === undefined) refused++;
      else if (!a.handleData(reply.bytes, rtA).ok) refused++;
      rtA.clear();
      rtB.clear();
    }, 2);
    if (refused > 0) throw new Error(`${refused} Ping/Ack calls were refused or unanswered`);

    const members = fullGossipMembers();
    const gossip = encodePacket(header(C, A, MESSAGES.gossip), members);
    // The first delivery applies 55 new members; the measured ones are the steady state (all known).
    check('gossip', a.handleData(gossip, rtA));
    rtA.clear();
    const full = measure(() => {
      if (!a.handleData(gossip, rtA).ok) refused++;
      rtA.clear();
    });
    if (refused > 0) throw new Error(`${refused} gossip packets were refused`);

    // The cold path: every member in the packet is new (a fresh instance each time, its construction included).
    let seed = 100;
    const rtFresh = new AccumulatingRuntime<BrowserIdentity>();
    const fresh = measure(() => {
      const x = newSwim(A, seed++);
      if (!x.handleData(gossip, rtFresh).ok) refused++;
      rtFresh.clear();
    });
    if (refused > 0) throw new Error(`${refused} gossip packets were refused by a fresh instance`);
    return [
      { bench: 'handleData', case: names[0]!, bytes: ping.length + ack.length, ...round },
      { bench: 'handleData', case: names[1]!, bytes: gossip.length, ...full },
      { bench: 'handleData', case: names[2]!, bytes: gossip.length, ...fresh },
    ];
  } catch (e) {
    const note = isNotImplemented(e)
      ? 'n/a (core not ready)'
      : `error: ${e instanceof Error ? e.message : e}`;
    return names.map((name) => ({
      bench: 'handleData',
      case: name,
      bytes: null,
      opsPerSec: null,
      nsPerOp: null,
      note,
    }));
  }
}

function fmt(n: number | null, digits = 0): string {
  return n === null ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

const date = new Date().toISOString();
const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} (${os.cpus().length} cores), Node ${process.version}`;
const rows = [...codecRows(), ...coreRows(), ...statementRows(measure), ...boundRows(measure)];

if (JSON_OUT) {
  console.log(JSON.stringify({ date, machine, runMs: RUN_MS, rows }, null, 2));
} else {
  console.log(`Shoal core bench — ${date}`);
  console.log(`${machine}; ${RUN_MS} ms per row after a ${WARMUP_MS.toFixed(0)} ms warm-up; BrowserIdentity`);
  console.log('');
  console.log('| bench | case | bytes | ops/s | ns/op |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) {
    const ops = r.note ?? fmt(r.opsPerSec);
    console.log(`| ${r.bench} | ${r.case} | ${fmt(r.bytes)} | ${ops} | ${fmt(r.nsPerOp)} |`);
  }
  console.log('');
  console.log(
    'handleData ops/s counts handleData calls (a Ping/Ack round is two). Goal: ≥ 100,000 Ping/Ack handleData/s.',
  );
  console.log(
    "link form round trip: the packet's bytes on a link (protocol 1.4, frame kind byte not counted); ops/s compacts and expands it once each.",
  );
}
