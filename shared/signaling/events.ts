/**
 * The socket.io contract between a tab and the signaling server, defined once and used by both sides
 * (`Server<ClientToServerEvents, ServerToClientEvents>` / `Socket<ServerToClientEvents, ClientToServerEvents>`).
 * The server only bootstraps: it never carries SWIM traffic.
 */

/** A member's address as the SWIM core stores it: 32 lowercase hex digits (128 bits). */
export type PeerAddr = string;

export interface JoinRequest {
  readonly room: string;
  readonly addr: PeerAddr;
  /** Required when the server is configured with a secret; see the signaling server's auth. */
  readonly token?: string;
  /** The member's Ed25519 public key (64 hex digits); `addr` must be `addrOfPublicKey(publicKey)`. */
  readonly publicKey: string;
  /**
   * Ed25519 signature (128 hex digits) by `publicKey` over `joinChallengeMessage(challenge, room, addr)`,
   * where `challenge` is what the server sent this socket: proof that the socket holds the address's key.
   */
  readonly signature: string;
}

/** Sent by the server once per socket, right after it connects: the nonce a join must sign. */
export interface JoinChallenge {
  /** 32 random bytes as 64 lowercase hex digits, fresh for every socket. */
  readonly challenge: string;
}

export type ErrorReason =
  | 'invalid-payload'
  | 'payload-too-large'
  | 'rate-limited'
  | 'room-full'
  | 'too-many-rooms'
  | 'unauthorized'
  /** The join's key does not hash to its addr, or its signature over this socket's challenge is wrong. */
  | 'bad-signature'
  /** The client's IP address holds as many sockets as the server allows (`maxSocketsPerIp`). */
  | 'too-many-connections'
  | 'not-in-room'
  | 'unknown-peer'
  /** The server holds as many rooms or connections as it is configured for. */
  | 'server-full'
  | 'internal';

export type Ack<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly reason: ErrorReason; readonly message: string };

/**
 * Up to K random members of the room (not including the joiner) to connect to first, and `size`, how
 * many members the room holds with the joiner (protocol 1.6; older servers leave it out): a joiner of
 * a room past its link budget starts on the overlay instead of linking to everyone it hears of first.
 */
export type JoinResult = Ack<{
  readonly room: string;
  readonly peers: readonly PeerAddr[];
  readonly size?: number;
}>;

/** Opaque WebRTC signaling data (simple-peer's offer/answer/candidate objects). */
export type SignalData = unknown;

export interface SignalRequest {
  readonly room: string;
  readonly to: PeerAddr;
  /** Lets the receiver match answers to offers and drop duplicates. */
  readonly sessionId: string;
  readonly data: SignalData;
}

export interface SignalDelivery {
  readonly room: string;
  readonly from: PeerAddr;
  readonly sessionId: string;
  readonly data: SignalData;
}

export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (result: JoinResult) => void) => void;
  leave: (request: { readonly room: string }, ack: (result: Ack<object>) => void) => void;
  signal: (request: SignalRequest, ack: (result: Ack<object>) => void) => void;
}

export interface ServerToClientEvents {
  signal: (delivery: SignalDelivery) => void;
  /** Arrives first on every new socket; joins sign it (no extra round trip). */
  challenge: (challenge: JoinChallenge) => void;
}
