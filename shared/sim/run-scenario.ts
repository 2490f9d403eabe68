import { type Config, randomInt, seededRng } from '../swim/index';
import { runChurn } from './churn';
import { Cluster, type ClusterOverlayInit, mixSeed } from './cluster';
import { ClusterMetrics, mean } from './metrics';
import type { LinkParams } from './network';
import { simConfig } from './sim-config';

/** A measured run: what cluster, what network, what goes wrong, for how long. */
export interface ScenarioInit {
  readonly size: number;
  readonly seed: number;
  /** Config of every member; defaults to `simConfig(size)` (foca's `lan(size)`, 300 ms RTT). */
  readonly config?: Config;
  /** Every link; defaults to 1 ms + up to 1 ms jitter, no loss. */
  readonly link?: LinkParams;
  /** Longest simulated wait for the cold start to reach "all see all"; 0 starts converged (applyMany). */
  readonly coldStartCapMs: number;
  /** Share of members (0..1) whose timers run on a 1 s grid from the start of the measured phase (hidden tabs). */
  readonly throttledShare?: number;
  /** Crashes measured one after the other, each followed by a custom broadcast from a live member (at most a minority of the cluster). */
  readonly crashes: number;
  /** Quiet simulated time at the end, over which load is measured. */
  readonly steadyMs: number;
  /**
   * Simulated time between the end of a cold start and the first crash, so the joins' own gossip has
   * died down before anything is measured. Default 20 s (0 after a converged start).
   */
  readonly settleMs?: number;
  /** Large-room support: every member keeps the overlay and packets need links (see `ClusterInit.overlay`). */
  readonly overlay?: ClusterOverlayInit;
  /** Anti-entropy in every member (`ClusterInit.antiEntropy`). Default on, as the tabs. */
  readonly antiEntropy?: boolean;
  /**
   * After the quiet stretch: this share of the members (0..1) leaves (half gracefully, half crashing)
   * and as many join, per minute, for `churnMinutes`. Default none.
   */
  readonly churnPerMinute?: number;
  readonly churnMinutes?: number;
  /** Called once the cold start is over. */
  readonly onStarted?: (cluster: Cluster) => void;
  /** Called when the quiet stretch over which load is measured begins. */
  readonly onSteady?: (cluster: Cluster) => void;
  /** Called at the end of the run, the cluster still alive (e.g. to measure the heap). */
  readonly onFinished?: (cluster: Cluster) => void;
}

/** DESIGN §6 figures of one run; `null` where nothing was measured. Times in seconds. */
export interface ScenarioReport {
  /** Cold start → every member sees all others active; null if not within the cap or not run. */
  readonly allSeeAllSeconds: number | null;
  /** Mean of crash → first probe failure about it at a live member, in probe periods. */
  readonly firstDetectionPeriods: number | null;
  /** Mean of crash → every live member notified MemberDown (over the crashes that completed). */
  readonly detectionSeconds: number | null;
  readonly crashesDetected: number;
  readonly crashes: number;
  /** Mean of a custom broadcast's creation → held by 99.99 % of live members. */
  readonly disseminationSeconds: number | null;
  /** MemberDown notifications about running members, over the measured phase. */
  readonly falseDowns: number;
  readonly falsePositivesPerMemberHour: number;
  /** Forced rejoins over the whole run. */
  readonly rejoins: number;
  /** Probe failures about running members over the whole run. */
  readonly falseSuspicions: number;
  readonly bytesPerMemberSecond: number;
  readonly packetsPerMemberSecond: number;
  /** Simulated time of the whole run. */
  readonly simulatedSeconds: number;
  /** Most links any member held at once (overlay: measured; full mesh: N − 1, everyone links to everyone). */
  readonly linksPerMemberMax: number;
  /** Links per live member at the end (full mesh: N − 1). */
  readonly linksPerMemberMean: number;
  /** Packets that found no link over the quiet stretch (overlay only; 0 in a full mesh). */
  readonly unsentNoLinkSettled: number;
  /** Links opened per member per minute over the churn (null without churn). */
  readonly linkOpensPerMemberMinute: number | null;
  /** MemberDown about running members during the churn (null without churn). */
  readonly churnFalseDowns: number | null;
}

/**
 * Runs one measured scenario on a fresh cluster and reports DESIGN §6's figures: a cold start through
 * the signaling-like bootstrap (or a converged start), then crashes one after the other with a custom
 * broadcast after each, then a quiet stretch for load. Deterministic: the same init gives the same
 * report. Useful to compare presets (e.g. a browser preset under throttled tabs and loss).
 */
export function runScenario(init: ScenarioInit): ScenarioReport {
  const config = init.config ?? simConfig(init.size);
  const cluster = new Cluster({
    size: init.size,
    seed: init.seed,
    config,
    ...(init.link === undefined ? {} : { link: init.link }),
    ...(init.overlay === undefined ? {} : { overlay: init.overlay }),
    ...(init.antiEntropy === undefined ? {} : { antiEntropy: init.antiEntropy }),
  });
  const metrics = new ClusterMetrics(cluster);
  const sim = cluster.sim;
  const rng = seededRng(mixSeed(init.seed, 0xbe4c));

  let allSeeAll: number | null = null;
  if (init.coldStartCapMs > 0) {
    cluster.coldStart(cluster.all(), 1000);
    const everyone = init.size - 1;
    const at = sim.runUntilTrue(
      () => cluster.swims.every((s) => s.numMembers === everyone),
      init.coldStartCapMs,
      100,
    );
    allSeeAll = at === undefined ? null : at / 1000;
  } else {
    cluster.preconverge();
  }
  init.onStarted?.(cluster);
  sim.runFor(init.settleMs ?? (init.coldStartCapMs > 0 ? 20_000 : 0));

  const throttled = Math.round((init.throttledShare ?? 0) * init.size);
  for (let i = 0; i < throttled; i++) sim.throttle(i, 1000);

  const phaseStart = sim.now;
  const falseDowns0 = metrics.falseDowns;
  const crashed = new Set<number>();
  // A majority always survives: crashing most of a small cluster measures nothing useful.
  const crashes = Math.min(init.crashes, Math.floor((init.size - 1) / 2));
  for (let k = 0; k < crashes; k++) {
    // A random instant within the probe period, so first detection is not phase-locked.
    sim.runFor(rng.next() * config.probePeriodMs);
    let victim = randomInt(rng, init.size);
    while (crashed.has(victim)) victim = randomInt(rng, init.size);
    crashed.add(victim);
    const record = metrics.crash(victim);
    sim.runFor(config.probePeriodMs * 2);
    const live = cluster.live();
    metrics.broadcast(live[randomInt(rng, live.length)]!, k + 1, 1);
    sim.runUntilTrue(() => record.allDownAt !== undefined, (config.suspectToDownAfterMs + 12_000) * 4, 250);
    sim.runFor(1000);
  }

  // Load is measured once the crashes have settled: loss-driven suspicions and refutations count, a
  // crash's own dissemination does not.
  init.onSteady?.(cluster);
  const steadyStart = sim.now;
  const bytes0 = sim.stats.bytesSent;
  const packets0 = sim.stats.packetsSent;
  const unsent0 = sim.stats.unsentNoLink;
  sim.runFor(init.steadyMs);
  const steadyMemberSeconds = Math.max(1e-9, (cluster.live().length * (sim.now - steadyStart)) / 1000);
  const unsentNoLinkSettled = sim.stats.unsentNoLink - unsent0;
  const bytesSteady = sim.stats.bytesSent - bytes0;
  const packetsSteady = sim.stats.packetsSent - packets0;
  // Member-time for false positives: crashed members stop counting when they crash.
  let liveMs = init.size * (sim.now - phaseStart);
  for (const c of metrics.crashes) liveMs -= sim.now - c.at;

  init.onFinished?.(cluster);
  // After the end of the measured rows' run: the churn has figures of its own.
  const share = init.churnPerMinute ?? 0;
  const minutes = init.churnMinutes ?? 0;
  const churn = share > 0 && minutes > 0 ? runChurn(cluster, metrics, rng, { share, minutes }) : undefined;
  const links = sim.links;
  const live = cluster.live();

  const detected = metrics.crashes.filter((c) => c.allDownAt !== undefined);
  const falseDowns = metrics.falseDowns - falseDowns0;
  return {
    allSeeAllSeconds: allSeeAll,
    firstDetectionPeriods: mean(
      metrics.crashes
        .filter((c) => c.firstSuspectAt !== undefined)
        .map((c) => (c.firstSuspectAt! - c.at) / config.probePeriodMs),
    ),
    detectionSeconds: mean(detected.map((c) => (c.allDownAt! - c.at) / 1000)),
    crashesDetected: detected.length,
    crashes: metrics.crashes.length,
    disseminationSeconds: mean(
      metrics.spreads.filter((s) => s.doneAt !== undefined).map((s) => (s.doneAt! - s.at) / 1000),
    ),
    falseDowns,
    falsePositivesPerMemberHour: liveMs > 0 ? falseDowns / (liveMs / 3_600_000) : 0,
    rejoins: metrics.rejoins,
    falseSuspicions: metrics.falseSuspicions,
    bytesPerMemberSecond: bytesSteady / steadyMemberSeconds,
    packetsPerMemberSecond: packetsSteady / steadyMemberSeconds,
    simulatedSeconds: sim.now / 1000,
    linksPerMemberMax:
      links === undefined ? init.size - 1 : Math.max(0, ...cluster.all().map((i) => links.maxOpen[i] ?? 0)),
    linksPerMemberMean:
      links === undefined
        ? init.size - 1
        : live.reduce((a, i) => a + links.linksOf(i), 0) / Math.max(1, live.length),
    unsentNoLinkSettled,
    linkOpensPerMemberMinute: churn?.opensPerMemberMinute ?? null,
    churnFalseDowns: churn?.falseDowns ?? null,
  };
}
