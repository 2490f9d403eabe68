import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { MemberRecord } from './members';
import type { StateMachine } from './state-machine';

/**
 * Whom the core may reach and whom it probes when the room rides a bounded overlay (DESIGN §8).
 * Without one (the default) the core is foca's full mesh, unchanged. The host owns it: the core only
 * reads it, at the moment it chooses whom to send to.
 */
export interface Topology {
  /**
   * Whether a packet to `addr` can leave now (a link is open). The core never addresses a packet to a
   * member for which this is false; it counts those it held back (`Swim.heldBack`).
   */
  canReach(addr: string): boolean;
  /** The members this member probes, in ring order (its subjects); the core probes the active ones in turn. */
  probeTargets(): readonly string[];
  /** Members that can check `subject` for us: we reach them and they hold a link to it. */
  indirectVia(subject: string): readonly string[];
  /**
   * Optional: the members gossip, broadcasts, announces and the leave goodbye may go to (e.g. our
   * links). Without it the core scans its active members for reachable ones (O(N) per choice).
   */
  gossipTargets?(): readonly string[];
  /**
   * Optional, for signed accusations (statements.ts): whether `watcher` is one of `subject`'s
   * observers, so its accusation of `subject` counts. Without it any member we hold may accuse.
   */
  watches?(watcher: string, subject: string): boolean;
  /**
   * Optional: how many more direct Pings a probe's indirect stage or a check round sends to its
   * member when only `found` of the `wanted` relays exist (on sparse rings most subjects have none).
   * Without it (or 0) only the usual one goes.
   */
  directRetries?(found: number, wanted: number): number;
}

/*
 * The core's overlay mode: how the full mesh's random choices are narrowed to members we can reach.
 * Every function here runs only with a topology set; foca's paths don't touch it.
 */

/**
 * Up to `wanted` distinct active members among `candidates` (addrs) that we can reach and `pick`
 * accepts, chosen uniformly (reservoir sampling), into `out`. Doesn't affect state but the rng.
 */
export function chooseAmong<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  candidates: readonly string[],
  wanted: number,
  out: T[],
  pick: ((id: T) => boolean) | undefined,
): void {
  out.length = 0;
  if (wanted <= 0) return;
  const topology = m.topology!;
  let seen = 0;
  for (let i = 0; i < candidates.length; i++) {
    const addr = candidates[i]!;
    const rec = m.table.get(addr);
    if (rec === undefined || rec.state === 'down' || !topology.canReach(addr)) continue;
    if (pick !== undefined && !pick(rec.id)) continue;
    if (out.includes(rec.id)) continue;
    seen++;
    if (out.length < wanted) out.push(rec.id);
    else {
      const at = Math.min(seen - 1, Math.floor(m.rng.next() * seen));
      if (at < wanted) out[at] = rec.id;
    }
  }
}

/**
 * Up to `wanted` random active members we can reach (and `pick` accepts), into `out`: among the
 * topology's gossip targets when it names them, else among all active members.
 */
export function chooseReachable<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  wanted: number,
  out: T[],
  pick: ((id: T) => boolean) | undefined,
): void {
  const topology = m.topology!;
  if (topology.gossipTargets !== undefined) {
    chooseAmong(m, topology.gossipTargets(), wanted, out, pick);
    return;
  }
  const both = (id: T) => topology.canReach(id.addr) && (pick === undefined || pick(id));
  m.table.chooseActive(wanted, out, m.rng, both);
}

/**
 * Probe cycles a probe target may stay without a link before we probe it anyway (overlay mode). A
 * link to a new subject opens in well under a second, or a few seconds on a busy machine; a subject
 * that no link reaches for this long is gone for us, and probing it (the Ping is held back, so the
 * probe fails) lets the usual checks and suspicion judge it. Without this a crashed member whose links
 * had all closed, and whose only observers had crashed with it, was never probed by anyone: two of a
 * crashed page's four members stayed in every view (Chromium, 12 members on 6 links, 2 runs in 5).
 * 30 cycles is 9 s with the browser preset.
 */
export const UNLINKED_PROBE_CYCLES = 30;

/**
 * The next member to probe in overlay mode: the topology's probe targets in turn, skipping those
 * that are not active, and those we can't reach yet (a probe that can't leave would fail and suspect a
 * member that is fine) until they have been out of reach for `UNLINKED_PROBE_CYCLES`. Moves the
 * cursor; undefined when none qualifies.
 */
export function nextProbeTarget<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
): MemberRecord<T> | undefined {
  const topology = m.topology!;
  const targets = topology.probeTargets();
  const cycle = ++m.probeCycles;
  // Entries of members that are no longer targets would stay forever: drop them all now and then.
  if (m.unlinkedSince.size > 4 * targets.length + 16) m.unlinkedSince.clear();
  for (let tries = 0; tries < targets.length; tries++) {
    m.probeCursor = (m.probeCursor + 1) % targets.length;
    const addr = targets[m.probeCursor]!;
    const rec = m.table.get(addr);
    if (rec === undefined || rec.state === 'down' || topology.canReach(addr)) {
      m.unlinkedSince.delete(addr);
      if (rec !== undefined && rec.state !== 'down') return rec;
      continue;
    }
    const since = m.unlinkedSince.get(addr);
    if (since === undefined) m.unlinkedSince.set(addr, cycle);
    else if (cycle - since >= UNLINKED_PROBE_CYCLES) {
      m.unlinkedSince.set(addr, cycle);
      return rec;
    }
  }
  return undefined;
}

/**
 * Up to `count` (default `numIndirectProbes`) members to ask to ping `subject` (PingReq), into `out`: random active
 * members in a full mesh, as foca; in overlay mode only those the topology names as able to check it.
 */
export function chooseIndirect<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  subject: T,
  out: T[],
  count = m.config.numIndirectProbes,
): void {
  const notSubject = (id: T) => !id.equals(subject);
  if (m.topology === undefined) {
    m.table.chooseActive(count, out, m.rng, notSubject);
  } else {
    chooseAmong(m, m.topology.indirectVia(subject.addr), count, out, notSubject);
  }
}

/**
 * How many extra direct Pings go beside `found` PingReqs when `wanted` were asked for: none in a full
 * mesh (foca's), the topology's answer in overlay mode. Doesn't affect state.
 */
export function directRetries<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  found: number,
  wanted: number,
): number {
  const topology = m.topology;
  if (topology?.directRetries === undefined || found >= wanted) return 0;
  return Math.max(0, Math.floor(topology.directRetries(found, wanted)));
}

/**
 * Whether our own check of `subject` may declare it Down: always in a full mesh; in overlay mode only
 * when we hold a link to it or it is one of our subjects (its ring observers, DESIGN §9: those who
 * watch a member accuse it). A member farther away can't tell its silence from a lossy relay, and
 * waits for their verdict. An observer judges its subject even with the link gone: a crashed peer's
 * links close (ICE consent, ~17 s over WebRTC) before its suspicion times out, and if only linked
 * members could judge, nobody would ever declare it Down.
 */
export function canCheck<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  subject: T,
): boolean {
  const topology = m.topology;
  if (topology === undefined || topology.canReach(subject.addr)) return true;
  return topology.probeTargets().includes(subject.addr);
}
