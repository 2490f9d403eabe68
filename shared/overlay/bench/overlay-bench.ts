/**
 * `npx tsx shared/overlay/bench/overlay-bench.ts [--json] [--quick] [--exact]`: what the K-ring overlay's
 * graph gives (DESIGN §8) for K = 4 and 8 at N = 100, 1,000 and 10,000 random addresses: links per
 * member, diameter and mean hops, members whose links change on one join or leave, and the cost of an
 * incremental update. Addresses are SHA-256 of a counter, so every run measures the same graphs.
 *
 * Distances come from breadth-first searches from up to 1,000 evenly spaced members (every member with
 * `--exact`). `--quick` stops at N = 1,000. `--json` prints one JSON object per row, nothing else.
 */
import { performance } from 'node:perf_hooks';
import { graphStats, linkChangesOnJoin, linkChangesOnLeave } from '../graph-stats';
import { RingOverlay } from '../overlay';
import { route } from '../routes';
import { syntheticAddrs } from '../test-support/addrs';

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const QUICK = args.includes('--quick');
const EXACT = args.includes('--exact');

/** Joins, leaves and routes measured per row. */
const SAMPLES = 200;
/** Timed rounds per row; the median is printed. */
const ROUNDS = 5;

interface Row {
  k: number;
  n: number;
  linksPerMemberMax: number;
  linksPerMemberMean: number;
  diameter: number;
  meanHops: number;
  distanceSources: number;
  joinChangesMean: number;
  joinChangesMax: number;
  leaveChangesMean: number;
  leaveChangesMax: number;
  buildMs: number;
  joinMicros: number;
  leaveMicros: number;
  linksMicros: number;
  routeMicros: number;
}

function microsPer(count: number, work: () => void): number {
  const t0 = performance.now();
  work();
  return ((performance.now() - t0) * 1000) / count;
}

function measure(k: number, n: number): Row {
  const view = syntheticAddrs(n, `view-${n}`);
  const joiners = syntheticAddrs(SAMPLES, `joiner-${n}`);
  const t0 = performance.now();
  const overlay = new RingOverlay(view, { rings: k });
  const buildMs = performance.now() - t0;
  const stats = graphStats(overlay, { sources: EXACT ? n : Math.min(n, 1000) });

  const onJoin = joiners.map((j) => linkChangesOnJoin(overlay, j).length);
  const leavers = joiners.map((_, i) => view[Math.floor((i * n) / SAMPLES)]!);
  const onLeave = leavers.map((l) => linkChangesOnLeave(overlay, l).length);

  // What a host does on a view change: update the rings, then read its own links again. Median of
  // ROUNDS rounds, since the machine is shared.
  const self = view[0]!;
  const rounds = {
    join: [] as number[],
    leave: [] as number[],
    links: [] as number[],
    route: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    rounds.join.push(
      microsPer(SAMPLES, () => {
        for (const j of joiners) {
          overlay.add(j);
          overlay.links(self);
        }
      }),
    );
    rounds.leave.push(
      microsPer(SAMPLES, () => {
        for (const j of joiners) {
          overlay.remove(j);
          overlay.links(self);
        }
      }),
    );
    rounds.links.push(
      microsPer(SAMPLES, () => {
        for (const l of leavers) overlay.links(l);
      }),
    );
    rounds.route.push(
      microsPer(SAMPLES, () => {
        for (let i = 0; i < SAMPLES; i++) route(overlay, leavers[i]!, leavers[(i * 7 + 3) % SAMPLES]!);
      }),
    );
  }
  const [joinMicros, leaveMicros, linksMicros, routeMicros] = [
    rounds.join,
    rounds.leave,
    rounds.links,
    rounds.route,
  ].map(median) as [number, number, number, number];

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    k,
    n,
    linksPerMemberMax: stats.linksPerMemberMax,
    linksPerMemberMean: round(stats.linksPerMemberMean, 2),
    diameter: stats.diameter,
    meanHops: round(stats.meanHops, 2),
    distanceSources: stats.sources,
    joinChangesMean: round(mean(onJoin), 1),
    joinChangesMax: Math.max(...onJoin),
    leaveChangesMean: round(mean(onLeave), 1),
    leaveChangesMax: Math.max(...onLeave),
    buildMs: round(buildMs, 0),
    joinMicros: round(joinMicros, 1),
    leaveMicros: round(leaveMicros, 1),
    linksMicros: round(linksMicros, 1),
    routeMicros: round(routeMicros, 0),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const HEADER = [
  'K',
  'N',
  'links max',
  'links mean',
  'diameter',
  'mean hops',
  'changed/join mean (max)',
  'changed/leave mean (max)',
  'join µs',
  'leave µs',
  'links µs',
  'route µs',
  'build ms',
];

function cells(r: Row): string[] {
  return [
    String(r.k),
    r.n.toLocaleString('en-US'),
    String(r.linksPerMemberMax),
    String(r.linksPerMemberMean),
    String(r.diameter),
    String(r.meanHops),
    `${r.joinChangesMean} (${r.joinChangesMax})`,
    `${r.leaveChangesMean} (${r.leaveChangesMax})`,
    String(r.joinMicros),
    String(r.leaveMicros),
    String(r.linksMicros),
    String(r.routeMicros),
    String(r.buildMs),
  ];
}

const sizes = QUICK ? [100, 1000] : [100, 1000, 10_000];
measure(8, 1000); // warm-up: let the JIT compile the hot paths before anything is timed
if (!JSON_OUT) {
  console.log(`| ${HEADER.join(' | ')} |`);
  console.log(`|${HEADER.map(() => '---').join('|')}|`);
}
for (const k of [4, 8]) {
  for (const n of sizes) {
    const row = measure(k, n);
    console.log(JSON_OUT ? JSON.stringify(row) : `| ${cells(row).join(' | ')} |`);
  }
}
if (!JSON_OUT) {
  console.log(
    `\ndistances from ${EXACT ? 'every member' : 'up to 1,000 evenly spaced members'}; ` +
      `${SAMPLES} joins, leaves, lookups and routes per row, median of ${ROUNDS} rounds; ${new Date().toISOString().slice(0, 10)}`,
  );
}
