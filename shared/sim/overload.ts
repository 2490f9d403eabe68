import { browser, type Config } from '../swim/index';
import { Cluster } from './cluster';
import { CpuModel } from './cpu-model';

/*
 * Overload (issue 12 item 6, the simulator's part): 16 tabs open at once on a machine so busy that
 * each gets a tenth of a core, for 30 s; then the load ends. Tried in Chromium, such a room never
 * formed (views of 3–14 of 16, ~95 packets per tab per second, 1,198 leaves in 40 s): every false
 * Down brings rejoins, Feeds and announcements, which cost the CPU that caused it. Here the CPU
 * model (cpu-model.ts) charges each member for every packet it handles, so handling and timers run
 * late in proportion to the traffic, and the figures are the traffic per member during and after the
 * overload, the false Downs, and how long after the load ends the room converges.
 */

export interface OverloadInit {
  readonly seed: number;
  /** Default 16. */
  readonly size?: number;
  /** How long the load lasts from the cold start. Default 30 s. */
  readonly overloadMs?: number;
  /** Share of a core each member gets during the load. Default 0.1 (16 tabs, 2 busy cores). */
  readonly share?: number;
  /** CPU a packet costs at a full core. Default 2 ms (~2.4 % of a core per tab at ~12 packets/s). */
  readonly costMsPerPacket?: number;
  /** Watched after the load ends. Default 30 s. */
  readonly afterMs?: number;
  /** Default `browser(size)`, the tabs' preset. */
  readonly config?: Config;
  /**
   * The overload limits (default on): the host loop's rejoin-after-pause backoff
   * (`HostLoopInit.pauseRejoinBackoffMs`). Off: every long stall renames the member, as before.
   */
  readonly limits?: boolean;
}

export interface OverloadReport {
  readonly size: number;
  /** Packets sent per member per second while the load lasted. */
  readonly packetsPerMemberSecondDuring: number;
  /** The same over the last 10 s of the watch after the load (the settled rate). */
  readonly packetsPerMemberSecondAfter: number;
  /** MemberDown notifications about running members (each member's view counts). */
  readonly falseDowns: number;
  /** …of them while the load lasted. */
  readonly falseDownsDuring: number;
  readonly rejoins: number;
  /** Rejoins after a pause that the backoff held back. */
  readonly rejoinsHeld: number;
  /** Whether every member saw every other (all Alive) at the moment the load ended. */
  readonly formedUnderLoad: boolean;
  /** Load end → every member sees every other, all Alive; null if not within the watch. */
  readonly convergedAfterMs: number | null;
  /** CPU charged per member per second of load (ms/s at its share: > 1,000 is a spiral). */
  readonly cpuMsPerMemberSecond: number;
}

/** Runs the overload scenario. Deterministic: the same init gives the same report. */
export function runOverload(init: OverloadInit): OverloadReport {
  const size = init.size ?? 16;
  const overloadMs = init.overloadMs ?? 30_000;
  const afterMs = init.afterMs ?? 30_000;
  const share = init.share ?? 0.1;
  const cluster = new Cluster({ size, seed: init.seed, config: init.config ?? browser(size) });
  const sim = cluster.sim;
  const cpu = new CpuModel(sim, { costMsPerPacket: init.costMsPerPacket ?? 2 });
  for (const i of cluster.all()) {
    cpu.setShare(i, share);
    if (init.limits === false) sim.host(i).loop.pauseRejoinBackoffMs = 0;
  }

  let falseDowns = 0;
  let falseDownsDuring = 0;
  let rejoins = 0;
  let loaded = true;
  sim.onNotification((_member, n) => {
    if (n.type === 'rejoin') rejoins++;
    if (n.type !== 'member-down') return;
    const about = sim.indexOf(n.id.addr);
    if (about === undefined || !sim.isAlive(about)) return;
    falseDowns++;
    if (loaded) falseDownsDuring++;
  });

  const start = sim.now;
  const sent0 = sim.stats.packetsSent;
  cluster.coldStart(cluster.all(), 1000);
  sim.runUntil(start + overloadMs);
  const during = (sim.stats.packetsSent - sent0) / size / (overloadMs / 1000);
  const cpuMs = cpu.chargedMs / size / (overloadMs / 1000);
  loaded = false;
  cpu.clear();
  const loadEnd = sim.now;
  const formedUnderLoad = cluster.converged();
  const converged = sim.runUntilTrue(() => cluster.converged(), afterMs);
  sim.runUntil(loadEnd + afterMs - 10_000);
  const sent1 = sim.stats.packetsSent;
  sim.runUntil(loadEnd + afterMs);
  let rejoinsHeld = 0;
  for (const i of cluster.all()) rejoinsHeld += sim.host(i).loop.pauseRejoinsHeld;
  return {
    size,
    packetsPerMemberSecondDuring: during,
    packetsPerMemberSecondAfter: (sim.stats.packetsSent - sent1) / size / 10,
    falseDowns,
    falseDownsDuring,
    rejoins,
    rejoinsHeld,
    formedUnderLoad,
    convergedAfterMs: converged === undefined ? null : converged - loadEnd,
    cpuMsPerMemberSecond: cpuMs,
  };
}
