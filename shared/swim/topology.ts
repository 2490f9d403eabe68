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
  /**
   * Optional: whether to probe `addr`, one of our probe targets we can't reach, all the same. A
   * subject whose link never opens (it crashed before its observers' links to it did) would
   * otherwise be probed by nobody and stay Alive for everyone; probed, its Ping can't leave, so the
   * probe fails and SWIM's path follows: indirect checks through members that reach it, the check
   * before suspecting, a suspicion a live member refutes through any member that reaches it. Asked
   * only when `canReach(addr)` is false, as its turn comes. Without it such targets are skipped.
   */
  probeUnlinked?(addr: string): boolean;
  /**
   * Optional: whether our own check may declare `addr`, one of our probe targets we can't reach,
   * Down now. A suspicion raised without a link reaches the suspect, and its refutation us, only by
   * gossip, which takes longer than the suspicion's timeout; until this says yes we wait as a member
   * that only heard of the suspicion does. Without it a probe target may always be judged.
   */
  judgeUnlinked?(addr: string): boolean;
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
 * The next member to probe in overlay mode: the topology's probe targets in turn, skipping those
 * that are not active or that we can't reach yet (a probe that can't leave would fail and suspect a
 * member that is fine), unless the topology says a target unreachable that long is to be probed
 * anyway (`probeUnlinked`). Moves the cursor; undefined when none qualifies.
 */
export function nextProbeTarget<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
): MemberRecord<T> | undefined {
  const topology = m.topology!;
  const targets = topology.probeTargets();
  for (let tries = 0; tries < targets.length; tries++) {
    m.probeCursor = (m.probeCursor + 1) % targets.length;
    const addr = targets[m.probeCursor]!;
    const rec = m.table.get(addr);
    if (rec === undefined || rec.state === 'down') continue;
    if (topology.canReach(addr) || topology.probeUnlinked?.(addr) === true) return rec;
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
 * members could judge, nobody would ever declare it Down. One it probed without a link
 * (`probeUnlinked`) it judges only once the topology allows (`judgeUnlinked`).
 */
export function canCheck<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  subject: T,
): boolean {
  const topology = m.topology;
  if (topology === undefined || topology.canReach(subject.addr)) return true;
  if (!topology.probeTargets().includes(subject.addr)) return false;
  return topology.judgeUnlinked?.(subject.addr) ?? true;
}
