import { type Config, lan } from '../swim/index';

/**
 * The config the simulator gives a member unless told otherwise: foca's `lan(n)` with a 300 ms RTT
 * (foca: 500). Shoal judges a probe shortly after its PingReqs (`judge-probe`, at 1.2 × the RTT)
 * rather than at the end of the period, and first detection is the wait for the first probe (~1.2
 * periods, unaligned) plus that verdict: 300 ms brings it to ≈ 1.55 periods, SWIM's e/(e−1) ≈ 1.58
 * (500 ms: ≈ 1.8). A LAN answers in a few ms, and an answer after the verdict still saves the member
 * in the check that follows, so nothing is suspected sooner. The tabs use `browser(n)` (150 ms).
 */
export function simConfig(size: number): Config {
  return { ...lan(size), probeRttMs: 300 };
}
