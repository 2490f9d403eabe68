/**
 * `npx tsx shared/sim/bench/repro-cold-start.ts [n] [seed] [seconds]`: a cold start of `n` members
 * (lan(n), no loss) joining within 1 s through 4 random bootstrap peers each. Prints, every few
 * seconds, which members still miss which others, and whether the missed member knows them.
 */
import { Cluster } from '../cluster';

const n = Number(process.argv[2] ?? 100);
const seed = Number(process.argv[3] ?? 5);
const seconds = Number(process.argv[4] ?? 60);
const cluster = new Cluster({ size: n, seed });
cluster.coldStart(cluster.all(), 1000);
const addrs = cluster.swims.map((s) => s.identity.addr);
console.log(`n=${n} seed ${seed}, lan(${n}), no loss, joins within 1 s`);
for (let t = 5; t <= seconds; t += 5) {
  cluster.sim.runUntil(t * 1000);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    if (cluster.swim(i).numMembers === n - 1) continue;
    const known = new Set([...cluster.swim(i).members()].map((m) => m.id.addr));
    const missing = addrs.flatMap((a, j) => (j !== i && !known.has(a) ? [j] : []));
    const mutual = missing.filter((j) => ![...cluster.swim(j).members()].some((m) => m.id.addr === addrs[i]));
    lines.push(
      `${i} misses [${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}]${mutual.length > 0 ? ` (mutually: ${mutual.length})` : ''}`,
    );
  }
  console.log(
    `${t} s: ${lines.length === 0 ? 'all see all' : `${lines.length} members incomplete: ${lines.slice(0, 4).join('; ')}`}`,
  );
  if (lines.length === 0) break;
}
