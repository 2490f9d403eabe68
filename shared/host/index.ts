/** The host layer: the one host loop that drives a SWIM core, its timer queue, the overlay topology, and the clock and logger types. */

export * from './browser-loop';
export type { Clock } from './clock';
export * from './host-loop';
export * from './host-port';
export { type Logger, silentLogger } from './logger';
export * from './overlay-topology';
export { TimerQueue } from './timer-queue';
