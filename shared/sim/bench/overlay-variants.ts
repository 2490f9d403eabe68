/**
 * `npx tsx shared/sim/bench/overlay-variants.ts [--n 100,1000] [--loss 0.1] [--variants a,b] [--seed N] [--json]`:
 * the overlay's ways of checking a subject after a failed probe, measured side by side on the same
 * seeds (issue 10: bytes per member flat in N under loss). Every row starts converged (applyMany),
 * measures `crashes` crashes one after the other, then a quiet stretch for load, with the browser
 * preset, budget 32, K = 8, links 1 + up to 1 ms. One process per variant and N, so heaps don't mix.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { browser } from '../../swim/config';
import type { ClusterOverlayInit } from '../cluster';
import { mixSeed } from '../cluster';
import { runScenario } from '../run-scenario';
import { fmt, table } from './anchors';

/** The variants, by name: the overlay options each one sets. */
const VARIANTS: Record<string, ClusterOverlayInit> = {
  /** Relays: linked members that also link to the subject. No direct retries (main before issue 10). */
  'shared-links': { indirect: 'shared-links', directRetries: 0 },
  /** No relays at all: the direct ping, its retry and the check's ping. */
  none: { indirect: 'none', directRetries: 0 },
  /** Shared links, plus one more direct ping per missing relay, up to 1, 2 or 3. */
  'shared+retry1': { indirect: 'shared-links', directRetries: 1 },
  'shared+retry2': { indirect: 'shared-links', directRetries: 2 },
  'shared+retry3': { indirect: 'shared-links', directRetries: 3 },
};

interface VariantRow {
  variant: string;
  n: number;
  loss: number;
  seed: number;
  detectionSeconds: number | null;
  detected: string;
  firstDetectionPeriods: number | null;
  falseDowns: number;
  falseSuspicions: number;
  bytesPerMemberSecond: number;
  packetsPerMemberSecond: number;
  wallSeconds: number;
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function runOne(variant: string, n: number, loss: number, seed: number): VariantRow {
  const t0 = performance.now();
  const r = runScenario({
    size: n,
    seed,
    config: browser(n),
    overlay: VARIANTS[variant]!,
    link: { loss, delayMs: 1, jitterMs: 1 },
    coldStartCapMs: 0,
    crashes: 4,
    steadyMs: 10_000,
  });
  return {
    variant,
    n,
    loss,
    seed,
    detectionSeconds: r.detectionSeconds,
    detected: `${r.crashesDetected}/${r.crashes}`,
    firstDetectionPeriods: r.firstDetectionPeriods,
    falseDowns: r.falseDowns,
    falseSuspicions: r.falseSuspicions,
    bytesPerMemberSecond: r.bytesPerMemberSecond,
    packetsPerMemberSecond: r.packetsPerMemberSecond,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

const one = option('--one');
if (one !== undefined) {
  const { variant, n, loss, seed } = JSON.parse(one) as {
    variant: string;
    n: number;
    loss: number;
    seed: number;
  };
  process.stdout.write(`${JSON.stringify(runOne(variant, n, loss, seed))}\n`);
  process.exit(0);
}

const sizes = (option('--n') ?? '100,1000').split(',').map(Number);
const loss = Number(option('--loss') ?? 0.1);
const names = (option('--variants') ?? Object.keys(VARIANTS).join(',')).split(',');
const seed = Number(option('--seed') ?? 20261201);
const json = args.includes('--json');
for (const v of names) if (VARIANTS[v] === undefined) throw new Error(`unknown variant ${v}`);

const rows: VariantRow[] = [];
for (const n of sizes) {
  for (const variant of names) {
    const spec = { variant, n, loss, seed: mixSeed(seed, n) };
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--one', JSON.stringify(spec)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (child.status !== 0) {
      process.stderr.write(`${variant} n=${n}: failed: ${child.stderr.trim().split('\n').pop()}\n`);
      continue;
    }
    const row = JSON.parse(child.stdout.trim().split('\n').pop()!) as VariantRow;
    rows.push(row);
    if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
    else process.stderr.write(`${variant} n=${n}: ${fmt(row.wallSeconds, 1)} s\n`);
  }
}
if (!json) {
  console.log(`# overlay variants — seed ${seed}, loss ${loss * 100} %, ${new Date().toISOString()}`);
  console.log(
    table(
      [
        'variant',
        'N',
        'all Down s',
        'first detection periods',
        'false Down',
        'probe failures (live)',
        'B/s /member',
        'pkt/s /member',
      ],
      rows.map((r) => [
        r.variant,
        fmt(r.n, 0),
        `${fmt(r.detectionSeconds, 1)} (${r.detected})`,
        fmt(r.firstDetectionPeriods),
        fmt(r.falseDowns, 0),
        fmt(r.falseSuspicions, 0),
        fmt(r.bytesPerMemberSecond, 0),
        fmt(r.packetsPerMemberSecond, 1),
      ]),
    ),
  );
}
