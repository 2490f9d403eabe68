import type { Identity } from './identity';
import type { Notification, Runtime, Timer } from './runtime';

/** A `Runtime` that only collects what the core asked for, for hosts and tests to drain. */
export class AccumulatingRuntime<T extends Identity> implements Runtime<T> {
  readonly sends: Array<{ to: T; bytes: Uint8Array }> = [];
  readonly timers: Array<{ timer: Timer<T>; afterMs: number }> = [];
  readonly notifications: Array<Notification<T>> = [];

  notify(notification: Notification<T>): void {
    this.notifications.push(notification);
  }

  sendTo(to: T, bytes: Uint8Array): void {
    // The core may reuse its buffer: keep a copy.
    this.sends.push({ to, bytes: bytes.slice() });
  }

  submitAfter(timer: Timer<T>, afterMs: number): void {
    this.timers.push({ timer, afterMs });
  }

  /** Removes and returns everything sent so far. */
  takeSends(): Array<{ to: T; bytes: Uint8Array }> {
    return this.sends.splice(0);
  }

  takeTimers(): Array<{ timer: Timer<T>; afterMs: number }> {
    return this.timers.splice(0);
  }

  takeNotifications(): Array<Notification<T>> {
    return this.notifications.splice(0);
  }

  /** How many items are waiting to be drained. */
  get backlog(): number {
    return this.sends.length + this.timers.length + this.notifications.length;
  }

  clear(): void {
    this.sends.length = 0;
    this.timers.length = 0;
    this.notifications.length = 0;
  }
}
