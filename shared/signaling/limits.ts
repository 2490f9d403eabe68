/**
 * The signaling server's named limits, shared so that clients can stay under them and tests can
 * name them. Every limit is configurable on the server; these are the defaults.
 */

/** A token bucket: `ratePerSecond` tokens refill continuously, at most `burst` are banked. */
export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface SignalingLimits {
  /** Largest accepted event payload, measured as the JSON size of its arguments. */
  readonly maxPayloadBytes: number;
  /** Deepest accepted nesting of objects and arrays inside a payload. */
  readonly maxPayloadDepth: number;
  /** All inbound events of one socket, whatever their name. */
  readonly events: RateLimit;
  /** `join` events of one socket. */
  readonly joins: RateLimit;
  /** `signal` events (relays) of one socket. */
  readonly relays: RateLimit;
  /** Rooms one socket may be a member of at once. */
  readonly maxRoomsPerSocket: number;
  /** Members of one room; a join beyond it is refused with `room-full`. */
  readonly maxMembersPerRoom: number;
  /** Rooms held by one server process; a join that would open one more is refused with `server-full`. */
  readonly maxRooms: number;
  /** Sockets held by one server process; further connections are refused. */
  readonly maxConnections: number;
  /**
   * Open sockets from one IP address; further connections from it are refused. 0 turns the limit off
   * (for a deployment behind a proxy that hides client addresses, or tests that open many sockets).
   */
  readonly maxSocketsPerIp: number;
  /** Distinct rooms the sockets of one IP address may be in at once; 0 turns the limit off. */
  readonly maxRoomsPerIp: number;
  /** A socket that has not joined a room this many milliseconds after connecting is disconnected. */
  readonly idleSocketTimeoutMs: number;
}

export const DEFAULT_LIMITS: SignalingLimits = {
  maxPayloadBytes: 16 * 1024,
  maxPayloadDepth: 8,
  events: { ratePerSecond: 50, burst: 100 },
  joins: { ratePerSecond: 2, burst: 10 },
  relays: { ratePerSecond: 40, burst: 80 },
  maxRoomsPerSocket: 8,
  maxMembersPerRoom: 5_000,
  maxRooms: 20_000,
  maxConnections: 20_000,
  // A page holds one socket per room it is in; 128 leaves room for a busy NAT or a test of 100 tabs.
  maxSocketsPerIp: 128,
  maxRoomsPerIp: 256,
  idleSocketTimeoutMs: 30_000,
};

/** How many random members a join answers with by default (K). The simulator's `BOOTSTRAP_PEERS` equals it (limits.test.ts). */
export const DEFAULT_BOOTSTRAP_PEERS = 4;

/** Room names: 1–64 characters of `[A-Za-z0-9_.-]`. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Longest room token accepted (a compact JWT with room and expiry is far shorter). */
export const MAX_TOKEN_LENGTH = 2048;

/** Peer addresses: 128 bits as 32 lowercase hex digits; the core's `MEMBER_ADDR_PATTERN` (limits.test.ts). */
export const PEER_ADDR_PATTERN = /^[0-9a-f]{32}$/;

/** Longest session id (the client's handle tying an answer to its offer). */
export const MAX_SESSION_ID_LENGTH = 128;

/** Object keys that could reach a prototype if some code copied them; payloads holding them are refused. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
