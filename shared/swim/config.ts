import { InvalidConfigError } from './errors';
import { MAX_PACKET_SIZE, MIN_PACKET_SIZE } from './limits';

/** How often to do something periodic, and with how many members. */
export interface PeriodicParams {
  /** Time between two runs; the first comes after one period (announces: at a random point of it). */
  readonly frequencyMs: number;
  /** How many random members each run sends to. */
  readonly numMembers: number;
}

/** Everything that tunes the protocol. Times are in milliseconds. Mirrors foca's `Config`. */
export interface Config {
  /** Length of one protocol period: a probe starts every period. */
  readonly probePeriodMs: number;
  /** How long to wait for a direct Ack before asking others to probe indirectly. Less than the period. */
  readonly probeRttMs: number;
  /**
   * Shoal: how long after the PingReqs a probe is judged (`judge-probe`), within the period. Default
   * 0.2 × `probeRttMs`. The browser preset sets 150 ms: a relayed round trip is four hops, and
   * between tabs each waits for a busy page's event loop (30 ms made jank a false Down in Chromium).
   */
  readonly indirectWaitMs?: number;
  /**
   * Shoal: how many silent check rounds (a ping and pings through relays, one probe period each) a
   * suspect whose suspicion timed out gets before it is declared Down, and the round a Down heard as
   * an accusation is (`downIsAccusation`). Default 2 (`CHECK_ROUNDS`).
   */
  readonly checkRounds?: number;
  /**
   * Shoal: a member our own check declared Down is gossiped at once to `numIndirectProbes` members,
   * not with the next periodic gossip or probe. Default false (foca's timing).
   */
  readonly gossipDownAtOnce?: boolean;
  /**
   * Shoal: a member that only heard of a suspicion times it out as the member that published it does
   * (`suspectToDownAfterMs` less its check rounds and the prober's own check, counted from hearing
   * it), not as a backstop `HEARD_SUSPICION_FACTOR` times longer, and the prober gossips its new
   * suspicion at once. Only where the core takes a Down from the wire as an accusation
   * (`SwimInit.downIsAccusation`) in a full mesh: every member checks a crashed member once anyway,
   * and this way its round runs beside the prober's, not after the prober's Down. Default false (the
   * backstop).
   */
  readonly heardSuspicionAsOwn?: boolean;
  /**
   * Shoal: the round of our check that a Down accusation made final ends, with a Down, as soon as at
   * least half its relays nacked and nothing answered (`endAccusedRoundIfSilent`), not a whole probe
   * period after it began. Needs Lifeguard's nacks. Default false.
   */
  readonly accusedRoundEndsOnNacks?: boolean;
  /** How many members are asked to probe indirectly. */
  readonly numIndirectProbes: number;
  /** How many times each update is sent before it leaves the backlog (1..255). */
  readonly maxTransmissions: number;
  /** How long a member stays Suspect before it is declared Down. */
  readonly suspectToDownAfterMs: number;
  /** How long a Down member is remembered (so its old identity stays refused). */
  readonly removeDownAfterMs: number;
  /** Largest packet sent or accepted, in bytes. */
  readonly maxPacketSize: number;
  /** Tell members we consider Down that they are (TurnUndead), so they can rejoin. */
  readonly notifyDownMembers: boolean;
  /** Announce to random active members now and then (heals partitions). */
  readonly periodicAnnounce: PeriodicParams | undefined;
  /** Announce to random Down members now and then (heals partitions that declared each other Down). */
  readonly periodicAnnounceToDownMembers: PeriodicParams | undefined;
  /** Send the update backlog to random members now and then, on top of piggybacking. */
  readonly periodicGossip: PeriodicParams | undefined;
}

/** WebRTC data channels: stay well under the path MTU so SCTP never fragments an unreliable message. */
export const DEFAULT_MAX_PACKET_SIZE = 1200;

const SECOND = 1000;
const HOUR = 3600 * SECOND;

function clampTransmissions(n: number): number {
  return Math.min(255, Math.max(1, Math.floor(4 * Math.log10(n + 1))));
}

function suspicionFactor(n: number): number {
  return Math.max(1, Math.log10(n));
}

/** foca's `Config::simple()`: a small, slow, safe default. */
export function simple(): Config {
  return {
    probePeriodMs: 1.5 * SECOND,
    probeRttMs: 0.5 * SECOND,
    numIndirectProbes: 3,
    maxTransmissions: 10,
    suspectToDownAfterMs: 3 * SECOND,
    removeDownAfterMs: 24 * HOUR,
    maxPacketSize: DEFAULT_MAX_PACKET_SIZE,
    notifyDownMembers: false,
    periodicAnnounce: undefined,
    periodicAnnounceToDownMembers: undefined,
    periodicGossip: undefined,
  };
}

/**
 * foca's `Config::new_lan(n)`: tuned for a cluster of about `n` members on a LAN, with foca's numbers.
 * The simulator runs it with a 300 ms RTT (`simConfig` in shared/sim/sim-config.ts says why).
 */
export function lan(clusterSize: number): Config {
  const n = Math.max(1, clusterSize);
  const period = 1 * SECOND;
  return {
    probePeriodMs: period,
    probeRttMs: 0.5 * SECOND,
    numIndirectProbes: 3,
    maxTransmissions: clampTransmissions(n),
    suspectToDownAfterMs: suspicionFactor(n) * 4 * period,
    removeDownAfterMs: 24 * HOUR,
    maxPacketSize: DEFAULT_MAX_PACKET_SIZE,
    notifyDownMembers: true,
    periodicAnnounce: { frequencyMs: 30 * SECOND, numMembers: 1 },
    periodicAnnounceToDownMembers: { frequencyMs: 65 * SECOND, numMembers: 2 },
    periodicGossip: { frequencyMs: 200, numMembers: 3 },
  };
}

/** foca's `Config::new_wan(n)`: slower probes and longer suspicion for high-latency links. */
export function wan(clusterSize: number): Config {
  const n = Math.max(1, clusterSize);
  const period = 5 * SECOND;
  return {
    probePeriodMs: period,
    probeRttMs: 3 * SECOND,
    numIndirectProbes: 3,
    maxTransmissions: clampTransmissions(n),
    suspectToDownAfterMs: suspicionFactor(n) * 6 * period,
    removeDownAfterMs: 24 * HOUR,
    maxPacketSize: DEFAULT_MAX_PACKET_SIZE,
    notifyDownMembers: true,
    periodicAnnounce: { frequencyMs: 60 * SECOND, numMembers: 2 },
    periodicAnnounceToDownMembers: { frequencyMs: 125 * SECOND, numMembers: 3 },
    periodicGossip: { frequencyMs: 500, numMembers: 4 },
  };
}

/**
 * The browser preset's least suspicion (`suspectToDownAfterMs`): what makes a long task of 1.5 s
 * safe. Measured on the simulator (2026-12-01, 5 members of which 2 block for a random 100 ms slice
 * of length, 4 seeds × 10 min; 20 crashes at n = 8), the longest block that is never a Down and the
 * "all Down" median after a crash, by this floor: 800 ms (the 0.8 s × log10 n formula alone) < 1.2 s,
 * 1.7 s; 1,300 ms ~1.5 s, 2.1 s; 1,400 ms ~1.65 s, 2.2 s; 1,500 ms ~1.75 s, 2.3 s; 1,600 ms
 * ~1.85 s, 2.4 s. Each 100 ms of tolerance costs 100 ms of detection: 1,400 keeps ~150 ms of margin
 * over 1.5 s for a busy renderer's own delays.
 */
export const LONG_TASK_SUSPICION_MS = 1400;

/**
 * Shoal's browser preset: foca's `lan(n)` shape, faster, for tabs on WebRTC data channels.
 *
 * Target: a crashed tab is known Down by every tab in ≤ 3 s at N ≤ 16, and a live tab is never
 * declared Down, even when it is hidden (Chrome runs a hidden tab's timers up to ~1 s late, but its
 * message handlers run at once, so its Acks and refutations are prompt; the runtime also fires due
 * timers whenever a packet arrives, which keeps a hidden tab's own probes near their schedule).
 *
 * - Period 300 ms: SWIM's first detection takes e/(e−1) ≈ 1.58 periods on average (≈ 0.5 s).
 * - RTT 150 ms: a data channel on a LAN or loopback answers in a few ms; 150 ms leaves room for a
 *   busy main thread and gives the indirect probes the other half of the period. For TURN relays
 *   over the internet, raise `probeRttMs` (and `probePeriodMs`) through the `config` option.
 * - Suspicion 800 ms × max(1, log10 n) (lan: 4 periods × the same factor). Every member that hears a
 *   suspicion runs its own timer, so "all Down" ≈ first detection + suspicion + a gossip hop. A live
 *   but suspected tab refutes from its message handler as soon as the suspicion reaches it (one
 *   gossip hop, ~200 ms) and the refutation spreads back well inside the window.
 * - Gossip every 200 ms to 3 members, as lan: dissemination in O(log n) hops of 200 ms.
 * - maxTransmissions as lan (4·log10(n+1)), at least 4 so small rooms don't lose updates to one drop.
 * - Periodic announce every 10 s (lan: 30 s) heals partitions sooner; tabs come and go often.
 * - removeDownAfter 1 h rather than 24 h: a tab's old lives are refused by their generation anyway,
 *   and tabs churn, so Down entries are cheap to forget.
 *
 * Measured on the simulator (shared/sim, LAN links, 30 seeds, one crash after a minute), "all Down"
 * at n = 16 with all tabs visible: mean 2.55 s, median 2.4 s, max 3.9 s, and 0 false Downs, also at
 * 5 % loss (where suspicions happen and are refuted). With half the tabs hidden (timers on a 1 s
 * grid; the simulator does not model the runtime's fire-on-packet): mean 3.3 s, median 2.9 s,
 * 0 false Downs. Other points tried at n = 16 (period / rtt / suspicion base → visible mean):
 * 500/250/1500 → 4.3 s, 500/250/1000 → 3.5 s, 400/200/1000 → 3.2 s, 300/150/1000 → 2.8 s,
 * 250/125/800 → 2.4 s (but a longer tail: max 5.2 s).
 *
 * - One check round (`checkRounds: 1`, the core's default is 2) before a timed-out suspect is Down,
 *   and that Down gossiped at once (`gossipDownAtOnce`): after a crash the prober's path is its probe,
 *   a check, the suspicion's wait (one period with LHA's confirmations) and one more check, then every
 *   other member checks the Down once (downIsAccusation). Measured on the simulator (2026-12-01; links
 *   2 ms + up to 3 ms, downIsAccusation, 60 seeds × 3 crashes), "all Down" mean (median): n = 8
 *   2,083 (2,038) ms → 1,802 (1,742) ms, n = 16 2,135 → 1,854 (1,778) ms (a Down accusation that
 *   finds a check of ours under way now makes that round the last, which the core does for any
 *   preset: 2,223 → 2,083 ms at n = 8). Still 0 false Downs at 10 % and 25 % loss (n = 8 and 16, 6
 *   seeds × 3 min) and with a third of the tabs hidden (6 seeds × 5 min).
 * - A member that hears of a suspicion times it out as its prober does (`heardSuspicionAsOwn`) and
 *   a Down accusation's final round ends at its relays' nacks (`accusedRoundEndsOnNacks`): the
 *   others' Downs come with the prober's, not a Down's gossip hop and a check round after it, and
 *   none sooner than `suspectToDownAfterMs` after the first failed probe (shared/sim/crash-silence.test.ts).
 *   Measured on the simulator (2026-12-02, shared/sim/bench/crash-tolerance.ts: links 2 + 0-3 ms,
 *   30 seeds × 3 crashes), "all Down" median (p95): n = 8 2,202 (2,767) → 1,961 (2,494) ms,
 *   n = 16 2,254 (2,782) → 1,987 (2,612) ms; 0 false Downs at 10 % and 25 % loss (n = 8, 16, 6 seeds
 *   × 3 min), the same bytes. Stalls of 2 members of 5 (4 seeds × 10 min), false Downs at 1,500 /
 *   1,550 / 1,600 / 1,650 / 1,700 ± 25 ms: 2 / 0 / 1 / 2 / 25 before, 0 / 1 / 0 / 4 / 52 after. Each
 *   one below 1.7 s is a checker that stalled too and ran its overdue round before the answer queued
 *   behind it (the host loop's late grace ends at the first wake-up booked during it); with that
 *   mended (tried, not in the core), 0 up to 1,650 ± 25 ms before and after. Chromium
 *   (bench:browser --quick back to back, N = 8): 2,151 ms median without the two switches (load
 *   7.5–10.2), 1,925 ms with them (load 5.0–6.1); y-webrtc 22,315 and 22,889 ms in those runs.
 * - But never less than `LONG_TASK_SUSPICION_MS` of suspicion: a tab's main thread can block for
 *   1.5 s (a long task: a heavy render, a big JSON parse), and a member must not be Down sooner than
 *   it can answer again. With 800 ms, members whose loop blocked for 1.2–1.3 s were Down (simulator,
 *   shared/sim/long-tasks.test.ts: 145 false Downs in 4 × 10 min) and CI saw a 1,355 ms long task
 *   turn into a Down in Chromium 1,278 ms after it began. See `LONG_TASK_SUSPICION_MS` for the cost.
 */
export function browser(clusterSize: number): Config {
  const n = Math.max(1, Math.floor(clusterSize));
  const period = 300;
  const factor = Math.max(1, Math.log10(n));
  return {
    probePeriodMs: period,
    probeRttMs: 150,
    indirectWaitMs: 150,
    numIndirectProbes: 3,
    checkRounds: 1,
    gossipDownAtOnce: true,
    heardSuspicionAsOwn: true,
    accusedRoundEndsOnNacks: true,
    maxTransmissions: Math.max(4, clampTransmissions(n)),
    suspectToDownAfterMs: Math.max(LONG_TASK_SUSPICION_MS, Math.round(800 * factor)),
    removeDownAfterMs: 3600 * 1000,
    maxPacketSize: DEFAULT_MAX_PACKET_SIZE,
    notifyDownMembers: true,
    periodicAnnounce: { frequencyMs: 10_000, numMembers: 1 },
    periodicAnnounceToDownMembers: { frequencyMs: 30_000, numMembers: 2 },
    periodicGossip: { frequencyMs: 200, numMembers: 3 },
  };
}

/** Throws `InvalidConfigError` naming the first field that can't work. Doesn't affect any state. */
export function validateConfig(config: Config): void {
  const positive = (name: keyof Config, v: number) => {
    if (!Number.isFinite(v) || v <= 0)
      throw new InvalidConfigError(`${name} must be a positive number, got ${v}`);
  };
  positive('probePeriodMs', config.probePeriodMs);
  positive('probeRttMs', config.probeRttMs);
  if (config.indirectWaitMs !== undefined) positive('indirectWaitMs', config.indirectWaitMs);
  positive('suspectToDownAfterMs', config.suspectToDownAfterMs);
  positive('removeDownAfterMs', config.removeDownAfterMs);
  if (config.probeRttMs >= config.probePeriodMs) {
    throw new InvalidConfigError(
      `probeRttMs (${config.probeRttMs}) must be less than probePeriodMs (${config.probePeriodMs})`,
    );
  }
  if (config.checkRounds !== undefined && (!Number.isInteger(config.checkRounds) || config.checkRounds < 1)) {
    throw new InvalidConfigError(`checkRounds must be an integer ≥ 1, got ${config.checkRounds}`);
  }
  if (!Number.isInteger(config.numIndirectProbes) || config.numIndirectProbes < 1) {
    throw new InvalidConfigError(`numIndirectProbes must be an integer ≥ 1, got ${config.numIndirectProbes}`);
  }
  if (
    !Number.isInteger(config.maxTransmissions) ||
    config.maxTransmissions < 1 ||
    config.maxTransmissions > 255
  ) {
    throw new InvalidConfigError(
      `maxTransmissions must be an integer in 1..255, got ${config.maxTransmissions}`,
    );
  }
  const size = config.maxPacketSize;
  if (!Number.isInteger(size) || size < MIN_PACKET_SIZE || size > MAX_PACKET_SIZE) {
    throw new InvalidConfigError(
      `maxPacketSize must be an integer in ${MIN_PACKET_SIZE}..${MAX_PACKET_SIZE}, got ${size}`,
    );
  }
  for (const name of ['periodicAnnounce', 'periodicAnnounceToDownMembers', 'periodicGossip'] as const) {
    const p = config[name];
    if (p === undefined) continue;
    if (!Number.isFinite(p.frequencyMs) || p.frequencyMs <= 0) {
      throw new InvalidConfigError(`${name}.frequencyMs must be a positive number, got ${p.frequencyMs}`);
    }
    if (!Number.isInteger(p.numMembers) || p.numMembers < 1) {
      throw new InvalidConfigError(`${name}.numMembers must be an integer ≥ 1, got ${p.numMembers}`);
    }
  }
}
