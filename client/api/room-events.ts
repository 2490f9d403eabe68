import type { BrowserIdentity, MessageType, Notification } from '../../shared/swim/index';
import type { Metadata } from './metadata';

/** A member's standing as this tab sees it. */
export type MemberState = 'alive' | 'suspect' | 'down';

/** A snapshot of one member. Immutable: a change comes as a new snapshot in an `update` event. */
export interface RoomMember<M extends Metadata = Metadata> {
  /** The member's address: 32 hex digits, the same across reloads of its tab. */
  readonly id: string;
  /** Bumped by each reload or rejoin of the same tab. */
  readonly generation: number;
  readonly state: MemberState;
  /** Its latest metadata, `undefined` until it reaches us. */
  readonly metadata: M | undefined;
  /** When this tab first saw it up (ms since the epoch). */
  readonly since: number;
  /** Whether this is us. */
  readonly self: boolean;
}

/**
 * Where the room stands: `connecting` until the server let us in or a member answered; `connected`
 * while we know members (or the server has us, alone in the room); `reconnecting` when neither holds
 * any more; `lost` after `leave()` or when the server refused us for good.
 */
export type RoomStatus = 'connecting' | 'connected' | 'reconnecting' | 'lost';

/** A SWIM packet this tab sent or received, for showing probes and gossip live. */
export interface PacketEvent {
  readonly direction: 'in' | 'out';
  /** The other member's address. */
  readonly peer: string;
  readonly type: MessageType;
  /** ms since the epoch. */
  readonly at: number;
}

/** An app message from another member. */
export interface RoomMessage {
  readonly from: string;
  /** A JSON value, or a `Uint8Array` when bytes were sent. */
  readonly data: unknown;
}

/** The raw SWIM notification, as the core emits it (foca's set). */
export type RawNotification = Notification<BrowserIdentity>;

/**
 * Every event of a room. Late subscribers get a replay, so they never miss earlier state:
 * `status` is called at once with the current status, `join` once per current member (ourselves
 * excepted), and `notification` with the membership notifications so far (the last 500; packet
 * notifications are not kept). The others start from the moment of subscription.
 */
export interface RoomEvents<M extends Metadata = Metadata> {
  /** Another member came up (joined, or came back after being Down). */
  join: (member: RoomMember<M>) => void;
  /** Another member left or was declared Down (`state: 'down'`). */
  leave: (member: RoomMember<M>) => void;
  /** A member's metadata, state (alive/suspect) or generation changed; ours too (`self: true`). */
  update: (member: RoomMember<M>) => void;
  status: (status: RoomStatus) => void;
  /** Every SWIM notification: member-up/down, rename, active, idle, defunct, rejoin, probe-failed, data-*. */
  notification: (notification: RawNotification) => void;
  message: (message: RoomMessage) => void;
  packet: (packet: PacketEvent) => void;
  /** Something went wrong that the app may want to show (e.g. the server refused us). */
  error: (error: Error) => void;
}

export type RoomEventName = keyof RoomEvents;
