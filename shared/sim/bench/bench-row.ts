/**
 * One row of `npm run bench:sim`: `runScenario` on a `lan(n)` cluster with the given loss and delay,
 * plus what only a Node process can measure (wall time, heap). Runs in its own process (see
 * sim-bench.ts) so heap figures are not polluted by other rows.
 */
import { performance } from 'node:perf_hooks';
import { ANNOUNCE_WITH_DIGEST_TAG, MESSAGE_TAGS } from '../../swim/binary-codec';
import { browser } from '../../swim/config';
import { runScenario } from '../run-scenario';
import { simConfig } from '../sim-config';

/** What a row measures, and for how long. */
export interface RowSpec {
  readonly n: number;
  readonly loss: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly seed: number;
  /** Longest simulated wait for a cold start to reach "all see all"; 0 = start converged (applyMany). */
  readonly coldStartCapMs: number;
  /** Crashes to measure, one after the other. */
  readonly crashes: number;
  /** Quiet simulated time at the end, over which load is measured. */
  readonly steadyMs: number;
  /** Why the row is not run (printed in its place). */
  readonly skip?: string;
  /**
   * 'mesh' (default): every member reaches every other, `lan(n)`. 'overlay': large-room support
   * (DESIGN §8: links only where the overlay wants them, budget 32, K = 8) with the browser preset.
   */
  readonly system?: 'mesh' | 'overlay';
  /** Churn after the quiet stretch: share of members leaving and joining per minute, for so many minutes. */
  readonly churnPerMinute?: number;
  readonly churnMinutes?: number;
  /** Anti-entropy in every member (default on, as the tabs); `--anti-entropy off` to compare. */
  readonly antiEntropy?: boolean;
}

/** The figures of one row: the fields of `--json`, exactly (DESIGN §6 definitions). */
export interface RowResult {
  system: 'mesh' | 'overlay';
  n: number;
  loss: number;
  delayMs: number;
  firstDetectionPeriods: number | null;
  detectionSeconds: number | null;
  disseminationSeconds: number | null;
  falsePositivesPerMemberHour: number;
  bytesPerMemberSecond: number;
  packetsPerMemberSecond: number;
  wallSeconds: number;
  simSecondsPerWallSecond: number;
  heapBytesPerMember: number;
  /** Most links a member held at once (full mesh: N − 1). */
  linksPerMemberMax: number;
  /** Links per live member at the end (full mesh: N − 1). */
  linksPerMemberMean: number;
}

/** Figures printed beside a row but kept out of its JSON fields. */
export interface RowExtras {
  /** Cold start → every member sees all others active, seconds; null if not within the cap; undefined if not run. */
  allSeeAllSeconds: number | null | undefined;
  /** Crashes whose detection completed, of those measured. */
  detected: string;
  /** Forced rejoins (a live member declared Down that took a new identity). */
  rejoins: number;
  /** Probe failures about running members. */
  falseSuspicions: number;
  /** Simulation speed over the quiet stretch alone (no crash being detected), sim s per wall s. */
  steadySimSecondsPerWallSecond: number | null;
  /** Packets that found no link over the quiet stretch. */
  unsentNoLinkSettled: number;
  /** Links opened per member per minute under churn, null without churn. */
  linkOpensPerMemberMinute: number | null;
  /** False Downs during the churn, null without churn. */
  churnFalseDowns: number | null;
  /** Where the bytes go over the quiet stretch: B/s per member by message kind (the header's tag). */
  bytesByKind: Record<string, number>;
}

/** Message kinds by wire tag (PROTOCOL.md), for the per-kind byte counts. */
const KIND_BY_TAG: Record<number, string> = {
  ...Object.fromEntries(Object.entries(MESSAGE_TAGS).map(([k, t]) => [t, k])),
  [ANNOUNCE_WITH_DIGEST_TAG]: 'announce+digest',
};
/** Where a packet's tag sits with 18-byte browser identities: src, u16 incarnation, dst. */
const TAG_OFFSET = 18 + 2 + 18;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs one row and returns its figures. */
export function runRow(spec: RowSpec): { result: RowResult; extras: RowExtras } {
  const wallStart = performance.now();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapBytesPerMember = 0;
  // Wall time that is not simulation: building a converged cluster (applyMany) and the heap snapshot.
  let setupWall = 0;
  let steadyWallStart = 0;
  let steadyWall = 0;
  const overlay = spec.system === 'overlay';
  const kindBytes = new Map<number, number>();
  let counting = false;
  let steadyMemberSeconds = 0;
  let steadyStartMs = 0;
  const report = runScenario({
    size: spec.n,
    seed: spec.seed,
    config: overlay ? browser(spec.n) : simConfig(spec.n),
    ...(overlay ? { overlay: {} } : {}),
    ...(spec.antiEntropy === undefined ? {} : { antiEntropy: spec.antiEntropy }),
    ...(spec.churnPerMinute === undefined ? {} : { churnPerMinute: spec.churnPerMinute }),
    ...(spec.churnMinutes === undefined ? {} : { churnMinutes: spec.churnMinutes }),
    link: { loss: spec.loss, delayMs: spec.delayMs, jitterMs: spec.jitterMs },
    coldStartCapMs: spec.coldStartCapMs,
    crashes: spec.crashes,
    steadyMs: spec.steadyMs,
    onStarted: () => {
      if (spec.coldStartCapMs === 0) setupWall += performance.now() - wallStart;
    },
    // Measured at the end, in a cluster that has run a while (backlogs, timers, Down members included).
    onSteady: (cluster) => {
      steadyWallStart = performance.now();
      steadyStartMs = cluster.sim.now;
      if (kindBytes.size === 0 && !counting) {
        cluster.sim.onSend((_src, _dst, bytes, _now, wireBytes) => {
          if (!counting) return;
          const tag = bytes[TAG_OFFSET] ?? 255;
          kindBytes.set(tag, (kindBytes.get(tag) ?? 0) + wireBytes);
        });
      }
      counting = true;
    },
    onFinished: (cluster) => {
      counting = false;
      steadyMemberSeconds = (cluster.live().length * (cluster.sim.now - steadyStartMs)) / 1000;
      const t1 = performance.now();
      steadyWall = t1 - steadyWallStart;
      gc();
      heapBytesPerMember = Math.max(0, (process.memoryUsage().heapUsed - heapBefore) / spec.n);
      setupWall += performance.now() - t1;
    },
  });
  const wallSeconds = (performance.now() - wallStart) / 1000;
  return {
    result: {
      system: overlay ? 'overlay' : 'mesh',
      n: spec.n,
      loss: spec.loss,
      delayMs: spec.delayMs,
      firstDetectionPeriods: report.firstDetectionPeriods,
      detectionSeconds: report.detectionSeconds,
      disseminationSeconds: report.disseminationSeconds,
      falsePositivesPerMemberHour: report.falsePositivesPerMemberHour,
      bytesPerMemberSecond: report.bytesPerMemberSecond,
      packetsPerMemberSecond: report.packetsPerMemberSecond,
      wallSeconds,
      simSecondsPerWallSecond: report.simulatedSeconds / (wallSeconds - setupWall / 1000),
      heapBytesPerMember,
      linksPerMemberMax: report.linksPerMemberMax,
      linksPerMemberMean: report.linksPerMemberMean,
    },
    extras: {
      allSeeAllSeconds: spec.coldStartCapMs > 0 ? report.allSeeAllSeconds : undefined,
      detected: `${report.crashesDetected}/${report.crashes}`,
      rejoins: report.rejoins,
      falseSuspicions: report.falseSuspicions,
      steadySimSecondsPerWallSecond: spec.steadyMs > 0 && steadyWall > 0 ? spec.steadyMs / steadyWall : null,
      unsentNoLinkSettled: report.unsentNoLinkSettled,
      linkOpensPerMemberMinute: report.linkOpensPerMemberMinute,
      churnFalseDowns: report.churnFalseDowns,
      bytesByKind: Object.fromEntries(
        [...kindBytes].map(([tag, b]) => [
          KIND_BY_TAG[tag] ?? `tag ${tag}`,
          steadyMemberSeconds > 0 ? b / steadyMemberSeconds : 0,
        ]),
      ),
    },
  };
}
