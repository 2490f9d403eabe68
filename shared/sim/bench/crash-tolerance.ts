/**
 * `npx tsx shared/sim/bench/crash-tolerance.ts [--quick] [--only crash|stall|loss] [--variant NAME]`:
 * the browser preset's two opposite figures side by side (issue 15): how soon a crash is known by all
 * at n = 8 and 16, and the longest event-loop stall that never becomes a Down (5 members, 2 of which
 * block for a fixed length every 2–5 s, as in e2e/jank.spec.ts), plus the false Downs at 10 % and 25 %
 * loss. `--variant` names the configs compared (see `VARIANTS`); every variant runs the same seeds.
 */
import { browser, type Config, seededRng } from '../../swim/index';
import { Cluster, mixSeed } from '../cluster';
import { ClusterMetrics } from '../metrics';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = flag('--quick');
const ONLY = option('--only');

/** The configs compared: the preset as shipped and with each switch of this file's experiments. */
const VARIANTS: Record<string, (n: number) => Config> = {
  preset: (n) => browser(n),
  /** The preset before issue 15's switches. */
  classic: (n) => ({ ...browser(n), heardSuspicionAsOwn: false, accusedRoundEndsOnNacks: false }),
  hearers: (n) => ({ ...browser(n), accusedRoundEndsOnNacks: false }),
  nacks: (n) => ({ ...browser(n), heardSuspicionAsOwn: false }),
  floor1350: (n) => ({ ...browser(n), suspectToDownAfterMs: 1350 }),
  floor1300: (n) => ({ ...browser(n), suspectToDownAfterMs: 1300 }),
};
const chosen = (option('--variant') ?? Object.keys(VARIANTS).join(',')).split(',');

const LINK = { loss: 0, delayMs: 2, jitterMs: 3 };

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/**
 * Crash → every live member notified MemberDown, in ms, over `seeds` × `crashes` at size `n`; and
 * crash → the first MemberDown, and crash → the first probe that failed (first detection).
 */
function crashes(variant: (n: number) => Config, n: number, seeds: number, perSeed: number) {
  const out: number[] = [];
  const first: number[] = [];
  const probed: number[] = [];
  for (let s = 1; s <= seeds; s++) {
    const seed = 9000 + s;
    const config = variant(n);
    const cluster = new Cluster({ size: n, seed, config, downIsAccusation: true, link: LINK });
    const metrics = new ClusterMetrics(cluster);
    const sim = cluster.sim;
    const rng = seededRng(mixSeed(seed, 0xc4a5));
    cluster.preconverge();
    sim.runFor(5000);
    let firstDown: number | undefined;
    let firstFailed: number | undefined;
    let watching: string | undefined;
    sim.onNotification((_member, note) => {
      if (note.type !== 'member-down' && note.type !== 'probe-failed') return;
      if (note.id.addr !== watching) return;
      if (note.type === 'member-down') firstDown ??= sim.now;
      else firstFailed ??= sim.now;
    });
    const crashed = new Set<number>();
    for (let k = 0; k < perSeed; k++) {
      sim.runFor(2000 + rng.next() * config.probePeriodMs);
      let victim = Math.floor(rng.next() * n);
      while (crashed.has(victim)) victim = Math.floor(rng.next() * n);
      crashed.add(victim);
      firstDown = undefined;
      firstFailed = undefined;
      watching = cluster.swim(victim).identity.addr;
      const record = metrics.crash(victim);
      sim.runUntilTrue(() => record.allDownAt !== undefined, 20_000, 10);
      if (record.allDownAt !== undefined) out.push(record.allDownAt - record.at);
      if (firstDown !== undefined) first.push(firstDown - record.at);
      if (firstFailed !== undefined) probed.push(firstFailed - record.at);
    }
    if (metrics.falseDowns > 0) console.log(`  (seed ${seed}: ${metrics.falseDowns} false Downs)`);
  }
  return { all: out, first, probed };
}

/** False Downs of 2 of 5 members that block for `stallMs` (±25 ms) every 2–5 s, over `seeds` × `minutes`. */
function stalls(variant: (n: number) => Config, stallMs: number, seeds: number, minutes: number): number {
  let falseDowns = 0;
  for (let s = 1; s <= seeds; s++) {
    const seed = 7000 + s;
    const size = 5;
    const cluster = new Cluster({ size, seed, config: variant(size), downIsAccusation: true, link: LINK });
    const sim = cluster.sim;
    cluster.preconverge();
    const rng = seededRng(mixSeed(seed, 0x7a5c));
    sim.onNotification((_member, note) => {
      if (note.type !== 'member-down') return;
      const about = sim.indexOf(note.id.addr);
      if (about !== undefined && sim.isAlive(about)) falseDowns++;
    });
    const end = sim.now + minutes * 60_000;
    const stall = (i: number) => {
      const ms = stallMs - 25 + rng.next() * 50;
      sim.hang(i, ms, { queueInbound: true });
      const next = ms + 2000 + rng.next() * 3000;
      if (sim.now + next < end) sim.after(next, () => stall(i));
    };
    for (const i of [3, 4]) sim.after(rng.next() * 2000, () => stall(i));
    sim.runUntil(end);
  }
  return falseDowns;
}

/** False Downs at `loss` over `seeds` × `minutes` at size `n`, and bytes sent per member-second. */
function lossy(variant: (n: number) => Config, n: number, loss: number, seeds: number, minutes: number) {
  let falseDowns = 0;
  let bytes = 0;
  for (let s = 1; s <= seeds; s++) {
    const seed = 5000 + s;
    const link = { ...LINK, loss };
    const cluster = new Cluster({ size: n, seed, config: variant(n), downIsAccusation: true, link });
    const metrics = new ClusterMetrics(cluster);
    cluster.preconverge();
    cluster.sim.runFor(minutes * 60_000);
    falseDowns += metrics.falseDowns;
    bytes += cluster.sim.stats.bytesSent;
  }
  return { falseDowns, bytesPerMemberSecond: bytes / (seeds * n * minutes * 60) };
}

const fmt = (ms: number) => `${Math.round(ms)}`;
for (const name of chosen) {
  const variant = VARIANTS[name];
  if (variant === undefined) throw new Error(`unknown variant ${name}`);
  console.log(`## ${name}`);
  if (ONLY === undefined || ONLY === 'crash') {
    for (const n of [8, 16]) {
      const { all: xs, first, probed } = crashes(variant, n, QUICK ? 10 : 30, 3);
      console.log(
        `crash all-Down n=${n}: ${xs.length} crashes, median ${fmt(quantile(xs, 0.5))} ms, p95 ${fmt(quantile(xs, 0.95))}, max ${fmt(quantile(xs, 1))}, mean ${fmt(xs.reduce((a, b) => a + b, 0) / xs.length)}; first Down median ${fmt(quantile(first, 0.5))}, first failed probe median ${fmt(quantile(probed, 0.5))}`,
      );
    }
  }
  if (ONLY === undefined || ONLY === 'stall') {
    for (const ms of [1400, 1500, 1550, 1600, 1650, 1700, 1800]) {
      const downs = stalls(variant, ms, QUICK ? 2 : 4, QUICK ? 5 : 10);
      console.log(`stalls of ${ms}±25 ms (2 of 5 members): ${downs} false Downs`);
    }
  }
  if (ONLY === undefined || ONLY === 'loss') {
    for (const n of [8, 16]) {
      for (const loss of [0, 0.1, 0.25]) {
        const { falseDowns, bytesPerMemberSecond } = lossy(variant, n, loss, 6, QUICK ? 1 : 3);
        console.log(
          `loss ${loss * 100} % n=${n}: ${falseDowns} false Downs, ${Math.round(bytesPerMemberSecond)} B/s per member`,
        );
      }
    }
  }
}
