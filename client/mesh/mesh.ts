/**
 * The contract between the browser runtime and the connection layer. The runtime speaks SWIM packets
 * and app messages to member addrs; the mesh owns WebRTC (or in-memory) links, the connection budget,
 * and signaling (through the mesh first, the server as fallback).
 */

/** A member's addr as the SWIM core stores it (32 lowercase hex digits). */
export type PeerAddr = string;

/**
 * What goes on a data channel: a 1-byte kind, then the payload. `swim-link` is a SWIM packet in its
 * link form and `hello` says which frames the sender reads (protocol 1.4, `swim-link-form.ts`).
 */
export type FrameKind = 'swim' | 'signal' | 'app' | 'swim-link' | 'hello';

/**
 * The bootstrap path through the signaling server, provided by the runtime (socket.io underneath).
 * `send` resolves false when the server is unreachable or refused the relay.
 */
export interface ServerSignaling {
  send(to: PeerAddr, sessionId: string, data: unknown): Promise<boolean>;
  /** Registers the handler for signals the server delivers to us. Returns an unsubscribe function. */
  onSignal(handler: (from: PeerAddr, sessionId: string, data: unknown) => void): () => void;
}

export interface MeshStats {
  /** Links currently open. */
  readonly open: number;
  /** Links being negotiated. */
  readonly pending: number;
  /**
   * Frames (SWIM packets, relayed signals, app messages) and their bytes, each frame's kind byte
   * included. A link's hellos (protocol 1.4: 2 bytes, on a link's first SWIM packet) are not counted.
   */
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Connections whose offer/answer went through other members. */
  readonly signaledViaMesh: number;
  /** Connections whose offer/answer went through the signaling server. */
  readonly signaledViaServer: number;
  /** SWIM packets dropped because their header src was not the channel's peer. */
  readonly spoofedDropped: number;
  /** SWIM packets sent in their link form (protocol 1.4: no addrs in the header; in `packetsOut`). */
  readonly swimLinkFormOut: number;
  /** Frames dropped on purpose by the simulated loss (demo slider). */
  readonly lossDropped: number;
  /** Frames dropped because they were malformed or too big. */
  readonly malformedDropped: number;
}

/** `MeshStats` plus the counters that explain them. */
export interface MeshStatsDetail extends MeshStats {
  /** Peers backing off before another attempt (they count against the budget). */
  readonly backingOff: number;
  /** Connections refused by the budget, ours and our peers'. */
  readonly refused: number;
  /** Connection attempts that failed (timeout, busy peer, channel failure). */
  readonly failedAttempts: number;
  /** Signal copies forwarded for other members. */
  readonly relayed: number;
  /** Signal copies dropped as duplicates or out of hops. */
  readonly relayDropped: number;
  /**
   * Connection objects (`RTCPeerConnection`s) ever created by this mesh, ours and answers to peers'.
   * Chrome frees one only on garbage collection and refuses past ~500 per page, so it must stay low.
   */
  readonly linksCreated: number;
  /** Spare links (`setSpare`) closed to give their slot to a new link at the budget. */
  readonly yielded: number;
  /**
   * Our link attempts (offers, requests) that may be under way at once now: halves when one times out
   * or its connection fails, grows by one per link opened, up to `maxConnections` (`attempt-window.ts`).
   */
  readonly attemptWindow: number;
  /** Our attempts waiting for the window. */
  readonly attemptsQueued: number;
  /** Times the attempt window shrank. */
  readonly attemptWindowShrunk: number;
  /** Signals (ours and relayed) sent straight to their target on our link to it. */
  readonly signalsDirect: number;
  /** Signals (ours and relayed) sent one hop closer along a route over the overlay. */
  readonly signalsRouted: number;
  /** Signals (ours and relayed) flooded to random links: no link to the target and no route. */
  readonly signalsFlooded: number;
  /** Signals sent through the signaling server (bootstrap, or the fallback). */
  readonly signalsViaServer: number;
  /** Relayed-signal frames dropped unread because their link was over `relayRateLimit`. */
  readonly relayRateDropped: number;
  /** Signals to us whose sender's signature was verified (one Ed25519 verification each). */
  readonly signalsVerified: number;
  /** Signals to us accepted as copies of one already verified (resends), without verifying again. */
  readonly signalsVerifyCached: number;
  /**
   * Signals to us dropped for their proof: none, a key that is not the sender's, or a signature that
   * does not cover our room, our addr, the session and the link's fingerprint (forged or replayed
   * elsewhere). They never open, replace or close a link.
   */
  readonly signalsRejected: number;
  /** Signals to us dropped unread because `MAX_SIGNALS_VERIFYING` were already waiting for their check. */
  readonly signalsVerifyDropped: number;
}

/**
 * Which way a relayed signal goes when we hold no link to its target: the next hops on a route over
 * the room's overlay, computed from our view (a large room's topology provides it).
 */
export interface SignalRoutes {
  /** Members we should hold a link to that are one hop closer to `to`; none when there is no route. */
  nextHops(to: PeerAddr): readonly PeerAddr[];
}

export interface MeshEvents {
  /** A SWIM packet from `from` (its src was checked against the channel's peer). */
  swim: (from: PeerAddr, bytes: Uint8Array) => void;
  /** An app message from `from`. */
  app: (from: PeerAddr, bytes: Uint8Array) => void;
  'peer-open': (addr: PeerAddr) => void;
  'peer-close': (addr: PeerAddr) => void;
}

export interface Mesh {
  readonly self: PeerAddr;
  /**
   * Asks for a link to `addr`. Idempotent; the mesh decides who initiates (one side per pair), retries
   * with backoff, and refuses past `maxConnections`. Returns false when refused by the budget.
   */
  connect(addr: PeerAddr): boolean;
  /** Drops the link to `addr` (e.g. the member is Down or left) and stops retrying. */
  disconnect(addr: PeerAddr): void;
  /** Sends a SWIM packet on the link to `to`; false when no link is open (the packet is dropped). */
  sendSwim(to: PeerAddr, bytes: Uint8Array): boolean;
  /** Sends an app message on the link to `to`; false when no link is open. */
  sendApp(to: PeerAddr, bytes: Uint8Array): boolean;
  isOpen(addr: PeerAddr): boolean;
  openPeers(): PeerAddr[];
  /** Every peer held, opened by either end: `open`, or `opening` (negotiating or backing off). */
  links(): Map<PeerAddr, 'opening' | 'open'>;
  /**
   * Routes relayed signals over the overlay from now on: along `routes.nextHops`, never flooded, the
   * server when no hop is open (`undefined`: back to flooding a few random links when we hold no link
   * to the target, as a full mesh does). Changes only where later signals go.
   */
  setRoutes(routes: SignalRoutes | undefined): void;
  /**
   * Links the owner can spare, longest unneeded first (a large room's lingering overlay links): at
   * `maxConnections` a new link takes the slot of the first one held instead of being refused, so a
   * joiner's bootstrap link or a wanted ring neighbour gets in. `undefined` (the default): refuse.
   */
  setSpare(spare: (() => readonly PeerAddr[]) | undefined): void;
  on<E extends keyof MeshEvents>(event: E, handler: MeshEvents[E]): () => void;
  stats(): MeshStatsDetail;
  /** Drops this fraction (0–1) of outgoing and incoming frames, for the demo's loss slider. */
  setLoss(fraction: number): void;
  close(): void;
}
