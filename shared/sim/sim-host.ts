import { BROWSER_LOOP, HostLoop, type HostPort, type OverlayTopology } from '../host/index';
import type { Identity, Notification, Runtime } from '../swim/index';
import type { SimNode } from './sim-node';

/** A member's host as the simulator runs it. */
export type HostStatus = 'running' | 'hung' | 'crashed';

/** What a host needs from the world around it. */
export interface HostWorld<T extends Identity> {
  readonly now: number;
  /** Puts `bytes` from member `src` on the wire towards `to`; false when no link carries it. */
  send(src: number, to: T, bytes: Uint8Array): boolean;
  /** Member `member`'s overlay topology changed its view: its wanted links may have moved. */
  viewChanged?(member: number): void;
  /** Asks for this host's `wake()` at virtual time `at`. */
  scheduleWake(member: number, at: number): void;
  /** Hands a notification to the simulator's listeners. */
  dispatch(member: number, notification: Notification<T>): void;
}

/**
 * One member's host in the simulator: the browser runtime's `HostLoop` (shared/host) over the virtual
 * clock, so the simulator's figures are figures of the code that runs in tabs. What is the simulator's
 * own is how the host itself misbehaves: a hang (nothing runs until it resumes, then every timer that
 * came due fires late, in order), a crash, and throttling (timers run on a 1-second grid, as in a
 * hidden tab, while packets are still handled at once).
 *
 * With `browserRuntime` the loop also polls on packet and handles pauses (shift, run after queued
 * packets, rejoin after a pause long enough to be surely Down, a short grace for a late batch of
 * timers): `BROWSER_LOOP`, the page's own options. Without, it only runs timers in order, as a plain
 * host would.
 */
export class SimHost<T extends Identity> implements HostPort<T> {
  readonly loop: HostLoop<T>;
  private currentStatus: HostStatus = 'running';
  /** Virtual time at which a hang ends. */
  hungUntil = 0;
  /** Whether packets arriving during a hang are delivered on resume (else they are dropped). */
  queueWhileHung = false;
  /** Timers run on a grid of this many ms (0 = not throttled), shifted by `throttlePhase`. */
  throttleMs = 0;
  throttlePhase = 0;
  packetsSent = 0;
  bytesSent = 0;
  packetsReceived = 0;

  /** The topology's version last reported to the world. */
  private topologyVersion = 0;

  constructor(
    readonly index: number,
    readonly node: SimNode<T>,
    private readonly world: HostWorld<T>,
    browserRuntime = false,
    /** The loop's late grace (`HostLoopInit.lateGraceMs`) with `browserRuntime`; off only to measure what it buys. */
    lateGrace = true,
    /** Overlay support: the loop keeps it in step with the core (see `HostLoopInit.topology`). */
    readonly topology?: OverlayTopology,
  ) {
    this.loop = new HostLoop<T>({
      core: node,
      port: this,
      ...(browserRuntime
        ? { ...BROWSER_LOOP, ...(lateGrace ? {} : { lateGraceMs: 0 }) }
        : { pollOnPacket: false, pauseThresholdMs: Number.POSITIVE_INFINITY }),
      ...(topology === undefined ? {} : { topology }),
    });
  }

  get status(): HostStatus {
    return this.currentStatus;
  }

  /** Hangs or resumes the host; a crash goes through `crash()`. */
  set status(status: HostStatus) {
    this.currentStatus = status;
    this.loop.halted = status !== 'running';
  }

  /** Virtual time of the pending wake-up, `Infinity` when none. */
  get wakeAt(): number {
    return this.loop.wakeAt;
  }

  /** Pauses the browser runtime noticed. */
  get pauses(): number {
    return this.loop.pauses;
  }

  get timersRun(): number {
    return this.loop.timersRun;
  }

  /** The core's runtime: scenario helpers call the core with it. */
  get runtime(): Runtime<T> {
    return this.loop;
  }

  // HostPort

  send(to: T, bytes: Uint8Array): boolean {
    this.packetsSent++;
    this.bytesSent += bytes.length;
    return this.world.send(this.index, to, bytes);
  }

  settled(): void {
    const t = this.topology;
    if (t !== undefined && t.version !== this.topologyVersion && this.currentStatus !== 'crashed') {
      this.topologyVersion = t.version;
      this.world.viewChanged?.(this.index);
    }
  }

  notify(notification: Notification<T>): void {
    this.world.dispatch(this.index, notification);
  }

  scheduleWake(at: number): void {
    this.world.scheduleWake(this.index, at);
  }

  /** Calls the core now (announce, leave, broadcast) with the loop as its runtime. */
  call(fn: (runtime: Runtime<T>) => void): void {
    const now = this.world.now;
    this.loop.call(now, now, fn);
  }

  /** When a timer due at `due` actually runs on this host (late when throttled). */
  fireTime(due: number): number {
    if (this.throttleMs <= 0) return due;
    const grid = this.throttleMs;
    return this.throttlePhase + Math.ceil((due - this.throttlePhase) / grid) * grid;
  }

  /** The latest due time whose timer fires at or before `now` on the throttle grid. */
  private lastDueFiringBy(now: number): number {
    const grid = this.throttleMs;
    return this.throttlePhase + Math.floor((now - this.throttlePhase) / grid) * grid;
  }

  /** Changes the throttle grid (0 = none) and rebooks the wake-up accordingly. */
  setThrottle(gridMs: number, phase: number): void {
    this.throttleMs = gridMs;
    this.throttlePhase = phase;
    this.loop.fireTime = gridMs > 0 ? (due) => this.fireTime(due) : undefined;
    if (this.currentStatus !== 'crashed') this.loop.rebook(this.world.now);
  }

  /** Runs every due timer in due order, unless hung or crashed; then books the next wake-up. */
  wake(now: number): void {
    if (now !== this.loop.wakeAt) return; // A superseded wake-up.
    if (this.currentStatus === 'hung') {
      // The page's timer stays armed for its old due time: on resume it comes back that late.
      this.loop.deferWake(this.hungUntil);
      return;
    }
    // fireTime is monotonic in due, so "fires by now" is a prefix of the due order.
    this.loop.wake(now, now, this.throttleMs > 0 ? this.lastDueFiringBy(now) : now);
  }

  /** Hands a packet to the core (after the due timers, with `browserRuntime`); returns the core's result. */
  deliver(bytes: Uint8Array, now: number): ReturnType<HostLoop<T>['handlePacket']> {
    this.packetsReceived++;
    return this.loop.handlePacket(bytes, now);
  }

  /** Books a wake-up for the earliest pending timer (if any). */
  rescheduleNext(): void {
    this.loop.rescheduleNext(this.world.now);
  }

  /** Stops this host for good: its timers are dropped and packets to it are lost. */
  crash(): void {
    this.status = 'crashed';
    this.loop.stop();
  }
}
