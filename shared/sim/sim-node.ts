import type { HandleResult, Identity, Notification, Runtime, Timer, Topology } from '../swim/index';

/**
 * What the simulator's host loop drives: the part of `Swim`'s API a browser tab's runtime uses.
 * `Swim` satisfies it as is; tests of the simulator itself use small stand-ins.
 */
export interface SimNode<T extends Identity> {
  readonly identity: T;
  /** Active members, ourselves excluded. */
  readonly numMembers: number;
  /** Read by the browser runtime's pause handling. */
  readonly connectionState: string;
  readonly config: { readonly suspectToDownAfterMs: number };
  changeIdentity(identity: T, runtime: Runtime<T>): void;
  announce(dst: T, runtime: Runtime<T>): void;
  handleData(bytes: Uint8Array, runtime: Runtime<T>): HandleResult;
  handleTimer(timer: Timer<T>, runtime: Runtime<T>): void;
  leaveCluster(runtime: Runtime<T>): void;
  addBroadcast(bytes: Uint8Array): boolean;
  broadcast(runtime: Runtime<T>): void;
  /** Overlay mode on or off (only members that run with an `OverlayTopology`). */
  setTopology?(topology: Topology | undefined): void;
}

/** Receives every notification any member emits, with the member's index and the virtual time. */
export type NotificationListener<T extends Identity> = (
  member: number,
  notification: Notification<T>,
  now: number,
) => void;

/**
 * Receives every packet a member sends, before the network decides its fate: `bytes` as the core
 * wrote it, `wireBytes` what it takes on the wire (less in its link form, `SimulatorInit.linkHeader`).
 */
export type SendListener = (
  src: number,
  dst: number,
  bytes: Uint8Array,
  now: number,
  wireBytes: number,
) => void;
