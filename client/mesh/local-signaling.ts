/**
 * An in-process stand-in for the signaling server: `ServerSignaling` clients that reach each other
 * through one hub. For tests and the in-memory network; the real one is socket.io.
 */
import { type Clock, systemClock } from '../runtime/clock';
import type { PeerAddr, ServerSignaling } from './mesh';

type SignalHandler = (from: PeerAddr, sessionId: string, data: unknown) => void;

export interface LocalSignalingHubInit {
  /** Delivery is asynchronous, as over a socket, on this clock. Default: the system clock. */
  readonly clock?: Clock;
  /** Delivery delay in ms. Default 0. */
  readonly delayMs?: number;
}

export class LocalSignalingHub {
  readonly #handlers = new Map<PeerAddr, Set<SignalHandler>>();
  readonly #clock: Clock;
  readonly #delayMs: number;
  #online = true;
  /** Signals the hub accepted for delivery. */
  delivered = 0;

  constructor(init: LocalSignalingHubInit = {}) {
    this.#clock = init.clock ?? systemClock;
    this.#delayMs = init.delayMs ?? 0;
  }

  /** While offline, every `send` resolves false (the server is down). */
  setOnline(online: boolean): void {
    this.#online = online;
  }

  /** The server connection of the member `addr`. */
  client(addr: PeerAddr): ServerSignaling {
    return {
      send: (to, sessionId, data) => Promise.resolve(this.#send(addr, to, sessionId, data)),
      onSignal: (handler) => {
        let set = this.#handlers.get(addr);
        if (set === undefined) {
          set = new Set();
          this.#handlers.set(addr, set);
        }
        set.add(handler);
        return () => {
          set.delete(handler);
          if (set.size === 0 && this.#handlers.get(addr) === set) this.#handlers.delete(addr);
        };
      },
    };
  }

  #send(from: PeerAddr, to: PeerAddr, sessionId: string, data: unknown): boolean {
    if (!this.#online || !this.#handlers.has(to)) return false;
    // A JSON round trip, as over socket.io: the receiver never shares objects with the sender.
    const copy: unknown = JSON.parse(JSON.stringify(data));
    this.delivered += 1;
    this.#clock.setTimeout(() => {
      for (const handler of this.#handlers.get(to) ?? []) handler(from, sessionId, copy);
    }, this.#delayMs);
    return true;
  }
}
