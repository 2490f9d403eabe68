/**
 * Tabs of one browser finding each other, and signaling their BroadcastChannel links, on one channel
 * named after the room: the server's job, done without the server.
 *
 * - `hello` (on open): "I am here"; every tab that hears it answers `here` (to it alone) and tells its
 *   owner the sender is present.
 * - `bye` (on close): the sender is gone.
 * - `signal`: a link's offer, answer or request for the member `to` (the others ignore it).
 *
 * A tab never hears its own posts (BroadcastChannel doesn't deliver them) and ignores posts from its
 * own addr. Everything heard is checked; anything malformed is dropped, nothing throws.
 */
import { createNanoEvents } from 'nanoevents';
import { isMemberAddr } from '../../shared/swim/index';
import type { BroadcastChannelLike, OpenBroadcastChannel } from './broadcast-channel-link';
import type { PeerAddr, ServerSignaling } from './mesh';

type SignalHandler = (from: PeerAddr, sessionId: string, data: unknown) => void;

type RoomPost =
  | { readonly type: 'hello' | 'bye'; readonly from: PeerAddr }
  | { readonly type: 'here'; readonly from: PeerAddr; readonly to: PeerAddr }
  | {
      readonly type: 'signal';
      readonly from: PeerAddr;
      readonly to: PeerAddr;
      readonly sessionId: string;
      readonly data: unknown;
    };

export interface PresenceEvents {
  /** A tab of this browser joined the room's channel (or said so again, e.g. after a reload). */
  present: (addr: PeerAddr) => void;
  /** A tab said goodbye. A tab that crashed says nothing: probes decide. */
  absent: (addr: PeerAddr) => void;
}

/** The room's BroadcastChannel name: the same in every tab of the room, per origin. */
export function sameBrowserChannelName(room: string): string {
  return `shoal/${room}`;
}

/**
 * The `ServerSignaling` of the BroadcastChannel links, and who is present. `send` resolves false
 * for a member that is not a tab of this browser (it would never answer).
 */
export class BroadcastChannelSignaling implements ServerSignaling {
  readonly self: PeerAddr;
  readonly #channel: BroadcastChannelLike;
  readonly #present = new Set<PeerAddr>();
  readonly #handlers = new Set<SignalHandler>();
  readonly #events = createNanoEvents<PresenceEvents>();
  #closed = false;

  /** Opens the room's channel and says hello. */
  constructor(self: PeerAddr, channelName: string, openChannel: OpenBroadcastChannel) {
    this.self = self;
    this.#channel = openChannel(channelName);
    this.#channel.onmessage = (event) => this.#receive(event.data);
    this.#post({ type: 'hello', from: self });
  }

  /** Whether `addr` is a tab of this browser in this room (heard from, no goodbye since). */
  isPresent(addr: PeerAddr): boolean {
    return this.#present.has(addr);
  }

  on<E extends keyof PresenceEvents>(event: E, handler: PresenceEvents[E]): () => void {
    return this.#events.on(event, handler);
  }

  send(to: PeerAddr, sessionId: string, data: unknown): Promise<boolean> {
    if (this.#closed || !this.#present.has(to)) return Promise.resolve(false);
    return Promise.resolve(this.#post({ type: 'signal', from: this.self, to, sessionId, data }));
  }

  onSignal(handler: SignalHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Says goodbye and closes the channel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#post({ type: 'bye', from: this.self });
    this.#closed = true;
    this.#channel.close();
    this.#present.clear();
  }

  #receive(post: unknown): void {
    if (this.#closed || typeof post !== 'object' || post === null) return;
    const p = post as Partial<Record<string, unknown>>;
    const from = p.from;
    if (!isMemberAddr(from) || from === this.self) return;
    switch (p.type) {
      case 'hello':
        this.#post({ type: 'here', from: this.self, to: from });
        this.#arrived(from, true);
        return;
      case 'here':
        if (p.to === this.self) this.#arrived(from, false);
        return;
      case 'bye':
        if (this.#present.delete(from)) this.#events.emit('absent', from);
        return;
      case 'signal':
        if (p.to !== this.self || typeof p.sessionId !== 'string') return;
        // A signal implies its sender is here, even if its hello was missed.
        this.#arrived(from, false);
        for (const handler of this.#handlers) handler(from, p.sessionId, p.data);
        return;
      default:
        return;
    }
  }

  /** Marks `addr` present; a hello always tells the owner (the tab may be a new page of that addr). */
  #arrived(addr: PeerAddr, hello: boolean): void {
    const known = this.#present.has(addr);
    this.#present.add(addr);
    if (!known || hello) this.#events.emit('present', addr);
  }

  #post(post: RoomPost): boolean {
    if (this.#closed) return false;
    try {
      this.#channel.postMessage(post);
      return true;
    } catch {
      return false;
    }
  }
}
