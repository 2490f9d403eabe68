/**
 * What a host loop is given (a core, a port, its options) and what it reports (stats, a re-entry
 * error): the contract between `HostLoop` and the page or the simulator around it.
 */
import type {
  HandleResult,
  Identity,
  Notification,
  RemoteErrorKind,
  Runtime,
  Timer,
  Topology,
} from '../swim/index';
import type { OverlayTopology } from './overlay-topology';

/** The part of `Swim`'s API a host loop drives. `Swim` satisfies it as is; tests use small stand-ins. */
export interface HostCore<T extends Identity> {
  readonly identity: T;
  /** Read by the rejoin policy: only a connected core rejoins after a long pause. */
  readonly connectionState: string;
  readonly config: { readonly suspectToDownAfterMs: number; readonly probePeriodMs?: number };
  handleData(bytes: Uint8Array, runtime: Runtime<T>): HandleResult;
  handleTimer(timer: Timer<T>, runtime: Runtime<T>): void;
  changeIdentity(identity: T, runtime: Runtime<T>): void;
  /** Overlay mode on or off (`Swim.setTopology`); needed only with `HostLoopInit.topology`. */
  setTopology?(topology: Topology | undefined): void;
  /**
   * Told how late (ms after they were due) the timers about to run are, when they are late at all
   * (Lifeguard's local health: a starved event loop doubts itself). Optional; `Swim` has it.
   */
  noteLateness?(lateMs: number): void;
  /**
   * Whether handling `timer` now would do nothing but re-arm it (`Swim.timerIsIdle`); read with
   * `HostLoopInit.deferIdleTimers`. Optional; `Swim` has it.
   */
  timerIsIdle?(timer: Timer<T>): boolean;
}

/** What a host loop needs from the world around it: a wire, a listener, and one wake-up at a time. */
export interface HostPort<T extends Identity> {
  /** Puts `bytes` on the wire towards `to`. Returns false when there was no way to send (no link). */
  send(to: T, bytes: Uint8Array): boolean | undefined;
  /** Takes a notification of the core (or of the loop: `rejoin`), in order. */
  notify(notification: Notification<T>): void;
  /**
   * Asks for `HostLoop.wake` at time `at` (the host's monotonic ms; may be now or in the past). Replaces
   * the wake-up asked for before: a port either cancels that one or ignores it when it comes.
   */
  scheduleWake(at: number): void;
  /** Cancels the pending wake-up (none is needed any more). Optional where stale wake-ups are ignored. */
  cancelWake?(): void;
  /** Called after every core call returned: the moment to hand out what it produced. Optional. */
  settled?(): void;
  /** Told about a pause of `gapMs`, after the timers were shifted and before any rejoin. Optional. */
  paused?(gapMs: number): void;
}

export interface HostLoopInit<T extends Identity> {
  readonly core: HostCore<T>;
  readonly port: HostPort<T>;
  /**
   * A wake-up this much later than booked (or a wall clock this far ahead of the monotonic one) means
   * the host was hung, frozen or asleep rather than throttled. Hidden tabs run timers up to ~1 s late,
   * so keep this well above that. Default 2,500 ms; `Infinity` never sees a pause.
   */
  readonly pauseThresholdMs?: number;
  /** Run the timers already due before each packet. Default true. */
  readonly pollOnPacket?: boolean;
  /**
   * A batch of timers more than `lateThresholdMs` late (but short of a pause) waits `lateGraceMs`
   * more, and the packets handled meanwhile go first: a starved or janky loop had Acks and
   * refutations queued behind the work that made it late, and a verdict timer must not condemn a
   * member whose answer is already here. Default 0 (off: timers run as soon as they come).
   */
  readonly lateGraceMs?: number;
  /** See `lateGraceMs`. Default 50 ms. */
  readonly lateThresholdMs?: number;
  /**
   * Timers due within this many ms after the earliest pending one share its wake-up, booked at the
   * last of their due times: a timer may run up to `coalesceMs` late, never early. A probe's verdict
   * and the next probe fall a fraction of a millisecond apart, and each wake-up costs a page a task.
   * Default 0 (off: a wake-up per distinct due time). Not applied to a throttled host (`fireTime`),
   * whose grid already batches.
   */
  readonly coalesceMs?: number;
  /**
   * A timer the core calls idle (`HostCore.timerIsIdle`: periodic gossip with nothing to send, the
   * indirect stage of a probe already answered) gets no wake-up of its own: it runs, in due order,
   * with the next wake-up or packet, or is booked as soon as a core call leaves it with work. At
   * rest that is most of a tab's wake-ups (gossip five times a second, a probe's indirect stage
   * three). Default false.
   */
  readonly deferIdleTimers?: boolean;
  /**
   * How long a pause must be for the loop to rejoin under a renewed identity at once, from the core's
   * current config. Default: the suspicion timeout (a pause that long may have made us Down). A pause
   * shorter than this needs nothing: if peers did declare us Down, they say so and the core rejoins
   * then, so a pause that merely might have been long enough costs no leave for anyone.
   */
  readonly rejoinAfterPauseMs?: (config: HostCore<T>['config']) => number;
  /**
   * Overload limit: after the loop rejoined by itself after a pause, another pause within this long
   * does not rejoin by itself (the core still does when it hears it was declared Down); each pause
   * held back doubles the window, up to `PAUSE_REJOIN_BACKOFF_CAP` times. A starved tab stalls for
   * seconds again and again, and a rename per stall is churn every member pays for. Default
   * `PAUSE_REJOIN_BACKOFF_MS`; 0 rejoins after every long pause.
   */
  readonly pauseRejoinBackoffMs?: number;
  /**
   * Overlay support: the loop keeps this topology in step with the core's member-up, member-down and
   * rename notifications, and hands it to the core (`setTopology`) while its mode is 'overlay'
   * (undefined in 'mesh' mode). Default none: the core stays a full mesh.
   */
  readonly topology?: OverlayTopology;
}

/** See `HostLoopInit.pauseRejoinBackoffMs`. */
export const PAUSE_REJOIN_BACKOFF_MS = 30_000;
/** The held-back window grows at most to this many times `pauseRejoinBackoffMs`. */
export const PAUSE_REJOIN_BACKOFF_CAP = 8;

/** Counters of what a host loop did. */
export interface HostLoopStats {
  /** Packets the core refused, by error kind. */
  readonly remoteErrors: Readonly<Partial<Record<RemoteErrorKind, number>>>;
  /** Packets the core wanted sent that found no link (`HostPort.send` returned false). */
  readonly unsentNoLink: number;
  /** Pauses seen (each shifted the timers). */
  readonly pauses: number;
  /** Pauses long enough to rejoin after that the backoff held back (`pauseRejoinBackoffMs`). */
  readonly pauseRejoinsHeld: number;
  /** Timers waiting in the queue. */
  readonly timersPending: number;
  /** Wake-ups that came (each one a task on a page; see `coalesceMs`). */
  readonly wakeUps: number;
  /** Wake-ups that found nothing to do: they came before anything was due (a port that wakes early). */
  readonly idleWakeUps: number;
  /** Late batches of timers held back for `lateGraceMs` so the packets queued behind them went first. */
  readonly lateGraces: number;
}

/** Thrown when the core is called from inside a core call (a bug of the host: the core is not re-entrant). */
export class HostReentryError extends Error {
  static readonly NAME = 'HostReentryError';
  override readonly name = HostReentryError.NAME;
}
