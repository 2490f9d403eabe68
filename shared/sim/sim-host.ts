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
 * One member's host loop, shaped like the browser runtime (client/runtime: `SwimHost` over one
 * `TimerQueue`): the core's timers go to one ordered queue, a single wake-up runs every timer that is
 * due in due order, sends go straight to the network and notifications to listeners. It also models how
 * the host itself misbehaves: a hang (nothing runs until it resumes, then every timer that came due
 * fires late, in order) and throttling (timers run on a 1-second grid, as in a hidden tab, while packets
 * are still handled at once).
 *
 * With `browserRuntime` it also does what the browser runtime does on top: before each packet it runs
 * the timers already due (a hidden tab's message handlers run on time, its timers don't), and when a
 * wake-up comes back more than `pauseThresholdMs` late (the page was paused) it pushes every pending
 * timer back by the time the page stood still, runs them after the packets that queued up, and, after a
 * pause as long as the suspicion timeout, rejoins under a renewed identity.
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
  /** Mirror the browser runtime's poll-on-packet and pause handling (see the class doc). */
  browserRuntime = false;
  /** A wake-up later than this means the page was paused (the browser runtime's default). */
  pauseThresholdMs = 2500;
  packetsSent = 0;
  bytesSent = 0;
  packetsReceived = 0;
  timersRun = 0;
  /** Pauses the browser runtime noticed. */
  pauses = 0;
  /** The due time the pending wake-up was booked for: how late it comes back tells a pause. */
  private armedDue = Number.POSITIVE_INFINITY;
  /** The last moment script ran here (a timer submitted or run, a packet handled). */
  private lastActivity = 0;
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
    const now = this.world.now;
    const due = now + Math.max(0, afterMs);
    this.lastActivity = now;
    this.timers.push(due, timer);
    // While draining, the loop reschedules once at the end.
    if (!this.draining) this.book(this.fireTime(due), due);
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
    this.armedDue = Number.POSITIVE_INFINITY;
    this.rescheduleNext();
  }

  /** Runs every due timer in due order, unless hung or crashed; then books the next wake-up. */
  wake(now: number): void {
    if (now !== this.wakeAt) return; // A superseded wake-up.
    const armedDue = this.armedDue;
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.armedDue = Number.POSITIVE_INFINITY;
    if (this.status === 'crashed') return;
    if (this.status === 'hung') {
      // The page's timer stays armed for its old due time: on resume it comes back that late.
      this.book(this.hungUntil, armedDue);
      return;
    }
    // fireTime is monotonic in due, so "fires by now" is a prefix of the due order.
    this.fire(now, now - armedDue, this.throttleMs > 0 ? this.lastDueFiringBy(now) : now);
  }

  /**
   * Browser runtime only: runs the timers already due before a packet is handled, as the runtime's
   * `poll()` does on every packet, and notes that script ran.
   */
  beforePacket(now: number): void {
    if (!this.browserRuntime || this.status !== 'running') return;
    if (this.timers.peekDue() <= now) {
      const armedDue = this.armedDue;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.armedDue = Number.POSITIVE_INFINITY;
      this.fire(now, now - armedDue, now);
    }
    this.lastActivity = now;
  }

  private fire(now: number, late: number, limit: number): void {
    if (this.browserRuntime && late > this.pauseThresholdMs) {
      this.handlePause(now, late);
      return;
    }
    this.draining = true;
    try {
      for (let timer = this.timers.popDue(limit); timer !== undefined; timer = this.timers.popDue(limit)) {
        this.timersRun++;
        this.lastActivity = now;
        this.node.handleTimer(timer, this);
        if (this.status !== 'running') break;
      }
    } finally {
      this.draining = false;
    }
    this.rescheduleNext();
  }

  private handlePause(now: number, gap: number): void {
    this.pauses++;
    // The core's clock stood still with the page: a probe sent just before the pause keeps its full
    // round trip after it instead of being failed by the pause.
    this.timers.shift(Math.max(0, now - this.lastActivity));
    this.lastActivity = now;
    // The shifted timers run on a fresh task, after the packets that queued up during the pause.
    this.book(now, now);
    const node = this.node;
    if (gap < node.config.suspectToDownAfterMs || node.connectionState !== 'connected') return;
    // Long enough to have been declared Down: come back under a new identity rather than as a ghost.
    const renewed = node.identity.renew();
    if (renewed === undefined) return;
    node.changeIdentity(renewed, this);
    this.notify({ type: 'rejoin', id: renewed });
  }

  /** Books a wake-up for the earliest pending timer (if any). */
  rescheduleNext(): void {
    if (this.status === 'crashed') return;
    const due = this.timers.peekDue();
    if (due !== Number.POSITIVE_INFINITY) this.book(Math.max(this.world.now, this.fireTime(due)), due);
  }

  /** Stops this host for good: its timers are dropped and packets to it are lost. */
  crash(): void {
    this.status = 'crashed';
    this.timers.clear();
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.armedDue = Number.POSITIVE_INFINITY;
  }

  /** Asks for a wake-up at `at` for a timer due at `due`, unless an earlier one is booked. */
  private book(at: number, due: number): void {
    if (at < this.wakeAt) {
      this.wakeAt = at;
      this.armedDue = due;
      this.world.scheduleWake(this.index, at);
    }
  }
}
