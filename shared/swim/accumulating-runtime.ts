import type { Identity } from './identity';
import type { Notification, Runtime, Timer } from './runtime';

/**
 * A `Runtime` that only collects what the core asked for, in order, for hosts and tests to drain
 * after each input (foca's `AccumulatingRuntime`). A host that uses it must still do all the
 * `Runtime` contract asks: send every packet, submit every timer, deliver every notification.
 */
export class AccumulatingRuntime<T extends Identity> implements Runtime<T> {
  /** Packets to send, oldest first; each `bytes` is the runtime's own copy. */
  readonly sends: Array<{ to: T; bytes: Uint8Array }> = [];
  /** Timers to schedule, in submission order (the tie-break between timers due at the same time). */
  readonly timers: Array<{ timer: Timer<T>; afterMs: number }> = [];
  /** Notifications, in the order they happened. */
  readonly notifications: Array<Notification<T>> = [];

  /** Appends to `notifications`. */
  notify(notification: Notification<T>): void {
    this.notifications.push(notification);
  }

  /** Appends to `sends`. */
  sendTo(to: T, bytes: Uint8Array): void {
    // The core may reuse its buffer: keep a copy.
    this.sends.push({ to, bytes: bytes.slice() });
  }

  /** Appends to `timers`. */
  submitAfter(timer: Timer<T>, afterMs: number): void {
    this.timers.push({ timer, afterMs });
  }

  /** Removes and returns everything sent so far. */
  takeSends(): Array<{ to: T; bytes: Uint8Array }> {
    return this.sends.splice(0);
  }

  /** Removes and returns every timer submitted so far, in submission order. */
  takeTimers(): Array<{ timer: Timer<T>; afterMs: number }> {
    return this.timers.splice(0);
  }

  /** Removes and returns every notification so far, in order. */
  takeNotifications(): Array<Notification<T>> {
    return this.notifications.splice(0);
  }

  /** How many items are waiting to be drained. */
  get backlog(): number {
    return this.sends.length + this.timers.length + this.notifications.length;
  }

  /** Drops everything collected: only for tests, a host would lose sends, timers or events. */
  clear(): void {
    this.sends.length = 0;
    this.timers.length = 0;
    this.notifications.length = 0;
  }
}
