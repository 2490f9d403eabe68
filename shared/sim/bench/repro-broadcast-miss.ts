/**
 * `npx tsx shared/sim/bench/repro-broadcast-miss.ts [seed]`: N=60, lan(60), no loss. Three custom
 * broadcasts; prints who never got which, and how often each member sent each item.
 */
import { BinaryCodec } from '../../swim/binary-codec';
import { browserIdentityCodec } from '../../swim/browser-identity';
import { decodePacket } from '../../swim/packet';
import { Cluster } from '../cluster';
import { ClusterMetrics } from '../metrics';

const seed = Number(process.argv[2] ?? 41);
const cluster = new Cluster({ size: 60, seed });
const metrics = new ClusterMetrics(cluster);
cluster.coldStart();
cluster.sim.runUntilTrue(() => cluster.converged(), 60_000);
const codec = new BinaryCodec(browserIdentityCodec);
const sentBy = new Map<number, number>();
const receivedBy = new Map<number, number>();
cluster.sim.onSend((src, dst, bytes) => {
  const d = decodePacket(codec, bytes);
  if (!d.ok) return;
  sentBy.set(src, (sentBy.get(src) ?? 0) + d.packet.broadcasts.length);
  receivedBy.set(dst, (receivedBy.get(dst) ?? 0) + d.packet.broadcasts.length);
});
const spreads = [0, 17, 42].map((m, k) => metrics.broadcast(m, 100 + k, 1));
cluster.sim.runFor(60_000);
console.log(
  `seed ${seed}, N=60, maxTransmissions ${cluster.config.maxTransmissions}, no loss, 60 s after adding`,
);
for (const s of spreads) {
  const missing = cluster.all().filter((i) => !s.reached.has(i));
  console.log(`  key ${s.key}: reached ${s.reached.size}/60; never reached: [${missing.join(', ')}]`);
  for (const m of missing) console.log(`    member ${m} was sent ${receivedBy.get(m) ?? 0} items in all`);
}
console.log(`  items sent per member: ${[...new Set(sentBy.values())].join(' or ')}`);
