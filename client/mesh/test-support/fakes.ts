/**
 * Test doubles for driving a mesh by hand, sans-IO style: a link driver whose links the test opens,
 * feeds and closes; a server that records what is sent. (The clock that moves only when told is the
 * runtime's `ManualClock`.)
 */
import type { CreateLinkOptions, Link, LinkDriver } from '../link';
import type { PeerAddr, ServerSignaling } from '../mesh';

export class FakeLink implements Link {
  readonly signals: object[] = [];
  readonly sent: Uint8Array[] = [];
  destroyed = false;
  open = false;

  constructor(readonly options: CreateLinkOptions) {}

  signal(data: object): void {
    this.signals.push(data);
  }

  send(bytes: Uint8Array): boolean {
    if (!this.open || this.destroyed) return false;
    this.sent.push(bytes.slice());
    return true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Opens the channel, as the driver would once ICE and DTLS are done. */
  opened(): void {
    this.open = true;
    this.options.handlers.open();
  }
}

export class FakeDriver implements LinkDriver {
  readonly links: FakeLink[] = [];

  createLink(options: CreateLinkOptions): Link {
    const link = new FakeLink(options);
    this.links.push(link);
    return link;
  }

  /** The newest link to `peer`. */
  linkTo(peer: PeerAddr): FakeLink | undefined {
    return this.links.filter((link) => link.options.peer === peer).at(-1);
  }
}

export interface SentSignal {
  readonly to: PeerAddr;
  readonly sessionId: string;
  readonly data: unknown;
}

export class FakeServer implements ServerSignaling {
  readonly sent: SentSignal[] = [];
  accept = true;
  #handler: ((from: PeerAddr, sessionId: string, data: unknown) => void) | undefined;

  send(to: PeerAddr, sessionId: string, data: unknown): Promise<boolean> {
    this.sent.push({ to, sessionId, data });
    return Promise.resolve(this.accept);
  }

  onSignal(handler: (from: PeerAddr, sessionId: string, data: unknown) => void): () => void {
    this.#handler = handler;
    return () => {
      this.#handler = undefined;
    };
  }

  /** Delivers a signal as the server would, synchronously. */
  deliver(from: PeerAddr, sessionId: string, data: unknown): void {
    this.#handler?.(from, sessionId, data);
  }
}
