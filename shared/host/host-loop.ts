import type { HandleResult, Identity, Notification, RemoteErrorKind, Runtime, Timer } from '../swim/index';
import {
  type HostCore,
  type HostLoopInit,
  type HostLoopStats,
  type HostPort,
  HostReentryError,
  PAUSE_REJOIN_BACKOFF_CAP,
  PAUSE_REJOIN_BACKOFF_MS,
} from './host-port';
import type { OverlayTopology } from './overlay-topology';
import { TimerQueue } from './timer-queue';

/**
 * The one host loop of the tree: it drives one SWIM core for the browser runtime (over the page's
 * clock) and for the simulator (over a virtual one). It reads no clock: every entry point takes `now`
 * (monotonic ms) and, where a real clock has one, `wallNow`.
 *
 * - The core's timers go to one ordered `TimerQueue`; a single booked wake-up runs every timer that
 *   is due, in due order, however late it comes.
 * - Poll on packet: before a packet is handled, the timers already due run first (a hidden tab's
 *   timers lag, its message handlers don't), so probes and suspicions stay close to schedule.
 * - Pause: a wake-up (or a poll) more than `pauseThresholdMs` later than booked, or a wall clock that
 *   ran ahead of the monotonic one, means script did not run. Every pending timer is pushed back by
 *   the time since the last sign of life (the core's clock stood still with the page, so a probe sent
 *   just before keeps its full round trip), and they run on a fresh wake-up, after the packets that
 *   queued up meanwhile (an Ack that arrived while we were hung must not lose to its probe's timeout).
 * - Late grace (`lateGraceMs`, the browser's and the simulator's browser runtime): a batch of timers
 *   that comes late, short of a pause, waits a little more, and the packets handled meanwhile go
 *   first. A loop starved of CPU doubts itself before it accuses others.
 * - Rejoin: after a pause long enough for peers to have declared us Down (`rejoinAfterPauseMs`), a
 *   connected core changes to its renewed identity at once and a `rejoin` notification follows. A
 *   shorter pause needs nothing: the core refutes a suspicion when it hears of it, and rejoins when
 *   it hears of its own Down.
 *
 * The loop is the core's `Runtime`: sends go to the port as they are made, notifications too, and
 * `settled()` tells the port each time a core call returned.
 */
export class HostLoop<T extends Identity> implements Runtime<T> {
  readonly core: HostCore<T>;
  readonly timers = new TimerQueue<Timer<T>>();
  readonly pauseThresholdMs: number;
  readonly pollOnPacket: boolean;
  readonly lateGraceMs: number;
  readonly lateThresholdMs: number;
  readonly coalesceMs: number;
  readonly deferIdleTimers: boolean;
  /**
   * Maps a timer's due time to when the host actually gets to run it (a throttled host runs timers on
   * a grid). Undefined: on time. The simulator's throttle model sets it.
   */
  fireTime: ((due: number) => number) | undefined;
  /** Set while the host can run nothing (a hung page): a batch of timers stops at once. */
  halted = false;
  /** Timers handed to the core. */
  timersRun = 0;
  /** Wake-ups that came (`wake` calls on a running loop), and those that found nothing to do. */
  wakeUps = 0;
  idleWakeUps = 0;
  pauses = 0;
  lateGraces = 0;
  pauseRejoinsHeld = 0;
  unsentNoLink = 0;
  /** See `HostLoopInit.pauseRejoinBackoffMs` (the simulator turns it off to compare). */
  pauseRejoinBackoffMs: number;
  /** Until when a pause doesn't rejoin by itself, and the window the next rejoin will set. */
  private rejoinHeldUntil = Number.NEGATIVE_INFINITY;
  private rejoinWindow = 0;
  /** See `HostLoopInit.topology`. */
  readonly topology: OverlayTopology | undefined;
  /** The mode last handed to the core. */
  private coreMode: 'mesh' | 'overlay' = 'mesh';
  private readonly remoteErrors: Partial<Record<RemoteErrorKind, number>> = {};
  private readonly port: HostPort<T>;
  /** When the booked wake-up is (`Infinity`: none), and the due time and clocks it was booked at. */
  private bookedAt = Number.POSITIVE_INFINITY;
  private armedDue = Number.POSITIVE_INFINITY;
  /** The earliest due time the booked wake-up runs (`coalesceMs` counts from it); `-Infinity`: not a timer's. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private armedNow = 0;
  private armedWall = 0;
  /** The last moment we know script ran: a timer submitted or run, a packet handled. */
  private lastActivity = 0;
  /** The clocks of the current entry point (timers submitted during a core call count from here). */
  private now = 0;
  private wallNow = 0;
  private firing = false;
  private inCore = false;
  private stopped = false;
  /** While a late batch waits out its grace: how late it was (0: no grace running). */
  private graceGap = 0;
  private graceEndsAt = 0;
  private readonly rejoinAfterPauseMs: (config: HostCore<T>['config']) => number;

  constructor(init: HostLoopInit<T>) {
    this.core = init.core;
    this.port = init.port;
    this.pauseThresholdMs = init.pauseThresholdMs ?? 2500;
    this.pollOnPacket = init.pollOnPacket ?? true;
    this.lateGraceMs = init.lateGraceMs ?? 0;
    this.lateThresholdMs = init.lateThresholdMs ?? 50;
    this.coalesceMs = Math.max(0, init.coalesceMs ?? 0);
    this.deferIdleTimers = init.deferIdleTimers === true && init.core.timerIsIdle !== undefined;
    this.rejoinAfterPauseMs = init.rejoinAfterPauseMs ?? ((config) => config.suspectToDownAfterMs);
    this.pauseRejoinBackoffMs = init.pauseRejoinBackoffMs ?? PAUSE_REJOIN_BACKOFF_MS;
    this.topology = init.topology;
  }

  /** Time of the pending wake-up, `Infinity` when none. A wake-up at another time is stale. */
  get wakeAt(): number {
    return this.bookedAt;
  }

  /** Whether `stop()` was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  // Runtime: what the core calls while it runs.

  notify(notification: Notification<T>): void {
    const topology = this.topology;
    if (topology !== undefined) {
      // The view is the core's active members: a suspicion moves no link, a Down or a join does.
      const n = notification;
      if (n.type === 'member-up') topology.add(n.id.addr);
      else if (n.type === 'member-down') topology.remove(n.id.addr);
      else if (n.type === 'rename' && n.old.addr !== n.new.addr) {
        topology.remove(n.old.addr);
        topology.add(n.new.addr);
      }
    }
    this.port.notify(notification);
  }

  sendTo(to: T, bytes: Uint8Array): void {
    if (this.port.send(to, bytes) === false) this.unsentNoLink++;
  }

  /** Queues `timer` `afterMs` after the current entry point's `now` (negative, NaN or infinite: 0). */
  submitAfter(timer: Timer<T>, afterMs: number): void {
    if (this.stopped) return;
    const now = this.now;
    const due = Number.isFinite(afterMs) && afterMs > 0 ? now + afterMs : now;
    this.lastActivity = now;
    this.timers.push(due, timer);
    // While firing, the batch books once at its end; an idle timer waits (see `deferIdleTimers`).
    if (!this.firing && !this.isIdle(timer)) this.bookTimer(due, now);
  }

  // Entry points: the host calls these with its clock's reading.

  /**
   * The booked wake-up came (at `now`): runs every timer due by `limit` (default `now`) in due order,
   * or, when it came so late that the host must have been paused, handles the pause instead.
   */
  wake(now: number, wallNow = now, limit = now): void {
    this.enter(now, wallNow);
    const gap = this.measureGap(now, wallNow);
    this.bookedAt = Number.POSITIVE_INFINITY;
    this.armedDue = Number.POSITIVE_INFINITY;
    this.windowStart = Number.NEGATIVE_INFINITY;
    if (this.stopped) return;
    this.wakeUps++;
    const { timersRun, lateGraces, pauses } = this;
    this.fire(now, wallNow, gap, limit);
    if (this.timersRun === timersRun && this.lateGraces === lateGraces && this.pauses === pauses) {
      this.idleWakeUps++;
    }
  }

  /**
   * Hands one packet to the core, after running the timers already due (with `pollOnPacket`). Counts a
   * refusal by kind. Returns the core's result, or `undefined` when the host stopped or halted first.
   */
  handlePacket(bytes: Uint8Array, now: number, wallNow = now): HandleResult | undefined {
    if (this.stopped) return undefined;
    this.enter(now, wallNow);
    if (this.pollOnPacket) {
      if (!this.firing && this.graceGap === 0 && this.timers.peekDue() <= now) {
        const gap = this.measureGap(now, wallNow);
        this.unbook();
        this.fire(now, wallNow, gap, now);
        if (this.stopped || this.halted) return undefined;
      }
      this.lastActivity = now;
    }
    this.enterCore(now, wallNow);
    let result: HandleResult;
    try {
      result = this.core.handleData(bytes, this);
    } finally {
      this.inCore = false;
    }
    this.afterCore();
    if (!result.ok) {
      const kind = result.error.kind;
      this.remoteErrors[kind] = (this.remoteErrors[kind] ?? 0) + 1;
    }
    // A grace is over at its wake-up or at the first packet after it (a throttled page's wake-up
    // may come a second late; its packets don't).
    if (this.graceGap > 0 && now >= this.graceEndsAt && !this.firing && !this.stopped && !this.halted) {
      this.unbook();
      this.fire(now, wallNow, 0, now);
    }
    return result;
  }

  /**
   * Calls the core (`fn` gets this loop as its runtime), then tells the port it settled. Throws
   * `HostReentryError` from inside a core call; returns `undefined` without calling once stopped.
   */
  call<R>(now: number, wallNow: number, fn: (runtime: Runtime<T>) => R): R | undefined {
    if (this.stopped) return undefined;
    this.enterCore(now, wallNow);
    let result: R;
    try {
      result = fn(this);
    } finally {
      this.inCore = false;
    }
    this.afterCore();
    return result;
  }

  /**
   * Looks for a pause now (a page's `resume` or `visibilitychange`) instead of at the next late wake-up.
   * Returns the gap handled, or 0.
   */
  checkPause(now: number, wallNow = now): number {
    if (this.stopped || this.firing) return 0;
    this.enter(now, wallNow);
    const gap = this.measureGap(now, wallNow);
    if (gap <= this.pauseThresholdMs) return 0;
    this.unbook();
    this.handlePause(now, wallNow, gap);
    return gap;
  }

  /** Books a wake-up for the earliest pending timer, unless an earlier one is booked. */
  rescheduleNext(now: number, wallNow = now): void {
    if (this.stopped) return;
    this.enter(now, wallNow);
    const due = this.nextDue();
    if (due === Number.POSITIVE_INFINITY) return;
    this.bookTimer(due, now);
  }

  /** Forgets the pending wake-up and books one afresh (the throttle grid changed). */
  rebook(now: number): void {
    this.unbook();
    this.rescheduleNext(now);
  }

  /**
   * Moves the pending wake-up to `at` and keeps the due time it was booked for, so it comes back that
   * late (a hung page's timer stays armed for its old due time).
   */
  deferWake(at: number): void {
    this.bookedAt = at;
    this.windowStart = Number.NEGATIVE_INFINITY;
    this.port.scheduleWake(at);
  }

  /** Drops every pending timer and the wake-up; later calls are ignored. */
  stop(): void {
    this.stopped = true;
    this.timers.clear();
    this.unbook();
  }

  stats(): HostLoopStats {
    return {
      remoteErrors: { ...this.remoteErrors },
      unsentNoLink: this.unsentNoLink,
      pauses: this.pauses,
      pauseRejoinsHeld: this.pauseRejoinsHeld,
      timersPending: this.timers.size,
      wakeUps: this.wakeUps,
      idleWakeUps: this.idleWakeUps,
      lateGraces: this.lateGraces,
    };
  }

  private fire(now: number, wallNow: number, gap: number, limit: number): void {
    if (gap > this.pauseThresholdMs) {
      this.graceGap = 0;
      this.handlePause(now, wallNow, gap);
      return;
    }
    if (this.graceGap === 0 && this.lateGraceMs > 0 && gap > this.lateThresholdMs) {
      // Late: the packets queued behind whatever made us late go first (see `lateGraceMs`).
      this.graceGap = gap;
      this.graceEndsAt = now + this.lateGraceMs;
      this.lateGraces++;
      this.book(now + this.lateGraceMs, now + this.lateGraceMs);
      return;
    }
    if (this.graceGap > 0 && now < this.graceEndsAt) {
      // A wake-up booked during the grace (a packet's handler re-booked the overdue batch for now)
      // waits for the grace's end: the packets still queued behind it go first, or a checker that
      // stalled would judge a member whose answer sits in its own queue.
      this.book(this.graceEndsAt, this.graceEndsAt);
      return;
    }
    const late = Math.max(gap, this.graceGap);
    this.graceGap = 0;
    const core = this.core;
    // The core's local health hears how late its timers run (a throttled, starved or stalled loop).
    if (late > 0) core.noteLateness?.(late);
    this.firing = true;
    try {
      for (let t = this.timers.popDue(limit); t !== undefined; t = this.timers.popDue(limit)) {
        this.timersRun++;
        this.lastActivity = now;
        // Inlined `call`: no closure per timer, the simulator runs millions of them.
        this.enterCore(now, wallNow);
        try {
          core.handleTimer(t, this);
        } finally {
          this.inCore = false;
        }
        this.afterCore();
        if (this.stopped || this.halted) break;
      }
    } finally {
      this.firing = false;
    }
    this.rescheduleNext(now, wallNow);
  }

  private handlePause(now: number, wallNow: number, gap: number): void {
    this.pauses++;
    this.timers.shift(Math.max(0, now - this.lastActivity));
    this.lastActivity = now;
    // The shifted timers run on a fresh wake-up, after the packets that queued up during the pause.
    this.book(now, now);
    this.port.paused?.(gap);
    const core = this.core;
    if (gap < this.rejoinAfterPauseMs(core.config) || core.connectionState !== 'connected') return;
    if (this.holdsRejoinBack(now)) return;
    // Long enough to have been declared Down: come back under a new identity rather than as a ghost.
    const renewed = core.identity.renew();
    if (renewed === undefined) return;
    this.call(now, wallNow, (rt) => {
      core.changeIdentity(renewed, rt);
      rt.notify({ type: 'rejoin', id: renewed });
    });
  }

  /**
   * Whether the rejoin after a pause at `now` waits for the core's evidence instead (see
   * `pauseRejoinBackoffMs`); if not, opens the window the next pause falls in.
   */
  private holdsRejoinBack(now: number): boolean {
    const base = this.pauseRejoinBackoffMs;
    if (base <= 0) return false;
    if (now < this.rejoinHeldUntil) {
      this.pauseRejoinsHeld++;
      this.rejoinWindow = Math.min(base * PAUSE_REJOIN_BACKOFF_CAP, this.rejoinWindow * 2);
      this.rejoinHeldUntil = now + this.rejoinWindow;
      return true;
    }
    this.rejoinWindow = base;
    this.rejoinHeldUntil = now + base;
    return false;
  }

  /**
   * A core call returned: switch the core's mode if the view crossed the budget, fit the wake-up to
   * the timers that are idle now, then tell the port.
   */
  private afterCore(): void {
    const topology = this.topology;
    if (topology !== undefined && topology.mode !== this.coreMode) {
      this.coreMode = topology.mode;
      this.core.setTopology?.(topology.mode === 'overlay' ? topology : undefined);
    }
    if (this.deferIdleTimers && !this.firing) this.refitWake();
    this.port.settled?.();
  }

  /** See `deferIdleTimers`: the core's own check, read at booking time. */
  private readonly isIdle = (timer: Timer<T>): boolean =>
    this.deferIdleTimers && this.core.timerIsIdle?.(timer) === true;

  private readonly isBookable = (timer: Timer<T>): boolean => !this.isIdle(timer);

  /** Due time of the earliest timer that needs a wake-up of its own (`Infinity`: none). */
  private nextDue(): number {
    return this.deferIdleTimers ? this.timers.earliestDueWhere(this.isBookable) : this.timers.peekDue();
  }

  /**
   * After a core call, with `deferIdleTimers`: books a timer that has work now (an update to gossip),
   * and moves a timer's wake-up out when what it was booked for went idle (a probe's Ack came before
   * its indirect stage). A pause's or a grace's wake-up is only ever moved earlier.
   */
  private refitWake(): void {
    if (this.stopped) return;
    const due = this.nextDue();
    const booked = this.bookedAt;
    const timersOnly = this.windowStart !== Number.NEGATIVE_INFINITY && this.graceGap === 0;
    if (booked !== Number.POSITIVE_INFINITY && due > booked && timersOnly && this.fireTime === undefined) {
      this.unbook();
    }
    if (due !== Number.POSITIVE_INFINITY) this.bookTimer(due, this.now);
  }

  private enterCore(now: number, wallNow: number): void {
    if (this.inCore) throw new HostReentryError('the core was called from inside a core call');
    this.enter(now, wallNow);
    // The topology times how long a subject goes without a link (OverlayTopology.probeUnlinked).
    this.topology?.setNow(now);
    this.inCore = true;
  }

  private enter(now: number, wallNow: number): void {
    this.now = now;
    this.wallNow = wallNow;
  }

  /** How much later than booked this is, or how far the wall clock ran ahead of the monotonic one. */
  private measureGap(now: number, wallNow: number): number {
    if (this.armedDue === Number.POSITIVE_INFINITY) return 0;
    const late = now - this.armedDue;
    // Where the monotonic clock stops during sleep, only the wall clock shows the gap.
    const sleep = wallNow - this.armedWall - (now - this.armedNow);
    return sleep > this.pauseThresholdMs && sleep > late ? sleep : late;
  }

  /**
   * Books the wake-up for a queued timer due at `due` (not before `now`). With `coalesceMs`, the
   * timers due within `coalesceMs` after it share one wake-up at the last of their due times: a
   * wake-up already booked in that window takes it as it is, and one booked earlier in the window of
   * its own first timer moves out to it. The wake-up's due time is the one it was booked for, so a
   * timer held back on purpose does not count as late (`lateGraceMs`, local health).
   */
  private bookTimer(due: number, now: number): void {
    const slack = this.coalesceMs;
    if (slack === 0 || this.fireTime !== undefined) {
      this.book(Math.max(now, this.fireTime === undefined ? due : this.fireTime(due)), due, due);
      return;
    }
    if (this.stopped) return;
    const booked = this.bookedAt;
    if (booked !== Number.POSITIVE_INFINITY) {
      if (due >= booked) {
        // Later than the booking: move it out to this timer while both fit one window.
        if (due > booked && due <= this.windowStart + slack && this.graceGap === 0) {
          this.arm(due, due, this.windowStart);
        }
        return;
      }
      if (booked <= due + slack) {
        // The booking runs this timer too, at most `slack` late.
        this.windowStart = Math.min(this.windowStart, due);
        return;
      }
    }
    const last = this.timers.lastDueUpTo(due + slack);
    const target = Math.max(last, due);
    this.book(Math.max(now, target), target, due);
  }

  /** Asks for a wake-up at `at` for a timer due at `due`, unless an earlier one is booked. */
  private book(at: number, due: number, windowStart = Number.NEGATIVE_INFINITY): void {
    if (this.stopped || at >= this.bookedAt) return;
    this.arm(at, due, windowStart);
  }

  /** Replaces the booked wake-up with one at `at` for due time `due`. */
  private arm(at: number, due: number, windowStart: number): void {
    this.bookedAt = at;
    this.armedDue = due;
    this.windowStart = windowStart;
    this.armedNow = this.now;
    this.armedWall = this.wallNow;
    this.port.scheduleWake(at);
  }

  private unbook(): void {
    if (this.bookedAt === Number.POSITIVE_INFINITY) return;
    this.bookedAt = Number.POSITIVE_INFINITY;
    this.armedDue = Number.POSITIVE_INFINITY;
    this.windowStart = Number.NEGATIVE_INFINITY;
    this.port.cancelWake?.();
  }
}
