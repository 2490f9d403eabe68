/**
 * `npx tsx shared/sim/bench/repro-false-downs.ts [seed] [minutes]`: N=100, lan(100), 10 % loss on every
 * link. Prints false MemberDowns about running members and forced rejoins, then the story of the first
 * one: who suspected whom, when the member refuted, and what the member that declared it Down heard.
 */
import { BinaryCodec } from '../../swim/binary-codec';
import { browserIdentityCodec } from '../../swim/browser-identity';
import { decodePacket } from '../../swim/packet';
import { Cluster } from '../cluster';
import { ClusterMetrics } from '../metrics';

const seed = Number(process.argv[2] ?? 31);
const minutes = Number(process.argv[3] ?? 10);
const cluster = new Cluster({ size: 100, seed, link: { loss: 0.1, delayMs: 1, jitterMs: 1 } });
const metrics = new ClusterMetrics(cluster);
cluster.coldStart();
cluster.sim.runUntilTrue(() => cluster.converged(), 120_000, 500);
const codec = new BinaryCodec(browserIdentityCodec);
let first: { at: number; observer: number; subject: number } | undefined;
const events: string[] = [];
cluster.sim.onNotification((member, n, now) => {
  if (n.type === 'member-down') {
    const subject = cluster.sim.indexOf(n.id.addr)!;
    if (first === undefined && cluster.sim.isAlive(subject)) first = { at: now, observer: member, subject };
  }
  if (n.type === 'probe-failed' || n.type === 'member-down' || n.type === 'rejoin') {
    const who = n.type === 'rejoin' ? member : cluster.sim.indexOf(n.id.addr);
    events.push(`${now.toFixed(0)} ms: member ${member} ${n.type} about ${who}`);
  }
});
const heard: Array<{ at: number; src: number; dst: number; text: string }> = [];
cluster.sim.onSend((src, dst, bytes, now) => {
  if (first !== undefined) return;
  const d = decodePacket(codec, bytes);
  if (!d.ok) return;
  for (const m of d.packet.members) {
    heard.push({ at: now, src, dst, text: `${cluster.sim.indexOf(m.id.addr)}:${m.state}@${m.incarnation}` });
  }
});
const start = cluster.sim.now;
cluster.sim.runFor(minutes * 60_000);
console.log(
  `seed ${seed}, ${minutes} min at 10 % loss: false MemberDowns ${metrics.falseDowns}, forced rejoins ${metrics.rejoins}, probe failures about live members ${metrics.falseSuspicions}`,
);
if (first !== undefined) {
  const { at, observer, subject } = first;
  console.log(
    `first false Down: member ${observer} declared ${subject} Down at ${at.toFixed(0)} ms (run started ${start} ms)`,
  );
  for (const e of events)
    if (e.endsWith(` ${subject}`) && Number(e.split(' ')[0]) > at - 20_000) console.log(`  ${e}`);
  const toObserver = heard.filter(
    (h) => h.dst === observer && h.text.startsWith(`${subject}:`) && h.at > at - 20_000,
  );
  console.log(`  what was sent to member ${observer} about ${subject} (each copy lost with p = 0.1):`);
  for (const h of toObserver) console.log(`    ${h.at.toFixed(0)} ms from ${h.src}: ${h.text}`);
  const refutes = heard.filter((h) => h.text.startsWith(`${subject}:alive`) && h.at > at - 20_000);
  console.log(`  copies of ${subject}'s refutation sent cluster-wide before that Down: ${refutes.length}`);
}
