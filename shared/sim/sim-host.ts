import type { Identity } from '../swim/identity';
import type { Notification, Runtime, Timer } from '../swim/runtime';
import type { SimNode } from './sim-node';
import { TimerQueue } from './timer-queue';

/** A member's host as the simulator runs it. */
export type HostStatus = 'running' | 'hung' | 'crashed';

/** What a host needs from the world around it. */
export interface HostWorld<T extends Identity> {
  readonly now: number;
  /** Puts `bytes` from member `src` on the wire towards `to`. */
  send(src: number, to: T, bytes: Uint8Array): void;
  /** Asks for this host's `wake()` at virtual time `at`. */
  scheduleWake(member: number, at: number): void;
  /** Hands a notification to the simulator's listeners. */
  dispatch(member: number, notification: Notification<T>): void;
}

/**
 * One member's host loop, shaped like the browser runtime: the core's timers go to one ordered queue,
 * a single wake-up runs every timer that is due in due order, sends go straight to the network and
 * notifications to listeners. It also models how the host itself misbehaves: a hang (nothing runs until
 * it resumes, then every timer that came due fires late, in order) and throttling (timers run on a
 * 1-second grid, as in a hidden tab, while packets are still handled at once).
 */
export class SimHost<T extends Identity> implements Runtime<T> {
  readonly timers = new TimerQueue<Timer<T>>();
  status: HostStatus = 'running';
  /** Virtual time at which a hang ends. */
  hungUntil = 0;
  /** Whether packets arriving during a hang are delivered on resume (else they are dropped). */
  queueWhileHung = false;
  /** Timers run on a grid of this many ms (0 = not throttled), shifted by `throttlePhase`. */
  throttleMs = 0;
  throttlePhase = 0;
  /** Virtual time of the pending wake-up, `Infinity` when none. */
  wakeAt = Number.POSITIVE_INFINITY;
  packetsSent = 0;
  bytesSent = 0;
  packetsReceived = 0;
  timersRun = 0;
  private draining = false;

  constructor(
    readonly index: number,
    readonly node: SimNode<T>,
    private readonly world: HostWorld<T>,
  ) {}

  notify(notification: Notification<T>): void {
    this.world.dispatch(this.index, notification);
  }

  sendTo(to: T, bytes: Uint8Array): void {
    this.packetsSent++;
    this.bytesSent += bytes.length;
    this.world.send(this.index, to, bytes);
  }

  submitAfter(timer: Timer<T>, afterMs: number): void {
    const due = this.world.now + Math.max(0, afterMs);
    this.timers.push(due, timer);
    // While draining, the loop reschedules once at the end.
    if (!this.draining) this.rescheduleIfEarlier(this.fireTime(due));
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
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.rescheduleNext();
  }

  /** Runs every due timer in due order, unless hung or crashed; then books the next wake-up. */
  wake(now: number): void {
    if (now !== this.wakeAt) return; // A superseded wake-up.
    this.wakeAt = Number.POSITIVE_INFINITY;
    if (this.status === 'crashed') return;
    if (this.status === 'hung') {
      this.rescheduleIfEarlier(this.hungUntil);
      return;
    }
    this.draining = true;
    try {
      // fireTime is monotonic in due, so "fires by now" is a prefix of the due order.
      const limit = this.throttleMs > 0 ? this.lastDueFiringBy(now) : now;
      for (let timer = this.timers.popDue(limit); timer !== undefined; timer = this.timers.popDue(limit)) {
        this.timersRun++;
        this.node.handleTimer(timer, this);
        if (this.status !== 'running') break;
      }
    } finally {
      this.draining = false;
    }
    this.rescheduleNext();
  }

  /** Books a wake-up for the earliest pending timer (if any). */
  rescheduleNext(): void {
    if (this.status === 'crashed') return;
    const due = this.timers.peekDue();
    if (due !== Number.POSITIVE_INFINITY)
      this.rescheduleIfEarlier(Math.max(this.world.now, this.fireTime(due)));
  }

  /** Stops this host for good: its timers are dropped and packets to it are lost. */
  crash(): void {
    this.status = 'crashed';
    this.timers.clear();
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  private rescheduleIfEarlier(at: number): void {
    if (at < this.wakeAt) {
      this.wakeAt = at;
      this.world.scheduleWake(this.index, at);
    }
  }
}
