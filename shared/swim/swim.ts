import type { BroadcastHandler, Invalidates } from './broadcast';
import type { Codec } from './codec';
import type { Config } from './config';
import type { HandleResult } from './errors';
import type { Identity } from './identity';
import type { Incarnation, Member } from './member';
import type { Rng } from './rng';
import type { Runtime, Timer } from './runtime';

/** Our own standing in the cluster, as foca's connection state. */
export type ConnectionState = 'disconnected' | 'connected' | 'undead';

/** What a `Swim` instance is built from: options apart from injected collaborators. */
export interface SwimInit<T extends Identity, K extends Invalidates> {
  readonly identity: T;
  readonly config: Config;
  readonly rng: Rng;
  readonly codec: Codec<T>;
  readonly broadcastHandler?: BroadcastHandler<T, K>;
}

/**
 * The SWIM core: a sans-IO port of foca 1.0. It never sends, reads a clock or sets a timer; every
 * output goes to the `Runtime` passed to each call.
 *
 * SKELETON: the public API is fixed here; the bodies are being written.
 */
export class Swim<T extends Identity, K extends Invalidates = Invalidates> {
  constructor(init: SwimInit<T, K>) {
    void init;
    throw new Error('not implemented');
  }

  /** Our current identity. */
  get identity(): T {
    throw new Error('not implemented');
  }

  get incarnation(): Incarnation {
    throw new Error('not implemented');
  }

  get connectionState(): ConnectionState {
    throw new Error('not implemented');
  }

  get config(): Config {
    throw new Error('not implemented');
  }

  /** Active (Alive or Suspect) members, ourselves excluded. */
  members(): IterableIterator<Member<T>> {
    throw new Error('not implemented');
  }

  /** Every member we hold, Down ones included, ourselves excluded. */
  membershipState(): IterableIterator<Member<T>> {
    throw new Error('not implemented');
  }

  /** Number of active members, ourselves excluded. */
  get numMembers(): number {
    throw new Error('not implemented');
  }

  get updatesBacklog(): number {
    throw new Error('not implemented');
  }

  get customBroadcastBacklog(): number {
    throw new Error('not implemented');
  }

  /** Sends an Announce to `dst`, asking to join its cluster. Doesn't affect state. */
  announce(dst: T, runtime: Runtime<T>): void {
    void dst;
    void runtime;
    throw new Error('not implemented');
  }

  /** Handles one packet from the network. Never throws on bad input. */
  handleData(bytes: Uint8Array, runtime: Runtime<T>): HandleResult {
    void bytes;
    void runtime;
    throw new Error('not implemented');
  }

  /** Handles a timer the host was asked to submit. Stale timers (old token) are ignored. */
  handleTimer(timer: Timer<T>, runtime: Runtime<T>): void {
    void timer;
    void runtime;
    throw new Error('not implemented');
  }

  /** Sends the update backlog to `periodicGossip.numMembers` (or a few) random active members. */
  gossip(runtime: Runtime<T>): void {
    void runtime;
    throw new Error('not implemented');
  }

  /** Sends pending custom broadcasts to a few random active members. */
  broadcast(runtime: Runtime<T>): void {
    void runtime;
    throw new Error('not implemented');
  }

  /** Declares ourselves Down to a few members and becomes Undead. */
  leaveCluster(runtime: Runtime<T>): void {
    void runtime;
    throw new Error('not implemented');
  }

  /** Applies members learned out of band (e.g. from a previous session); optionally disseminates them. */
  applyMany(members: Iterable<Member<T>>, doBroadcast: boolean, runtime: Runtime<T>): void {
    void members;
    void doBroadcast;
    void runtime;
    throw new Error('not implemented');
  }

  /** Replaces our identity and rejoins (throws `SameIdentityError` for the same one). */
  changeIdentity(identity: T, runtime: Runtime<T>): void {
    void identity;
    void runtime;
    throw new Error('not implemented');
  }

  /** Leaves Undead keeping our identity (throws `NotUndeadError` otherwise). */
  reuseDownIdentity(): void {
    throw new Error('not implemented');
  }

  /** Adds a custom broadcast; returns whether the handler took it. Throws `BroadcastError` if it can't fit. */
  addBroadcast(bytes: Uint8Array): boolean {
    void bytes;
    throw new Error('not implemented');
  }

  /** Replaces the config; throws `InvalidConfigError` for one that can't work or can't change now. */
  setConfig(config: Config): void {
    void config;
    throw new Error('not implemented');
  }
}
