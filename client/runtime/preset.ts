import { type Config, DEFAULT_MAX_PACKET_SIZE } from '../../shared/swim/config';

/**
 * The browser preset: foca's `lan(n)` shape, faster, for tabs on WebRTC data channels.
 *
 * Target: a crashed tab is known Down by every tab in ≤ 3 s at N ≤ 16, and a live tab is never
 * declared Down, even when it is hidden (Chrome runs a hidden tab's timers up to ~1 s late, but its
 * message handlers run at once, so its Acks and refutations are prompt).
 *
 * - Period 500 ms: SWIM's first detection takes e/(e−1) ≈ 1.58 periods on average (≈ 0.8 s).
 * - RTT 250 ms: a data channel on a LAN or loopback answers in a few ms; 250 ms leaves room for a busy
 *   main thread and for TURN relays, and still gives the indirect probes half a period.
 * - Suspicion 1.5 s × max(1, log10 n) (lan uses 4 periods × the same factor): every member that hears
 *   a suspicion runs its own timer, so "all Down" ≈ first detection + suspicion + one gossip hop
 *   ≈ 0.8 + 1.5 (1.8 at n = 16) + 0.2 s. A live but suspected tab refutes from its message handler as
 *   soon as the suspicion reaches it (one gossip hop, ~200 ms), far inside the 1.5 s window even when
 *   the tabs that hold the suspicion fire their timers a second late.
 * - Gossip every 200 ms to 3 members, as lan: dissemination in O(log n) hops of 200 ms.
 * - maxTransmissions as lan (4·log10(n+1), at least 4 so small rooms don't lose updates to one drop).
 * - Periodic announce every 10 s (lan: 30 s) heals partitions sooner; tabs come and go often.
 * - removeDownAfter 1 h rather than 24 h: a tab's old generations are refused by the generation
 *   number anyway, and tabs churn, so Down entries are cheap to forget.
 */
export function browserPreset(clusterSize: number): Config {
  const n = Math.max(1, Math.floor(clusterSize));
  const period = 500;
  const factor = Math.max(1, Math.log10(n));
  return {
    probePeriodMs: period,
    probeRttMs: 250,
    numIndirectProbes: 3,
    maxTransmissions: Math.min(255, Math.max(4, Math.floor(4 * Math.log10(n + 1)))),
    suspectToDownAfterMs: Math.round(1500 * factor),
    removeDownAfterMs: 3600 * 1000,
    maxPacketSize: DEFAULT_MAX_PACKET_SIZE,
    notifyDownMembers: true,
    periodicAnnounce: { frequencyMs: 10_000, numMembers: 1 },
    periodicAnnounceToDownMembers: { frequencyMs: 30_000, numMembers: 2 },
    periodicGossip: { frequencyMs: 200, numMembers: 3 },
  };
}
