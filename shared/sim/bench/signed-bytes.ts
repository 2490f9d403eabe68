/**
 * `npx tsx shared/sim/bench/signed-bytes.ts [-- --n 8] [-- --seed N] [-- --seconds 120] [-- --item-bytes 45,140]`: where a
 * small room's bytes go, unsigned against signed (issue 11: signing by default must not cost a tab
 * more than the issue 15 goal of 160 B/s). A full mesh of N members with the browser preset, the
 * tabs' switches (Lifeguard, Down as accusation, anti-entropy), link form on the wire, a cold start,
 * 30 s to settle, then B/s per member by message kind over the quiet stretch. Same seed, same rows.
 */
import { ANNOUNCE_WITH_DIGEST_TAG, MESSAGE_TAGS } from '../../swim/binary-codec';
import { browser } from '../../swim/config';
import { Cluster } from '../cluster';
import { encodeVersioned } from '../versioned-broadcasts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const N = Number(option('--n') ?? 8);
const SEED = Number(option('--seed') ?? 20261202);
const SECONDS = Number(option('--seconds') ?? 120);
/**
 * Each member's metadata item, bytes: a tab's `{ id }` is ~45 B unsigned and ~140 B signed (format 2
 * adds a 96-byte proof). 0: no metadata.
 */
const ITEM_BYTES = option('--item-bytes')?.split(',').map(Number) ?? [45, 140];
/** Where a packet's tag sits with 18-byte browser identities: src, u16 incarnation, dst. */
const TAG_OFFSET = 18 + 2 + 18;
const KIND_BY_TAG: Record<number, string> = {
  ...Object.fromEntries(Object.entries(MESSAGE_TAGS).map(([k, t]) => [t, k])),
  [ANNOUNCE_WITH_DIGEST_TAG]: 'announce+digest',
};

interface Row {
  readonly signed: boolean;
  readonly allSeeAllMs: number | undefined;
  readonly bytesByKind: Map<string, number>;
  readonly packetsByKind: Map<string, number>;
  readonly memberSeconds: number;
}

function run(signed: boolean): Row {
  const itemBytes = ITEM_BYTES[signed ? 1 : 0] ?? ITEM_BYTES[0]!;
  const cluster = new Cluster({
    size: N,
    seed: SEED,
    config: browser(N),
    link: { loss: 0, delayMs: 1, jitterMs: 1 },
    downIsAccusation: true,
    statements: signed,
  });
  cluster.coldStart(cluster.all(), 1000);
  // Each member publishes its metadata once it runs, as a tab does on join.
  if (itemBytes > 0)
    for (const i of cluster.all())
      cluster.sim.after(1500, () => cluster.swim(i).addBroadcast(encodeVersioned(i, 1, itemBytes - 6)));
  const allSeeAllMs = cluster.sim.runUntilTrue(() => cluster.converged(), 60_000);
  cluster.sim.runFor(30_000);
  const bytesByKind = new Map<string, number>();
  const packetsByKind = new Map<string, number>();
  cluster.sim.onSend((_src, _dst, bytes, _now, wireBytes) => {
    const kind = KIND_BY_TAG[bytes[TAG_OFFSET] ?? 255] ?? 'other';
    bytesByKind.set(kind, (bytesByKind.get(kind) ?? 0) + wireBytes);
    packetsByKind.set(kind, (packetsByKind.get(kind) ?? 0) + 1);
  });
  cluster.sim.runFor(SECONDS * 1000);
  return { signed, allSeeAllMs, bytesByKind, packetsByKind, memberSeconds: N * SECONDS };
}

const rows = [run(false), run(true)];
const kinds = [...new Set(rows.flatMap((r) => [...r.bytesByKind.keys()]))].sort();
console.log(
  `# signed-bytes — N=${N}, seed ${SEED}, ${SECONDS} s quiet after 30 s of settling; a metadata item per member of ${ITEM_BYTES.join(' B unsigned, ')} B signed`,
);
console.log('B/s per member by message kind (link form; in brackets: bytes a packet)\n');
console.log(`| statements | all see all | total B/s | ${kinds.join(' | ')} |`);
console.log(`|---|---|---|${kinds.map(() => '---').join('|')}|`);
for (const r of rows) {
  let total = 0;
  for (const b of r.bytesByKind.values()) total += b;
  const cells = kinds.map((k) => {
    const b = r.bytesByKind.get(k) ?? 0;
    const p = r.packetsByKind.get(k) ?? 0;
    return p === 0 ? '—' : `${(b / r.memberSeconds).toFixed(1)} (${Math.round(b / p)})`;
  });
  const seeAll = r.allSeeAllMs === undefined ? 'not in 60 s' : `${(r.allSeeAllMs / 1000).toFixed(2)} s`;
  console.log(
    `| ${r.signed ? 'signed' : 'unsigned'} | ${seeAll} | ${(total / r.memberSeconds).toFixed(1)} | ${cells.join(' | ')} |`,
  );
}
