import { accuse } from './accusations';
import type { Invalidates } from './broadcast';
import { addrHash, bucketRange, keyOfHash } from './feed-page';
import type { Identity } from './identity';
import type { Member } from './member';
import { provenAlive } from './outbox';
import type { Message } from './payload';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { digestBits, ViewDigest } from './view-digest';

/*
 * Shoal's anti-entropy, with `SwimInit.antiEntropy` (foca has none; memberlist's push-pull, made
 * cheap). Gossip sends every update a fixed number of times and forgets it, so a member that no
 * holder picked misses it for good: a join (at N = 1,000 a dozen members still missed one member
 * 10 s into a cold start) or, on the overlay, a Down (a member that doesn't watch the dead one never
 * checks it, and kept it Alive for good). Now and then each member compares its view with a random
 * member it can reach, and only the difference travels:
 *
 * | who          | sends                                    | when                                                  |
 * |--------------|------------------------------------------|-------------------------------------------------------|
 * | A (timer)    | `sync`: A's view digest                  | every `fastIntervalMs` for `fastSyncs`, then `intervalMs` |
 * | B            | nothing                                  | the digests agree                                     |
 * | B            | `sync-page`s: B's records in the buckets whose digests differ (≤ `maxPages`) | they differ |
 * | A            | a `sync-page` (last) of its own records in that range | B lacks one A holds, or holds Alive one A holds Down |
 *
 * What a page does to its receiver: an active member it lacks (or an update that wins) is applied,
 * not passed on (each member pulls what it misses). A Down is never taken from the page (DESIGN §9:
 * a Down is concluded locally): for a member we hold active, it is an accusation (accusations.ts):
 * we suspect it and check it ourselves (a ping, and pings through relays that reach it), and pass
 * the Down on unapplied, so a crashed member is Down by our own check within a period or two, and a
 * live one answers and renames (its old life is Down where the page came from, for good). A member
 * the page lacks is nothing to act on: the sender may have missed its join, and pulls it itself.
 * Down members are kept `removeDownAfterMs` (1 h in the browser preset), so a page names them for
 * that long; a member that misses a Down for longer than that is not repaired.
 */

/** Options of `SwimInit.antiEntropy`; each missing field takes its default. */
export interface AntiEntropyInit {
  /** Time between our syncs right after we become connected. Default 2,000 ms. */
  readonly fastIntervalMs?: number;
  /** How many syncs go at the fast interval (a joiner's view is still filling). Default 5. */
  readonly fastSyncs?: number;
  /** Time between our syncs after those. Default 10,000 ms. */
  readonly intervalMs?: number;
  /** Most `sync-page` packets that answer one sync (or one page). Default 2. */
  readonly maxPages?: number;
  /**
   * Time between our syncs while our view grows: a member that learned a member since its last sync
   * syncs again this soon (× 0.5..1.5) instead of on the schedule above. Default: none (the schedule
   * alone); with signed statements the core sets 400 ms (`SIGNED_ANTI_ENTROPY`).
   */
  readonly formingIntervalMs?: number;
}

/**
 * Anti-entropy's defaults when the core signs statements: sync every 400 ms while our view grows, and
 * answer with up to 4 pages (a bucket of ~32 signed members; a signed page holds ~9).
 */
export const SIGNED_ANTI_ENTROPY = { formingIntervalMs: 400, maxPages: 4 } as const;

/** What anti-entropy did so far (`Swim.antiEntropyStats`); all 0 without it. */
export interface AntiEntropyStats {
  /** Syncs we started. */
  readonly syncsSent: number;
  /** Pages we sent, answering syncs or pushing back. */
  readonly pagesSent: number;
  readonly pagesReceived: number;
  /** Active members we learned from pages (joins we had missed). */
  readonly membersLearned: number;
  /** Members we held active that a page named Down: each one we checked ourselves. */
  readonly downsChecked: number;
  /** Syncs left unanswered: their sender had its pages from us since our own last sync. */
  readonly syncsRefused: number;
}

/** A record with its feed key. */
interface Keyed<T extends Identity> {
  readonly rec: Member<T>;
  readonly key: number;
}

/** The state of one core's anti-entropy: its view digest, schedule and counters. */
export class AntiEntropy {
  readonly digest = new ViewDigest();
  readonly fastIntervalMs: number;
  readonly fastSyncs: number;
  readonly intervalMs: number;
  readonly maxPages: number;
  readonly formingIntervalMs: number | undefined;
  /** `insertedActive` of our table when we last synced: more since, and our view is still growing. */
  insertedAtSync = 0;
  /** Time since our last sync, in ticks of our timer (`tickMs` each). */
  waitedMs = 0;
  /** When our next sync is due on the schedule (`fastIntervalMs` or `intervalMs`, × 0.5..1.5). */
  dueMs = 0;
  /** Our timer's current wait. */
  tickMs = 0;
  /** Syncs sent since we last became connected. */
  syncs = 0;
  /**
   * Members whose sync we answered with pages since our own last sync: one answer each per interval
   * of ours, so a peer can't draw pages (up to `maxPages` packets for ~80 bytes) as fast as it sends.
   */
  readonly answered = new Set<string>();
  /** Syncs not answered because their sender had its answer this interval. */
  syncsRefused = 0;
  syncsSent = 0;
  pagesSent = 0;
  pagesReceived = 0;
  membersLearned = 0;
  downsChecked = 0;

  constructor(init: AntiEntropyInit = {}) {
    this.fastIntervalMs = positive('fastIntervalMs', init.fastIntervalMs ?? 2000);
    this.fastSyncs = Math.max(0, Math.floor(init.fastSyncs ?? 5));
    this.intervalMs = positive('intervalMs', init.intervalMs ?? 10_000);
    this.maxPages = Math.max(1, Math.floor(init.maxPages ?? 2));
    const forming = init.formingIntervalMs;
    this.formingIntervalMs = forming === undefined ? undefined : positive('formingIntervalMs', forming);
  }

  stats(): AntiEntropyStats {
    return {
      syncsSent: this.syncsSent,
      pagesSent: this.pagesSent,
      pagesReceived: this.pagesReceived,
      membersLearned: this.membersLearned,
      downsChecked: this.downsChecked,
      syncsRefused: this.syncsRefused,
    };
  }
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`antiEntropy.${name} must be positive, got ${v}`);
  return v;
}

/** We became connected: the fast syncs start over, the first within a fast interval. */
export function startAntiEntropy<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  runtime: Runtime<T>,
): void {
  const ae = m.antiEntropy;
  if (ae === undefined) return;
  ae.syncs = 0;
  // Becoming connected is a view that grew (from nothing): with `formingIntervalMs` the first tick syncs.
  ae.insertedAtSync = m.table.insertedActive - 1;
  ae.waitedMs = 0;
  ae.dueMs = ae.fastIntervalMs * (0.5 + m.rng.next());
  ae.tickMs = ae.formingIntervalMs === undefined ? ae.dueMs : ae.formingIntervalMs * (0.5 + m.rng.next());
  runtime.submitAfter({ type: 'anti-entropy', token: m.token }, ae.tickMs);
}

/**
 * The `anti-entropy` timer: re-arms itself (at a random point around the interval, so members don't
 * sync in step) and sends our digest to one random member we can reach and hold Alive. With
 * `formingIntervalMs` it ticks that often and syncs when our view grew since our last sync (a room
 * forming: a page brings ~9 signed members in one answer, where gossip spreads them a few per
 * packet, each many times over) or the schedule's interval has passed.
 */
export function runAntiEntropy<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  runtime: Runtime<T>,
): void {
  const ae = m.antiEntropy;
  if (ae === undefined || m.connection !== 'connected') return;
  ae.waitedMs += ae.tickMs;
  const grew = ae.formingIntervalMs !== undefined && m.table.insertedActive !== ae.insertedAtSync;
  const scheduled = ae.waitedMs >= ae.dueMs;
  const due = grew || scheduled;
  if (due) {
    // Syncs of a growing view don't use up the fast ones: those follow once it stops growing.
    if (scheduled) ae.syncs++;
    ae.waitedMs = 0;
    ae.insertedAtSync = m.table.insertedActive;
    ae.dueMs = (ae.syncs < ae.fastSyncs ? ae.fastIntervalMs : ae.intervalMs) * (0.5 + m.rng.next());
  }
  ae.tickMs = ae.formingIntervalMs === undefined ? ae.dueMs : ae.formingIntervalMs * (0.5 + m.rng.next());
  runtime.submitAfter({ type: 'anti-entropy', token: m.token }, ae.tickMs);
  if (!due) return;
  ae.answered.clear();
  const self = m.identity.addr;
  const bits = digestBits(ae.digest.size + 1);
  const salt = Math.floor(m.rng.next() * 0x10000) & 0xffff;
  const sync: Message<T> = {
    type: 'sync',
    total: ae.digest.total(self),
    salt,
    bits,
    buckets: ae.digest.buckets(bits, self, salt),
  };
  ae.syncsSent += m.chooseAndSend(1, sync, runtime, m.isHeldAlive);
}

/** A `sync` from `src`: pages of the buckets whose digests differ from ours, at random, up to `maxPages`. */
export function answerSync<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  sync: Extract<Message<T>, { type: 'sync' }>,
  src: T,
  runtime: Runtime<T>,
): void {
  const ae = m.antiEntropy;
  if (ae === undefined) return;
  const self = m.identity.addr;
  if (sync.total === ae.digest.total(self)) return;
  if (ae.answered.has(src.addr)) {
    ae.syncsRefused++;
    return;
  }
  // Bounded like the table it mirrors: past that, start over.
  if (ae.answered.size >= 4096) ae.answered.clear();
  ae.answered.add(src.addr);
  const ours = ae.digest.buckets(sync.bits, self, sync.salt);
  const differing: number[] = [];
  for (let i = 0; i < ours.length; i++) if (ours[i] !== sync.buckets[i]) differing.push(i);
  let budget = ae.maxPages;
  while (budget > 0 && differing.length > 0) {
    const at = Math.min(differing.length - 1, Math.floor(m.rng.next() * differing.length));
    const bucket = differing[at]!;
    differing[at] = differing[differing.length - 1]!;
    differing.pop();
    const { lo, hi } = bucketRange(sync.bits, bucket);
    budget -= sendPages(m, src, lo, hi, false, budget, runtime);
  }
}

/**
 * A `sync-page` from `src` (see the table above): learn the active members we lack, check those we
 * hold active that it names Down, and push our own page back if `src` lacks what we hold.
 */
export function receiveSyncPage<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  page: Extract<Message<T>, { type: 'sync-page' }>,
  members: readonly Member<T>[],
  src: T,
  runtime: Runtime<T>,
): void {
  const ae = m.antiEntropy;
  if (ae === undefined) return;
  ae.pagesReceived++;
  const self = m.identity.addr;
  const active: Member<T>[] = [];
  const downs: Member<T>[] = [];
  for (const u of members) {
    if (u.id.addr === self || u.id.addr === src.addr) continue;
    (u.state === 'down' ? downs : active).push(u);
  }
  const before = m.table.insertedActive;
  if (active.length > 0) m.applyMany(active, false, runtime, src);
  ae.membersLearned += m.table.insertedActive - before;
  for (const down of downs) {
    const held = m.table.get(down.id.addr);
    if (held === undefined || held.state === 'down') continue;
    ae.downsChecked++;
    accuse(m, down, runtime);
  }
  if (!page.last && page.from <= page.to && senderLacks(m, page.from, page.to, members, src)) {
    sendPages(m, src, page.from, page.to, true, ae.maxPages, runtime);
  }
}

/**
 * Whether the page [`from`, `to`] from `src` lacks a member we hold active, or holds Alive one we
 * hold Down (same identity): either way `src` missed something that our page would tell it.
 */
function senderLacks<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  from: number,
  to: number,
  members: readonly Member<T>[],
  src: T,
): boolean {
  const theirs = new Map<string, Member<T>>();
  for (const u of members) theirs.set(u.id.addr, u);
  for (const { rec } of recordsIn(m, from, to, src.addr)) {
    const t = theirs.get(rec.id.addr);
    if (rec.state !== 'down') {
      if (t === undefined) return true;
    } else if (t !== undefined && t.state !== 'down' && t.id.equals(rec.id)) {
      return true;
    }
  }
  return false;
}

/**
 * Sends `dst` our records (Down ones too) with keys in [`lo`, `hi`], `dst` itself left out, in key
 * order, over at most `budget` packets; a page that can't hold them all says where it stopped (`to`)
 * and the next one goes on from there. Returns the packets sent.
 */
function sendPages<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  dst: T,
  lo: number,
  hi: number,
  last: boolean,
  budget: number,
  runtime: Runtime<T>,
): number {
  const keyed = recordsIn(m, lo, hi, dst.addr);
  const records = keyed.map((k) => k.rec);
  let start = 0;
  let from = lo;
  let sent = 0;
  while (sent < budget) {
    let room = m.out.memberRoom(m, dst, { type: 'sync-page', from, to: hi, last });
    let fit = 0;
    while (start + fit < records.length) {
      const size = m.measure(records[start + fit]!);
      if (size > room) break;
      room -= size;
      fit++;
    }
    const done = start + fit >= records.length;
    // A page that stops inside a run of equal keys covers only the keys before it.
    const to = done ? hi : keyed[start + fit]!.key - 1;
    m.sendRecords(dst, { type: 'sync-page', from, to, last }, records, start, fit, runtime);
    sent++;
    m.antiEntropy!.pagesSent++;
    if (done || fit === 0) break;
    from = keyed[start + fit]!.key;
    let next = start + fit;
    while (next > start && keyed[next - 1]!.key === from) next--;
    start = next;
  }
  return sent;
}

/** Every record we hold (Down ones too) with a feed key in [`lo`, `hi`], `exclude` left out, in key order. */
function recordsIn<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  lo: number,
  hi: number,
  exclude: string,
): Keyed<T>[] {
  const out: Keyed<T>[] = [];
  const signed = m.statements !== undefined;
  for (const rec of m.table.iterAll()) {
    const key = keyOfHash(addrHash(rec.id.addr));
    if (key < lo || key > hi || rec.id.addr === exclude) continue;
    // With signed statements an active member goes as its own signed Alive, as in a Feed (an
    // unsigned record would be dropped); one whose proof we lack is left out. Downs go as they are:
    // the receiver only checks the member itself.
    const listed = !signed || rec.state === 'down' ? rec : provenAlive(rec);
    if (listed !== undefined) out.push({ rec: listed, key });
  }
  out.sort((a, b) => a.key - b.key);
  return out;
}
