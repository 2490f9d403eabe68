import { type Config, randomInt, seededRng } from '../swim/index';
import { Cluster, mixSeed } from './cluster';
import { CpuModel } from './cpu-model';
import { ClusterMetrics, mean } from './metrics';
import type { LinkParams } from './network';
import { simConfig } from './sim-config';

/*
 * Slow members (issue 15 item 2, issue 12 item 6): the Lifeguard paper's setting. A share of the
 * members run, but badly, in three ways a tab does:
 *
 * - stalls: the event loop blocks for 0.5–3 s every 2–8 s (long tasks, GC, a busy page); packets
 *   queue up meanwhile and are handled on resume, timers fire late;
 * - hidden: timers on a 1 s grid (a background tab); packets are handled at once;
 * - starved CPU: every packet handled costs `cpuMsPerPacket` of CPU, so the member's timers and
 *   handling run late in proportion to the packets it gets (checked every 100 ms: the loop is hung
 *   for the CPU the last 100 ms of packets cost).
 *
 * The figure is the false positives: suspicions (probe failures) and Downs about running members,
 * split by whom they are about and who raised them, with and without Lifeguard on the same seed.
 */

/** A slow-members run. */
export interface SlowMembersInit {
  readonly size: number;
  readonly seed: number;
  /** Lifeguard on every member (the core's default) or off. */
  readonly lifeguard: boolean;
  /** Share of members that are slow (0..1), split evenly between stalls, hidden and starved CPU. */
  readonly slowShare: number;
  /** Simulated time with slow members, after a converged start. */
  readonly durationMs: number;
  /** Healthy members crashed along the way (spread over the run), to measure detection. */
  readonly crashes: number;
  /** CPU one handled packet costs a starved member. Default 100 ms. */
  readonly cpuMsPerPacket?: number;
  /** Defaults to `simConfig(size)` (foca's `lan(size)`, 300 ms RTT). */
  readonly config?: Config;
  /** Defaults to 1 ms + up to 1 ms jitter, no loss. */
  readonly link?: LinkParams;
}

/** False positives and detection of one run. */
export interface SlowMembersReport {
  readonly lifeguard: boolean;
  readonly slow: number;
  /** Probe failures about running members (the first step of a false accusation). */
  readonly falseSuspicions: number;
  /** …of them, raised by a slow member (the accusations Lifeguard is meant to stop). */
  readonly falseSuspicionsBySlow: number;
  /**
   * Suspicions of running healthy members that were published and refuted (the sum of their
   * incarnations): each one went to the whole cluster and back. Lifeguard's false positives.
   */
  readonly refutationsByHealthy: number;
  /** The same for slow members (some are fair: a stalled member did not answer). */
  readonly refutationsBySlow: number;
  /** MemberDown notifications about running healthy members. */
  readonly falseDownsOfHealthy: number;
  /** MemberDown notifications about running slow members (a stall of ≤ 3 s must not condemn them). */
  readonly falseDownsOfSlow: number;
  /** Forced rejoins (a running member told it is Down). */
  readonly rejoins: number;
  /** False positives per member-hour: MemberDowns about running members over member time. */
  readonly falseDownsPerMemberHour: number;
  readonly firstDetectionPeriods: number | null;
  readonly detectionSeconds: number | null;
  readonly crashesDetected: number;
  readonly crashes: number;
  /** Mean local health score of the slow members at the end (0 without Lifeguard). */
  readonly meanSlowHealth: number;
  readonly bytesPerMemberSecond: number;
}

const TICK_MS = 100;

/** Runs one slow-members scenario. Deterministic: the same init gives the same report. */
export function runSlowMembers(init: SlowMembersInit): SlowMembersReport {
  const config = init.config ?? simConfig(init.size);
  const cluster = new Cluster({
    size: init.size,
    seed: init.seed,
    config,
    lifeguard: init.lifeguard,
    ...(init.link === undefined ? {} : { link: init.link }),
  });
  const sim = cluster.sim;
  const metrics = new ClusterMetrics(cluster);
  const rng = seededRng(mixSeed(init.seed, 0x510e));
  cluster.preconverge();

  const slowCount = Math.round(init.slowShare * init.size);
  const kind = (i: number): 'stall' | 'hidden' | 'cpu' | undefined =>
    i >= slowCount ? undefined : i % 3 === 0 ? 'stall' : i % 3 === 1 ? 'hidden' : 'cpu';
  const isSlow = (i: number) => i < slowCount;
  const cpuMs = init.cpuMsPerPacket ?? 100;

  // Who is who, and what happens to them.
  let falseSuspicions = 0;
  let falseSuspicionsBySlow = 0;
  let falseDownsOfHealthy = 0;
  let falseDownsOfSlow = 0;
  let rejoins = 0;
  sim.onNotification((member, n) => {
    if (n.type === 'rejoin') {
      rejoins++;
      return;
    }
    if (n.type !== 'probe-failed' && n.type !== 'member-down') return;
    const about = sim.indexOf(n.id.addr);
    if (about === undefined || !sim.isAlive(about) || sim.node(about).identity.addr !== n.id.addr) return;
    if (n.type === 'probe-failed') {
      falseSuspicions++;
      if (isSlow(member)) falseSuspicionsBySlow++;
    } else if (isSlow(about)) {
      falseDownsOfSlow++;
    } else {
      falseDownsOfHealthy++;
    }
  });

  // Starved CPU: packets handled in the last tick cost CPU the next tick pays for (cpu-model.ts).
  const cpu = new CpuModel(sim, { costMsPerPacket: cpuMs, tickMs: TICK_MS });
  for (let i = 0; i < slowCount; i++) if (kind(i) === 'cpu') cpu.setShare(i, 1);
  const start = sim.now;
  const end = start + init.durationMs;
  sim.at(end - 1, () => cpu.clear());
  // Stalls: 0.5–3 s every 2–8 s.
  const stall = (i: number) => {
    sim.hang(i, 500 + rng.next() * 2500, { queueInbound: true });
    const next = 2000 + rng.next() * 6000;
    if (sim.now + next < end) sim.after(next, () => stall(i));
  };
  for (let i = 0; i < slowCount; i++) {
    if (kind(i) === 'hidden') sim.throttle(i, 1000);
    else if (kind(i) === 'stall') sim.after(rng.next() * 5000, () => stall(i));
  }

  // Crashes of healthy members, spread over the run (each gets time to be detected).
  const crashes = Math.min(init.crashes, Math.max(0, init.size - slowCount - 1));
  const crashed = new Set<number>();
  const slot = init.durationMs / Math.max(1, crashes + 1);
  for (let k = 0; k < crashes; k++) {
    sim.runUntil(start + slot * (k + 1) + rng.next() * config.probePeriodMs);
    let victim = slowCount + randomInt(rng, init.size - slowCount);
    while (crashed.has(victim)) victim = slowCount + randomInt(rng, init.size - slowCount);
    crashed.add(victim);
    metrics.crash(victim);
  }
  const bytes0 = sim.stats.bytesSent;
  sim.runUntil(end);
  // Let the last stalls end so every member is back.
  sim.runFor(5000);

  let liveMs = init.size * (sim.now - start);
  for (const c of metrics.crashes) liveMs -= sim.now - c.at;
  let health = 0;
  for (let i = 0; i < slowCount; i++) health += cluster.swim(i).localHealth;
  let refutationsByHealthy = 0;
  let refutationsBySlow = 0;
  for (let i = 0; i < init.size; i++) {
    if (!sim.isAlive(i)) continue;
    if (isSlow(i)) refutationsBySlow += cluster.swim(i).incarnation;
    else refutationsByHealthy += cluster.swim(i).incarnation;
  }
  const detected = metrics.crashes.filter((c) => c.allDownAt !== undefined);
  const falseDowns = falseDownsOfHealthy + falseDownsOfSlow;
  return {
    lifeguard: init.lifeguard,
    slow: slowCount,
    falseSuspicions,
    falseSuspicionsBySlow,
    refutationsByHealthy,
    refutationsBySlow,
    falseDownsOfHealthy,
    falseDownsOfSlow,
    rejoins,
    falseDownsPerMemberHour: liveMs > 0 ? falseDowns / (liveMs / 3_600_000) : 0,
    firstDetectionPeriods: mean(
      metrics.crashes
        .filter((c) => c.firstSuspectAt !== undefined)
        .map((c) => (c.firstSuspectAt! - c.at) / config.probePeriodMs),
    ),
    detectionSeconds: mean(detected.map((c) => (c.allDownAt! - c.at) / 1000)),
    crashesDetected: detected.length,
    crashes: metrics.crashes.length,
    meanSlowHealth: slowCount === 0 ? 0 : health / slowCount,
    bytesPerMemberSecond:
      (sim.stats.bytesSent - bytes0) / Math.max(1e-9, (cluster.live().length * (sim.now - start)) / 1000),
  };
}
