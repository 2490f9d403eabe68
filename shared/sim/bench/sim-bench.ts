/**
 * `npm run bench:sim [-- --json] [-- --quick] [-- --seed N] [-- --only N|slow|overload|cold|churn] [-- --system mesh|overlay]
 * [-- --loss 0,0.1] [-- --anti-entropy off]`: the simulator's table of
 * DESIGN §6 figures for `lan(n)` clusters of 10 to 10,000 members at 0, 10 and 25 % loss (plus one
 * row with 100 ms delay and 100 ms jitter), with the anchors (SWIM, memberlist, Serf, foca 1.0) beside.
 *
 * Each row runs in a child process of its own (fresh heap, so memory per member is that row's). The
 * same seed replays the same rows. `--json` prints one JSON object per row on stdout, nothing else.
 * After them: bytes per message kind for each row, and the `slowMembers` rows (slow-members-row.ts:
 * Lifeguard off and on, same seed; `--only slow` runs those alone), and the cold-start rows
 * (cold-start-row.ts: N = 1,000, mesh and overlay, anti-entropy off and on, same seed; `--only cold`),
 * and the churn rows (churn-row.ts: link setups per member and per page over an hour of 1 % churn a
 * minute on the overlay; `--only churn`; `--quick` runs 10 minutes of it, scaled to the hour).
 * `--anti-entropy off` runs the main rows without anti-entropy, to compare their load.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { mixSeed } from '../cluster';
import { FOCA, fmt, memberlistSuspicion, SERF, table } from './anchors';
import { type RowExtras, type RowResult, type RowSpec, runRow } from './bench-row';
import { type ChurnRowResult, type ChurnRowSpec, churnSpecs, churnTable, runChurnRow } from './churn-row';
import { type ColdStartResult, type ColdStartSpec, coldStartTable, runColdStart } from './cold-start-row';
import { type OverloadRowResult, overloadRowsTable, runOverloadRows } from './overload-row';
import { runSlowRows, type SlowRowResult, type SlowRowSpec, slowRowsTable } from './slow-members-row';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

// Child mode: run one row and print it as JSON.
const rowArg = option('--row');
if (rowArg !== undefined) {
  const out = runRow(JSON.parse(rowArg) as RowSpec);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}
const coldArg = option('--cold-row');
if (coldArg !== undefined) {
  process.stdout.write(`${JSON.stringify(runColdStart(JSON.parse(coldArg) as ColdStartSpec))}\n`);
  process.exit(0);
}
const churnArg = option('--churn-row');
if (churnArg !== undefined) {
  process.stdout.write(`${JSON.stringify(runChurnRow(JSON.parse(churnArg) as ChurnRowSpec))}\n`);
  process.exit(0);
}
const slowArg = option('--slow-row');
if (slowArg !== undefined) {
  process.stdout.write(`${JSON.stringify(runSlowRows(JSON.parse(slowArg) as SlowRowSpec))}\n`);
  process.exit(0);
}

const JSON_OUT = flag('--json');
const QUICK = flag('--quick');
const SEED = Number(option('--seed') ?? 20261126);
const ONLY = option('--only');
/** `--system mesh|overlay`: only those rows. */
const SYSTEM = option('--system');
/** `--loss 0,0.1`: only rows at those losses. */
const LOSSES = option('--loss')?.split(',').map(Number);
/** `--anti-entropy off`: the main rows without it (default on, as the tabs). */
const ANTI_ENTROPY = option('--anti-entropy') !== 'off';
if (!Number.isSafeInteger(SEED) || SEED < 0) {
  console.error(`--seed must be a non-negative integer, got ${option('--seed')}`);
  process.exit(2);
}

const LAN = { delayMs: 1, jitterMs: 1 };
const WAN_ISH = { delayMs: 100, jitterMs: 100 };

function specsFor(quick: boolean): RowSpec[] {
  const sizes = quick ? [10, 100, 1000] : [10, 100, 1000, 10_000];
  const rows: Array<Omit<RowSpec, 'seed'>> = [];
  for (const n of sizes) {
    for (const loss of [0, 0.1, 0.25]) {
      rows.push({ n, loss, ...LAN, ...budget(n, loss, quick) });
    }
  }
  rows.push({ n: 100, loss: 0, ...WAN_ISH, ...budget(100, 0, quick) });
  // Large rooms (DESIGN §8): the overlay, its link model and the browser preset.
  for (const n of quick ? [100, 1000] : [100, 1000, 10_000]) {
    for (const loss of [0, 0.1])
      rows.push({ n, loss, ...LAN, system: 'overlay', ...overlayBudget(n, loss, quick) });
  }
  return rows
    .filter((r) => SYSTEM === undefined || (r.system ?? 'mesh') === SYSTEM)
    .filter((r) => ONLY === undefined || String(r.n) === ONLY)
    .map((r, i) => ({ ...r, seed: mixSeed(SEED, i + 1), ...(ANTI_ENTROPY ? {} : { antiEntropy: false }) }))
    .filter((r) => LOSSES === undefined || LOSSES.includes(r.loss));
}

/**
 * Simulated time per row. The cost of a simulated second grows with N and with loss (at 25 % loss
 * the core's own load is ~26 KB/s per member at N=1,000), so the big rows run shorter.
 */
function budget(
  n: number,
  loss: number,
  quick: boolean,
): Pick<RowSpec, 'coldStartCapMs' | 'crashes' | 'steadyMs' | 'skip'> {
  if (n <= 100)
    return quick
      ? { coldStartCapMs: 60_000, crashes: 4, steadyMs: 20_000 }
      : { coldStartCapMs: 120_000, crashes: 10, steadyMs: 120_000 };
  if (n <= 1000) {
    // A cold start of 1,000 members costs ~40 s of wall time: --quick starts them converged.
    if (quick) return { coldStartCapMs: 0, crashes: 2, steadyMs: 10_000 };
    if (loss < 0.2) return { coldStartCapMs: 120_000, crashes: 4, steadyMs: 30_000 };
    return { coldStartCapMs: 60_000, crashes: 2, steadyMs: 10_000 };
  }
  // 10,000 members: a cold start would move 10^8 member records around; start converged instead.
  // 60 quiet seconds: the simulator's own speed goal is 60 simulated seconds in 30 wall seconds.
  if (loss === 0) return { coldStartCapMs: 0, crashes: 2, steadyMs: 60_000 };
  if (loss < 0.2) return { coldStartCapMs: 0, crashes: 1, steadyMs: 3_000 };
  return {
    coldStartCapMs: 0,
    crashes: 0,
    steadyMs: 0,
    skip: 'not run: over 15 min of wall time (at 25 % loss each member sends ~22 packets/s at N=1,000)',
  };
}

/** Simulated time of an overlay row: like the full mesh's, plus churn on the lossless rows. */
function overlayBudget(
  n: number,
  loss: number,
  quick: boolean,
): Pick<RowSpec, 'coldStartCapMs' | 'crashes' | 'steadyMs' | 'skip' | 'churnPerMinute' | 'churnMinutes'> {
  const churn = loss === 0 ? { churnPerMinute: 0.01, churnMinutes: quick ? 3 : 10 } : {};
  if (n <= 100) return { coldStartCapMs: 60_000, crashes: quick ? 4 : 10, steadyMs: 20_000, ...churn };
  // The lossless row starts cold (1,000 joins in one second through the server's bootstrap links):
  // since members whose views agree share one ring set, that takes ~10 simulated s; the 10 % row
  // starts converged to keep its wall time.
  if (n <= 1000)
    return { coldStartCapMs: loss === 0 ? 60_000 : 0, crashes: quick ? 4 : 10, steadyMs: 10_000, ...churn };
  // 10,000 members start converged (they share one ring set through the cluster's RingPool until
  // their views part), no churn: 100 joins a minute into a view of 10,000 cost too much wall time.
  // One crash and 3 quiet seconds each: that took 51 s of CPU at N = 5,000 (2026-12-01); 10,000
  // members cost ~4× that (each holds every other) and a ~15 GB heap.
  return { coldStartCapMs: 0, crashes: 1, steadyMs: 3_000 };
}

/**
 * Heap a row needs: every member holds every other (~110 B each, measured; ~130 B in an overlay row,
 * measured at N = 3,000: 390 KB per member), plus slack.
 */
function heapNeededMb(n: number, system: RowSpec['system']): number {
  return Math.ceil((n * n * (system === 'overlay' ? 140 : 120)) / 1e6 + 1024);
}

interface Done {
  spec: RowSpec;
  result?: RowResult;
  extras?: RowExtras;
  error?: string;
}

function runChild(spec: RowSpec): Done {
  if (spec.skip !== undefined) return { spec, error: spec.skip };
  const heapMb = Math.max(4096, heapNeededMb(spec.n, spec.system));
  if (heapMb * 1e6 > os.freemem() * 0.9) {
    return {
      spec,
      error: `skipped: needs ~${(heapMb / 1024).toFixed(1)} GB of heap, ${(os.freemem() / 2 ** 30).toFixed(1)} GB free`,
    };
  }
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--max-old-space-size'));
  const child = spawnSync(
    process.execPath,
    [
      ...execArgv,
      '--expose-gc',
      // A larger young generation promotes fewer short-lived packets: ~20 % faster at N=10,000.
      '--max-semi-space-size=64',
      `--max-old-space-size=${heapMb}`,
      fileURLToPath(import.meta.url),
      '--row',
      JSON.stringify(spec),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (child.status !== 0)
    return {
      spec,
      error: `row failed (${child.status ?? child.signal}): ${child.stderr.split('\n').find((l) => /Error/.test(l)) ?? child.stderr.trim().split('\n').pop()}`,
    };
  const parsed = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    result: RowResult;
    extras: RowExtras;
  };
  return { spec, ...parsed };
}

const specs = specsFor(QUICK);
const done: Done[] = [];
for (const spec of specs) {
  if (!JSON_OUT) process.stderr.write(`running n=${spec.n} loss=${spec.loss} delay=${spec.delayMs} ms … `);
  const d = runChild(spec);
  done.push(d);
  if (JSON_OUT) {
    if (d.result !== undefined) process.stdout.write(`${JSON.stringify(d.result)}\n`);
    else process.stderr.write(`n=${spec.n} loss=${spec.loss}: ${d.error}\n`);
  } else {
    process.stderr.write(d.result === undefined ? `${d.error}\n` : `${fmt(d.result.wallSeconds, 1)} s\n`);
  }
}

// The slowMembers rows (Lifeguard off and on, same seed), in a child of their own like the others.
const slowSpec: SlowRowSpec = {
  n: 100,
  seed: mixSeed(SEED, 0x510e),
  slowShare: 0.2,
  durationMs: QUICK ? 300_000 : 900_000,
  crashes: QUICK ? 4 : 10,
};
let slowRows: SlowRowResult[] | undefined;
let slowError: string | undefined;
if (ONLY === undefined || ONLY === 'slow') {
  if (!JSON_OUT) process.stderr.write('running slowMembers n=100, Lifeguard off and on … ');
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--slow-row', JSON.stringify(slowSpec)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (child.status === 0) slowRows = JSON.parse(child.stdout.trim().split('\n').pop()!) as SlowRowResult[];
  else
    slowError = `slowMembers failed (${child.status ?? child.signal}): ${child.stderr.trim().split('\n').pop()}`;
  if (JSON_OUT) {
    for (const r of slowRows ?? []) process.stdout.write(`${JSON.stringify(r)}\n`);
    if (slowError !== undefined) process.stderr.write(`${slowError}\n`);
  } else {
    process.stderr.write(slowRows === undefined ? `${slowError}\n` : 'done\n');
  }
}

// The cold-start rows: 1,000 members, full mesh and overlay, anti-entropy off and on, each in a child.
let coldRows: ColdStartResult[] | undefined;
if (ONLY === undefined || ONLY === 'cold') {
  coldRows = [];
  const variants = (['mesh', 'overlay'] as const)
    .filter((system) => SYSTEM === undefined || system === SYSTEM)
    .flatMap((system) => [false, true].map((antiEntropy) => ({ system, antiEntropy })));
  for (const { system, antiEntropy } of variants) {
    const spec: ColdStartSpec = { n: 1000, seed: mixSeed(SEED, 0xc01d), capMs: 60_000, antiEntropy, system };
    if (!JSON_OUT)
      process.stderr.write(
        `running coldStart ${system} n=1000 anti-entropy ${antiEntropy ? 'on' : 'off'} … `,
      );
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--cold-row', JSON.stringify(spec)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (child.status === 0) {
      const row = JSON.parse(child.stdout.trim().split('\n').pop()!) as ColdStartResult;
      coldRows.push(row);
      if (JSON_OUT) process.stdout.write(`${JSON.stringify(row)}\n`);
      else process.stderr.write(`${fmt(row.wallSeconds, 1)} s\n`);
    } else {
      process.stderr.write(
        `coldStart failed (${child.status ?? child.signal}): ${child.stderr.trim().split('\n').pop()}\n`,
      );
    }
  }
}

// The churn rows (issue 10 item 3): link setups over an hour of churn, each in a child.
let churnRows: ChurnRowResult[] | undefined;
if ((ONLY === undefined || ONLY === 'churn') && (SYSTEM === undefined || SYSTEM === 'overlay')) {
  churnRows = [];
  for (const spec of churnSpecs(QUICK, (i) => mixSeed(SEED, 0xc4a0 + i))) {
    if (!JSON_OUT)
      process.stderr.write(
        `running churn n=${spec.n} (${spec.shape}, ${spec.bootstrap} bootstrap peers) for ${spec.minutes} min … `,
      );
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--churn-row', JSON.stringify(spec)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (child.status === 0) {
      const row = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChurnRowResult;
      churnRows.push(row);
      if (JSON_OUT) process.stdout.write(`${JSON.stringify(row)}\n`);
      else process.stderr.write(`${fmt(row.wallSeconds, 1)} s\n`);
    } else {
      process.stderr.write(
        `churn failed (${child.status ?? child.signal}): ${child.stderr.trim().split('\n').pop()}\n`,
      );
    }
  }
}

// The overload rows (issue 12 item 6): small and quick, in this process.
let overloadRows: OverloadRowResult[] | undefined;
if (ONLY === undefined || ONLY === 'overload') {
  overloadRows = runOverloadRows(mixSeed(SEED, 0x0ad));
  if (JSON_OUT) for (const r of overloadRows) process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (JSON_OUT) process.exit(0);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`# npm run bench:sim${QUICK ? ' -- --quick' : ''} — seed ${SEED}`);
console.log(
  `${new Date().toISOString()} · ${cpu} × ${os.cpus().length} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GB · Node ${process.version} · lan(n) preset`,
);
console.log('');
console.log(
  table(
    [
      'N',
      'system',
      'loss',
      'link',
      'all see all s',
      'first detection periods',
      'all Down s',
      'spread 99.99% s',
      'false Down /member-h',
      'B/s /member',
      'pkt/s /member',
      'wall s',
      'sim s /wall s',
      'heap /member',
      'links max',
      'links mean',
    ],
    done.map(({ spec, result: r, extras: e, error }) =>
      r === undefined
        ? [
            String(spec.n),
            spec.system ?? 'mesh',
            `${spec.loss * 100} %`,
            `${spec.delayMs}+${spec.jitterMs} ms`,
            error ?? '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
            '',
          ]
        : [
            fmt(r.n, 0),
            r.system,
            `${r.loss * 100} %`,
            `${spec.delayMs}+${spec.jitterMs} ms`,
            e?.allSeeAllSeconds === undefined
              ? 'n/a (applyMany)'
              : e.allSeeAllSeconds === null
                ? `> ${spec.coldStartCapMs / 1000}`
                : fmt(e.allSeeAllSeconds, 1),
            fmt(r.firstDetectionPeriods),
            `${fmt(r.detectionSeconds, 1)} (${e?.detected})`,
            fmt(r.disseminationSeconds),
            `${fmt(r.falsePositivesPerMemberHour, 1)}${e !== undefined && e.rejoins > 0 ? ` (+${e.rejoins} rejoins)` : ''}`,
            fmt(r.bytesPerMemberSecond, 0),
            fmt(r.packetsPerMemberSecond, 1),
            fmt(r.wallSeconds, 1),
            `${fmt(r.simSecondsPerWallSecond, 1)}${e?.steadySimSecondsPerWallSecond == null ? '' : ` (quiet ${fmt(e.steadySimSecondsPerWallSecond, 1)})`}`,
            `${fmt(r.heapBytesPerMember / 1024, 1)} KiB`,
            fmt(r.linksPerMemberMax, 0),
            fmt(r.linksPerMemberMean, 1),
          ],
    ),
  ),
);
const overlayRows = done.filter((d) => d.result?.system === 'overlay');
if (overlayRows.length > 0) {
  console.log('');
  console.log(
    'Overlay rows (browser preset, budget 32, K = 8): packets that found no link over the quiet stretch, and',
  );
  console.log(
    'under 1 % churn (leaves and joins per minute) link openings per member per minute and false Downs.',
  );
  console.log('');
  console.log(
    table(
      ['N', 'loss', 'unsent to unlinked (settled)', 'link opens /member/min (churn)', 'false Down (churn)'],
      overlayRows.map(({ spec, result: r, extras: e }) => [
        fmt(r!.n, 0),
        `${spec.loss * 100} %`,
        fmt(e?.unsentNoLinkSettled, 0),
        fmt(e?.linkOpensPerMemberMinute),
        fmt(e?.churnFalseDowns, 0),
      ]),
    ),
  );
}
console.log('');
console.log(
  'wall s: the whole row, cold start or applyMany setup included; sim s /wall s: simulated time over',
);
console.log(
  'the wall time of the simulation itself (setup and heap snapshot excluded), and over the quiet stretch alone',
);
console.log("(no crash being detected: the load column's window); heap /member: at the end of the row.");
console.log(
  'B/s: SWIM packets as links carry them (link form, protocol 1.4: no addrs in the header), the frame kind byte not counted.',
);
console.log('');
console.log(
  'Beside the anchors: ours / anchor. SWIM: e/(e−1) ≈ 1.58 periods to first detection; memberlist LAN',
);
console.log(
  'suspicion 4·log10(N) s (4 s at N ≤ 10, 8 s at 100, 12 s at 1,000; max ×6); Serf model 99.99 % spread',
);
console.log(
  '(200 ms gossip, fanout 3); foca 1.0 from DESIGN §6 (lan preset, 1 ms + 1 ms jitter, means over seeds).',
);
console.log('');
console.log(
  table(
    [
      'N',
      'loss',
      'all see all s (ours / foca)',
      'first detection (ours / SWIM / foca)',
      'all Down s (ours / memberlist / foca)',
      'spread s (ours / Serf / foca)',
      'false Down/member-h (ours / foca)',
      'B/s (ours / foca)',
    ],
    done
      .filter((d) => d.result !== undefined && d.spec.delayMs === LAN.delayMs && d.spec.system !== 'overlay')
      .map(({ spec, result: r, extras: e }) => {
        const f = FOCA[`${spec.n}/${spec.loss}`];
        const ass =
          e?.allSeeAllSeconds === undefined
            ? 'n/a'
            : e.allSeeAllSeconds === null
              ? `> ${spec.coldStartCapMs / 1000}`
              : fmt(e.allSeeAllSeconds, 1);
        return [
          fmt(spec.n, 0),
          `${spec.loss * 100} %`,
          `${ass} / ${f?.allSeeAll ?? '—'}`,
          `${fmt(r!.firstDetectionPeriods)} / 1.58 / ${f?.first ?? '—'}`,
          `${fmt(r!.detectionSeconds, 1)} / ${memberlistSuspicion(spec.n)} / ${f?.allDown ?? '—'}`,
          `${fmt(r!.disseminationSeconds)} / ${SERF[spec.n] ?? '—'} / ${f?.spread ?? '—'}`,
          `${fmt(r!.falsePositivesPerMemberHour, 1)} / ${f?.falseDown ?? '—'}`,
          `${fmt(r!.bytesPerMemberSecond, 0)} / ${f?.bps ?? '—'}`,
        ];
      }),
  ),
);

// Where the bytes go (issue 15 item 3): B/s per member by message kind over the quiet stretch.
const kinds = [...new Set(done.flatMap((d) => Object.keys(d.extras?.bytesByKind ?? {})))].sort();
if (kinds.length > 0) {
  console.log('');
  console.log(
    'Where the bytes go: B/s per member by message kind, quiet stretch (members piggybacked included).',
  );
  console.log('');
  console.log(
    table(
      ['N', 'loss', 'link', ...kinds],
      done
        .filter((d) => d.extras !== undefined)
        .map(({ spec, extras: e }) => [
          fmt(spec.n, 0),
          `${spec.loss * 100} %`,
          `${spec.delayMs}+${spec.jitterMs} ms`,
          ...kinds.map((k) => fmt(e!.bytesByKind[k] ?? 0, 0)),
        ]),
    ),
  );
}

if (slowRows !== undefined || slowError !== undefined) {
  console.log('');
  console.log(slowRows === undefined ? slowError : slowRowsTable(slowSpec, slowRows));
}

if (overloadRows !== undefined) {
  console.log('');
  console.log(overloadRowsTable(overloadRows));
}

if (coldRows !== undefined && coldRows.length > 0) {
  console.log('');
  console.log(
    'Cold start (no loss, joins within 1 s): full mesh lan(n), overlay browser(n); anti-entropy off and on, same seed:',
  );
  console.log('');
  console.log(coldStartTable(coldRows));
}

if (churnRows !== undefined && churnRows.length > 0) {
  console.log('');
  console.log(
    'Churn on the overlay (browser preset, started converged): 1 % of members leave (in turn gracefully and by a crash)',
  );
  console.log(
    'and as many join every minute, at least one. Setups: link setups begun (each an RTCPeerConnection, whose slot',
  );
  console.log(
    'Chrome frees only on garbage collection; cap 500 a page), first links included, per member and per page of 10',
  );
  console.log(
    `members over an hour${QUICK ? ' (--quick: 10 minutes of churn, scaled to the hour)' : ''}. Bootstrap peers: the server's`,
  );
  console.log(
    "random members (today), or the joiner's ring neighbours in the server's view (its first links are links it keeps).",
  );
  console.log('');
  console.log(churnTable(churnRows));
}
