import { type Clock, systemClock } from '../clock';

/**
 * The system clock (fake timers included) for one simulated tab that can be paused, as a hung page:
 * while paused, callbacks that fall due wait; `resume` runs them, late, as the page's event loop would.
 */
export class PausableClock implements Clock {
  private paused = false;
  private readonly waiting: Array<() => void> = [];

  now(): number {
    return systemClock.now();
  }

  wallNow(): number {
    return systemClock.wallNow();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return systemClock.setTimeout(() => {
      if (this.paused) this.waiting.push(fn);
      else fn();
    }, ms);
  }

  clearTimeout(handle: unknown): void {
    systemClock.clearTimeout(handle);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const fn of this.waiting.splice(0)) fn();
  }
}
