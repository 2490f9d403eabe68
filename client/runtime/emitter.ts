import { createNanoEvents, type EventsMap, type Unsubscribe } from 'nanoevents';

/** Told when a handler threw; the emitter went on with the next handler. */
export type HandlerErrorSink = (event: string, error: unknown) => void;

/**
 * The one typed event emitter of the client: `nanoevents` for storage and subscription, with safe
 * dispatch on top (a throwing handler is reported to `onError` and the others still run: an app's
 * handler must not break the protocol loop) and `replayTo` for events that replay state to a late
 * subscriber.
 */
export class Emitter<Events extends EventsMap> {
  private readonly inner = createNanoEvents<Events>();

  constructor(private readonly onError: HandlerErrorSink = () => {}) {}

  /** Subscribes `handler` to `event`; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, handler: Events[E]): Unsubscribe {
    return this.inner.on(event, handler);
  }

  /** Unsubscribes every registration of `handler` from `event`. */
  off<E extends keyof Events>(event: E, handler: Events[E]): void {
    const list = this.inner.events[event];
    if (list !== undefined) this.inner.events[event] = list.filter((h) => h !== handler);
  }

  /** Whether anyone listens to `event` (to skip building an event nobody reads). */
  has(event: keyof Events): boolean {
    return (this.inner.events[event]?.length ?? 0) > 0;
  }

  /** Calls every handler of `event` in subscription order, each guarded. */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const list = this.inner.events[event];
    if (list === undefined) return;
    for (let i = 0, n = list.length; i < n; i++) this.replayTo(event, list[i]!, ...args);
  }

  /** Calls one handler (a late subscriber being caught up), guarded like `emit`. */
  replayTo<E extends keyof Events>(event: E, handler: Events[E], ...args: Parameters<Events[E]>): void {
    try {
      (handler as (...a: Parameters<Events[E]>) => void)(...args);
    } catch (e) {
      this.onError(String(event), e);
    }
  }

  /** Drops every handler. */
  clear(): void {
    this.inner.events = {};
  }
}
