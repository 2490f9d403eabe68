/**
 * The browser runtime's loop options, shared by the page (`SwimHost`) and the simulator's browser
 * runtime so that the simulator measures what ships.
 */
export const BROWSER_LOOP = {
  pollOnPacket: true,
  pauseThresholdMs: 2500,
  deferIdleTimers: true,
  lateGraceMs: 30,
  lateThresholdMs: 50,
  rejoinAfterPauseMs: surelyDownAfterMs,
  coalesceMs: 4,
} as const;

/**
 * A pause after which every peer has surely declared us Down: twice a heard suspicion's course (its
 * timeout, then the checks, about three probe periods). A janky or starved page that stalls for a
 * couple of seconds, and may or may not have been declared Down, finds out from its peers instead
 * of leaving everyone's view on a guess.
 */
export function surelyDownAfterMs(config: {
  readonly suspectToDownAfterMs: number;
  readonly probePeriodMs?: number;
}): number {
  return 2 * (config.suspectToDownAfterMs + 3 * (config.probePeriodMs ?? 0));
}
