import type { BroadcastHandler, Invalidates } from './broadcast';
import type { Codec } from './codec';
import { type Config, validateConfig } from './config';
import {
  BroadcastError,
  type HandleResult,
  InvalidConfigError,
  NotConnectedError,
  NotUndeadError,
  type RemoteErrorKind,
  SameIdentityError,
} from './errors';
import type { Identity } from './identity';
import type { Incarnation, Member, MemberState } from './member';
import { type ApplySummary, Members } from './members';
import { Outbox } from './outbox';
import { decodePacket } from './packet';
import type { Header, Message } from './payload';
import { Probe } from './probe';
import type { Rng } from './rng';
import type { Runtime, Timer } from './runtime';
import { CHECK_ROUNDS, HEARD_SUSPICION_FACTOR, SuspicionChecks } from './suspicion-checks';

/** Our own standing in the cluster, as foca's connection state. */
export type ConnectionState = 'disconnected' | 'connected' | 'undead';

/** What a `Swim` instance is built from: options apart from injected collaborators. */
export interface SwimInit<T extends Identity, K extends Invalidates> {
  readonly identity: T;
  readonly config: Config;
  readonly rng: Rng;
  readonly codec: Codec<T>;
  readonly broadcastHandler?: BroadcastHandler<T, K>;
  /**
   * Whether to emit `data-sent` / `data-received` for every packet (foca's "unstable
   * notifications"). Default true; turn off in large simulations to save the allocations.
   */
  readonly dataNotifications?: boolean;
}

const OK: HandleResult = { ok: true };
/**
 * Shoal sends what nothing else would repair this many times more than `maxTransmissions`: news of
 * an identity (a join, a rename), a Down, and custom broadcasts. A member no holder picks misses an item with
 * probability e^-maxTransmissions; a missed suspicion is made up for by timers and checks, a missed
 * join or leave is not (until a probe comes round, N periods later), nor a custom broadcast until the
 * next Feed (see PROTOCOL.md, "Custom broadcast repair").
 */
const UNREPAIRED_TX_FACTOR = 2;
const MAX_INCARNATION = 0xffff;

function fail(kind: RemoteErrorKind, message: string): HandleResult {
  return { ok: false, error: { kind, message } };
}

/** Most members a `leaveCluster` goodbye is sent to directly (foca: `numIndirectProbes`). */
export const LEAVE_FANOUT = 32;

/**
 * The SWIM core: a sans-IO port of foca 1.0. It never sends, reads a clock or sets a timer; every
 * output goes to the `Runtime` passed to each call. All state transitions live in this file; the
 * tables it keeps are in members.ts, probe.ts, suspicion-checks.ts, and what goes into a packet is
 * in outbox.ts.
 *
 * Where Shoal departs from foca 1.0 (each has a test):
 * - Members are found by addr in a `Map`; the probe list holds active members only (O(1) removal).
 * - Every member that learns of a suspicion times it out itself (foca: only the prober), waiting
 *   `HEARD_SUSPICION_FACTOR` times longer than the prober, so a lost Down costs a bounded delay.
 * - Before declaring a suspect Down, a member checks it: `CHECK_ROUNDS` rounds of a Ping (carrying
 *   the suspicion, so it can refute) plus PingReqs; an Ack or ForwardedAck saves it.
 * - TurnUndead goes only to a member this instance just declared Down (foca also sends it to a
 *   member that refuted in time).
 * - Probing a suspect attaches its suspicion to the Ping (Lifeguard's buddy system).
 * - The indirect stage of a probe also pings the member directly once more (as memberlist).
 * - A failed probe is checked once more (Ping and PingReqs, one period) before the member is
 *   suspected; if it answers, nobody ever hears of it. A published suspicion is sent to the suspect
 *   at once. The checks come out of `suspectToDownAfterMs`: the prober declares Down about that
 *   long after its probe failed.
 * - The Feed is paged: `next` ≠ 0 means more; a joiner walks the pages with `feed-request` and
 *   doesn't re-disseminate what they list.
 * - News of an identity (join, rename), Downs and custom broadcasts are sent 2 × `maxTransmissions`
 *   times: nothing quick repairs a member that missed them.
 * - The newest custom broadcast per key is retained after its transmissions (at most
 *   `RETAINED_BROADCASTS`, oldest added evicted first), and every Feed carries as many retained items
 *   as fit after its members, from a rotating offset (page 0 keeps up to a quarter of the packet for
 *   them): a member that missed one gets it with the next Feed (periodic announce or join) it
 *   receives. foca never repairs a missed broadcast.
 * - Packets are dropped while Undead (`not-for-us`); `reuseDownIdentity` stops spreading our Down.
 * - `leaveCluster` sends our Down straight to up to `LEAVE_FANOUT` members (foca: a few), so a
 *   browser mesh hears a goodbye in one hop.
 * - A packet for an older identity of ours is answered with a Gossip from the current one.
 * - The first periodic announce (to members, to Down members) comes at a random point of its period.
 * - Indirect messages naming our addr (not only our exact identity) are `indirect-for-ourselves`,
 *   and are refused before any state changes.
 */
export class Swim<T extends Identity, K extends Invalidates = Invalidates> {
  private _identity: T;
  private _incarnation: Incarnation = 0;
  private _config: Config;
  private state: ConnectionState = 'disconnected';
  private token = 0;
  private readonly rng: Rng;
  private readonly codec: Codec<T>;
  private readonly handler: BroadcastHandler<T, K> | undefined;
  private readonly dataNotifications: boolean;
  private readonly out: Outbox<T, K>;
  private readonly table = new Members<T>();
  private readonly probe = new Probe<T>();
  private readonly checks = new SuspicionChecks();
  private readonly choice: T[] = [];
  /** Addr of the member whose Feed pages we are walking, so a page of known members doesn't end the walk. */
  private feedChase: string | undefined;
  /** Whether that walk is a join: what a joiner learns from Feeds, the cluster knows already. */
  private feedChaseIsJoin = false;

  /** Throws `InvalidConfigError` for a config that can't work. */
  constructor(init: SwimInit<T, K>) {
    validateConfig(init.config);
    this._identity = init.identity;
    this._config = init.config;
    this.rng = init.rng;
    this.codec = init.codec;
    this.handler = init.broadcastHandler;
    this.dataNotifications = init.dataNotifications ?? true;
    this.out = new Outbox(
      init.codec,
      init.config.maxPacketSize,
      init.broadcastHandler,
      this.dataNotifications,
    );
  }

  /** Our current identity. */
  get identity(): T {
    return this._identity;
  }

  /** Our incarnation: raised to refute a suspicion, reset to 0 by a new identity. */
  get incarnation(): Incarnation {
    return this._incarnation;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get config(): Config {
    return this._config;
  }

  /** The current timer token (u8, wraps): timers carrying another one are ignored. */
  get timerToken(): number {
    return this.token;
  }

  /** The current probe number (u8, wraps). */
  get probeNumber(): number {
    return this.probe.probeNumber;
  }

  /** The member being probed in the current cycle, if any. */
  get probedMember(): T | undefined {
    return this.probe.probed;
  }

  /**
   * Active (Alive or Suspect) members, ourselves excluded. The objects are the core's own records,
   * valid until the next call into the core: copy what you keep.
   */
  members(): IterableIterator<Member<T>> {
    return this.table.iterActive();
  }

  /** Every member we hold, Down ones included, ourselves excluded. Same caveat as `members()`. */
  membershipState(): IterableIterator<Member<T>> {
    return this.table.iterAll();
  }

  /** What we know of the member with `addr` (a live record, see `members()`), if anything. */
  member(addr: string): Member<T> | undefined {
    return this.table.get(addr);
  }

  /** Number of active members, ourselves excluded. */
  get numMembers(): number {
    return this.table.numActive;
  }

  /** Membership updates waiting to be disseminated. */
  get updatesBacklog(): number {
    return this.out.updates.size;
  }

  /** Custom broadcasts waiting to be disseminated. */
  get customBroadcastBacklog(): number {
    return this.out.customs.size;
  }

  /**
   * Sends an Announce to `dst`, asking to join its cluster (it answers with a Feed). Doesn't affect
   * state. Throws `EncodeError` if our header can't be encoded.
   */
  announce(dst: T, runtime: Runtime<T>): void {
    this.send(dst, { type: 'announce' }, runtime);
  }

  /**
   * Handles one packet from the network. Never throws on bad input: returns the error kind, and
   * (except for `custom-broadcast`) nothing changed.
   */
  handleData(bytes: Uint8Array, runtime: Runtime<T>): HandleResult {
    if (bytes.length > this._config.maxPacketSize) {
      return fail('data-too-big', `${bytes.length} bytes > maxPacketSize ${this._config.maxPacketSize}`);
    }
    const decoded = decodePacket(this.codec, bytes);
    if (!decoded.ok) return fail(decoded.kind, decoded.message);
    const { header, members, broadcasts } = decoded.packet;
    const src = header.src;
    const msg = header.message;
    if (src.addr === this._identity.addr) {
      return fail('data-from-ourselves', `src ${src.toString()} has our addr`);
    }
    if (this.state === 'undead') return fail('not-for-us', 'we are undead: packets are dropped');
    const wasDisconnected = this.state === 'disconnected';
    if (!this.acceptsPayload(header)) {
      // Shoal: someone still talks to an older life of ours. Tell it who we are now, or after a mass
      // rejoin (a healed partition) members can keep addressing each other's old identities, each
      // side dropping the other's packets, until a periodic announce to the Down breaks the tie.
      if (header.dst.addr === this._identity.addr && !src.equals(this._identity)) {
        this.send(src, { type: 'gossip' }, runtime);
      }
      return fail('not-for-us', `dst ${header.dst.toString()} is not us (${this._identity.toString()})`);
    }
    const ours = this._identity.addr;
    if (
      ((msg.type === 'ping-req' || msg.type === 'indirect-ack') && msg.target.addr === ours) ||
      ((msg.type === 'indirect-ping' || msg.type === 'forwarded-ack') && msg.origin.addr === ours)
    ) {
      return fail('indirect-for-ourselves', `${msg.type} names us`);
    }

    if (this.dataNotifications) runtime.notify({ type: 'data-received', header });

    const senderIsActive = this.applyUpdate(src, header.srcIncarnation, 'alive', true, runtime);
    if (!senderIsActive) {
      // The sender is Down to us (or an old identity): its data can't be trusted. A TurnUndead from it
      // still counts, or two members that think each other Down would bounce TurnUndeads forever.
      if (msg.type === 'turn-undead') this.handleSelfUpdate(0, 'down', runtime);
      if (this._config.notifyDownMembers) this.send(src, { type: 'turn-undead' }, runtime);
      return OK;
    }

    // Shoal: a joiner doesn't pass on the members its Feeds list (the cluster knows them: at N=1,000
    // that would be 1,000 updates × maxTransmissions). A connected member does, as foca: that is how
    // a periodic announce across a healed partition teaches one side about the other.
    const joining =
      msg.type === 'feed' && (wasDisconnected || (this.feedChase === src.addr && this.feedChaseIsJoin));
    const knownBefore = this.table.insertedActive;
    this.applyManyInner(members, !joining, runtime);
    const learnedNew = this.table.insertedActive !== knownBefore;

    const result = broadcasts.length > 0 ? this.receiveBroadcasts(broadcasts, src) : OK;

    if (this.state !== 'connected') return result;

    switch (msg.type) {
      case 'ping':
        this.send(src, { type: 'ack', probeNumber: msg.probeNumber }, runtime);
        break;
      case 'ack':
        this.probe.receiveAck(src, msg.probeNumber);
        if (this.checks.size > 0) this.checks.answered(src.addr, msg.probeNumber);
        break;
      case 'ping-req':
        this.send(msg.target, { type: 'indirect-ping', origin: src, probeNumber: msg.probeNumber }, runtime);
        break;
      case 'indirect-ping':
        this.send(src, { type: 'indirect-ack', target: msg.origin, probeNumber: msg.probeNumber }, runtime);
        break;
      case 'indirect-ack':
        this.send(msg.target, { type: 'forwarded-ack', origin: src, probeNumber: msg.probeNumber }, runtime);
        break;
      case 'forwarded-ack':
        this.probe.receiveIndirectAck(src, msg.probeNumber);
        if (this.checks.size > 0) this.checks.answered(msg.origin.addr, msg.probeNumber);
        break;
      case 'announce':
        this.sendFeed(src, 0, runtime);
        break;
      case 'feed': {
        // Start walking the pages only if the first one taught us something: a joiner walks the whole
        // membership, a periodic announce into a cluster we already know costs one Feed.
        const chasing = this.feedChase === src.addr;
        if (msg.next !== 0 && (learnedNew || chasing)) {
          if (!chasing) this.feedChaseIsJoin = wasDisconnected;
          this.feedChase = src.addr;
          this.send(src, { type: 'feed-request', cursor: msg.next }, runtime);
        } else if (chasing) {
          this.feedChase = undefined;
        }
        break;
      }
      case 'feed-request':
        this.sendFeed(src, Math.max(1, msg.cursor), runtime);
        break;
      case 'turn-undead':
        this.handleSelfUpdate(0, 'down', runtime);
        break;
      case 'gossip':
      case 'broadcast':
        break;
    }
    return result;
  }

  /**
   * Handles a timer the host was asked to submit. Timers with a stale token are ignored. Throws
   * `NotConnectedError` for a current probe timer while we are not connected (a host bug: going idle
   * changes the token).
   */
  handleTimer(timer: Timer<T>, runtime: Runtime<T>): void {
    switch (timer.type) {
      case 'probe-random-member':
        if (timer.token !== this.token) return;
        if (this.state !== 'connected') {
          throw new NotConnectedError('probe timer delivered while not connected');
        }
        this.probeRandomMember(runtime);
        return;
      case 'send-indirect-probe':
        if (timer.token !== this.token) return;
        this.sendIndirectProbe(timer.probedId, runtime);
        return;
      case 'change-suspect-to-down':
        if (timer.token !== this.token) return;
        this.changeSuspectToDown(timer.memberId, timer.incarnation, timer.check, runtime);
        return;
      case 'remove-down':
        this.table.removeIfDown(timer.id);
        return;
      case 'periodic-announce': {
        const params = this._config.periodicAnnounce;
        if (timer.token !== this.token || this.state !== 'connected' || params === undefined) return;
        runtime.submitAfter({ type: 'periodic-announce', token: this.token }, params.frequencyMs);
        this.chooseAndSend(params.numMembers, { type: 'announce' }, runtime);
        return;
      }
      case 'periodic-gossip': {
        const params = this._config.periodicGossip;
        if (timer.token !== this.token || this.state !== 'connected' || params === undefined) return;
        runtime.submitAfter({ type: 'periodic-gossip', token: this.token }, params.frequencyMs);
        if (this.out.updates.size > 0 || this.out.customs.size > 0) {
          this.chooseAndSend(params.numMembers, { type: 'gossip' }, runtime);
        }
        return;
      }
      case 'periodic-announce-down': {
        const params = this._config.periodicAnnounceToDownMembers;
        if (timer.token !== this.token || this.state !== 'connected' || params === undefined) return;
        runtime.submitAfter({ type: 'periodic-announce-down', token: this.token }, params.frequencyMs);
        this.table.chooseDown(params.numMembers, this.choice, this.rng);
        const chosen = this.choice.splice(0);
        for (const id of chosen) this.send(id, { type: 'announce' }, runtime);
        return;
      }
    }
  }

  /**
   * Sends a Gossip (the update backlog and custom broadcasts) to `numIndirectProbes` random active
   * members, as foca. Sends nothing when no member is active.
   */
  gossip(runtime: Runtime<T>): void {
    this.chooseAndSend(this._config.numIndirectProbes, { type: 'gossip' }, runtime);
  }

  /**
   * Sends pending custom broadcasts to up to `numIndirectProbes` random active members the handler
   * accepts (`shouldAddBroadcastData`), stopping once the backlog is empty.
   */
  broadcast(runtime: Runtime<T>): void {
    if (this.out.customs.size === 0) return;
    const handler = this.handler;
    const pick =
      handler?.shouldAddBroadcastData !== undefined
        ? (id: T) => handler.shouldAddBroadcastData!(id)
        : undefined;
    this.table.chooseActive(this._config.numIndirectProbes, this.choice, this.rng, pick);
    const chosen = this.choice.splice(0);
    for (const id of chosen) {
      this.send(id, { type: 'broadcast' }, runtime);
      if (this.out.customs.size === 0) break;
    }
  }

  /**
   * Declares ourselves Down (gossiped directly to up to `LEAVE_FANOUT` active members, and queued) and
   * becomes Undead: packets are dropped until `reuseDownIdentity` or `changeIdentity`. Notifies
   * `defunct`.
   */
  leaveCluster(runtime: Runtime<T>): void {
    const down: Member<T> = { id: this._identity, incarnation: 0, state: 'down' };
    const size = this.measure(down);
    // A goodbye is sent once and never refuted: tell up to LEAVE_FANOUT members directly, rather than
    // foca's few, so a small room (a browser mesh) learns of it in one hop instead of a gossip round.
    const fanout = Math.min(LEAVE_FANOUT, Math.max(this._config.numIndirectProbes, this.table.numActive));
    this.out.updates.add(down, size, Math.min(255, Math.max(this._config.maxTransmissions, fanout)));
    this.chooseAndSend(fanout, { type: 'gossip' }, runtime);
    this.becomeUndead(runtime);
  }

  /**
   * Applies members learned out of band (e.g. from a previous session); with `doBroadcast` they are
   * also queued for dissemination. Updates about us are handled as if received (refute, rejoin);
   * about an older identity of ours, they declare it Down. Throws `EncodeError` (and applies
   * nothing) if one of them can't be encoded.
   */
  applyMany(members: Iterable<Member<T>>, doBroadcast: boolean, runtime: Runtime<T>): void {
    const list = Array.from(members);
    for (const m of list) this.measure(m);
    this.applyManyInner(list, doBroadcast, runtime);
  }

  /**
   * Replaces our identity: incarnation back to 0, probe cycle and timers reset, state Disconnected
   * until the next member is heard from. Unless we were Undead, our previous identity is queued as
   * Down. Gossips right away. Throws `SameIdentityError` for the identity we already have and
   * `EncodeError` for one the codec cannot write (nothing changed then).
   */
  changeIdentity(identity: T, runtime: Runtime<T>): void {
    if (identity.equals(this._identity)) {
      throw new SameIdentityError(`already ${identity.toString()}`);
    }
    const previousIsDown = this.state === 'undead';
    const down: Member<T> = { id: this._identity, incarnation: 0, state: 'down' };
    const size = previousIsDown ? 0 : this.measure(down);
    // Encode before mutating: an identity the codec can't write must leave us as we were.
    this.measure({ id: identity, incarnation: 0, state: 'alive' });
    this._identity = identity;
    this.reset();
    if (!previousIsDown) this.out.updates.add(down, size, this._config.maxTransmissions);
    this.gossip(runtime);
  }

  /**
   * Leaves Undead keeping our identity: Disconnected, incarnation 0, and our own Down (queued by
   * `leaveCluster`) no longer disseminated. Throws `NotUndeadError` otherwise.
   */
  reuseDownIdentity(): void {
    if (this.state !== 'undead') throw new NotUndeadError(`connection state is ${this.state}`);
    this.out.updates.remove(this._identity.addr);
    this.reset();
  }

  /**
   * Hands `bytes` to the broadcast handler (sender undefined) and, if it returns a key, queues it for
   * dissemination; returns whether it did. Throws `BroadcastError` for empty or too-big data, with no
   * handler, or when the handler throws; nothing changed then.
   */
  addBroadcast(bytes: Uint8Array): boolean {
    if (bytes.length === 0) throw new BroadcastError('a custom broadcast cannot be empty');
    const room = this.out.broadcastRoom(this);
    if (bytes.length > room) {
      throw new BroadcastError(
        `${bytes.length} bytes: at most ${room} fit a packet of maxPacketSize ${this._config.maxPacketSize}`,
      );
    }
    if (this.handler === undefined) throw new BroadcastError('no broadcast handler');
    let key: K | undefined;
    try {
      key = this.handler.receiveItem(bytes, undefined);
    } catch (e) {
      throw new BroadcastError(`handler refused the item: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (key === undefined) return false;
    this.out.customs.addOrReplace(key, bytes.slice(), this.unrepairedTransmissions);
    return true;
  }

  /**
   * Replaces the config. Throws `InvalidConfigError` (nothing changed) for one that can't work, for a
   * new probe period or round-trip time, or for switching on a periodic task that was off (its timer
   * was never started). A smaller `maxPacketSize` drops queued custom broadcasts that no longer fit.
   */
  setConfig(config: Config): void {
    validateConfig(config);
    const old = this._config;
    if (old.probePeriodMs !== config.probePeriodMs) {
      throw new InvalidConfigError('probePeriodMs cannot change at run time');
    }
    if (old.probeRttMs !== config.probeRttMs)
      throw new InvalidConfigError('probeRttMs cannot change at run time');
    for (const name of ['periodicAnnounce', 'periodicAnnounceToDownMembers', 'periodicGossip'] as const) {
      if (old[name] === undefined && config[name] !== undefined) {
        throw new InvalidConfigError(`${name} cannot be switched on at run time`);
      }
    }
    this.out.maxPacketSize = config.maxPacketSize;
    this._config = config;
    // Custom broadcasts too big for the new packets would sit in the backlog forever.
    if (config.maxPacketSize < old.maxPacketSize)
      this.out.customs.dropLongerThan(this.out.broadcastRoom(this));
  }

  // ---- state transitions -------------------------------------------------------------------------

  private acceptsPayload(header: Header<T>): boolean {
    // An Announce may name an older identity of ours: a joiner only knows the addr it was given.
    return (
      header.dst.equals(this._identity) ||
      (header.message.type === 'announce' && header.dst.addr === this._identity.addr)
    );
  }

  private applyManyInner(members: readonly Member<T>[], doBroadcast: boolean, runtime: Runtime<T>): void {
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      if (m.id.equals(this._identity)) {
        this.handleSelfUpdate(m.incarnation, m.state, runtime);
      } else if (m.id.addr === this._identity.addr) {
        // An older life of ours: it must not come back.
        this.applyUpdate(m.id, 0, 'down', doBroadcast, runtime);
      } else {
        this.applyUpdate(m.id, m.incarnation, m.state, doBroadcast, runtime);
      }
    }
    this.adjustConnectionState(runtime);
  }

  private get unrepairedTransmissions(): number {
    return Math.min(255, this._config.maxTransmissions * UNREPAIRED_TX_FACTOR);
  }

  /**
   * How long the prober waits between publishing a suspicion and checking the suspect again: the
   * rounds of its checks (0 before publishing, then `CHECK_ROUNDS`) come out of
   * `suspectToDownAfterMs`, so it declares Down about that long after its probe failed (at least one
   * probe period of waiting, for short timeouts).
   */
  private get suspicionWaitMs(): number {
    const c = this._config;
    return Math.max(c.probePeriodMs, c.suspectToDownAfterMs - (CHECK_ROUNDS + 1) * c.probePeriodMs);
  }

  /** The same for a member that only heard of the suspicion: a backstop for a lost Down. */
  private get heardSuspicionWaitMs(): number {
    const c = this._config;
    return Math.max(
      c.probePeriodMs,
      c.suspectToDownAfterMs * HEARD_SUSPICION_FACTOR - CHECK_ROUNDS * c.probePeriodMs,
    );
  }

  /** Returns whether the update's member is active now (false if it lost an addr conflict). */
  private applyUpdate(
    id: T,
    incarnation: Incarnation,
    state: MemberState,
    doBroadcast: boolean,
    runtime: Runtime<T>,
  ): boolean {
    const s = this.table.apply(id, incarnation, state, this.rng);
    const active = s.conflict === 'lost' || s.conflict === 'failed-condition' ? false : s.isActiveNow;
    this.handleApplySummary(s, id, incarnation, state, doBroadcast, runtime, this.heardSuspicionWaitMs);
    return active;
  }

  private handleApplySummary(
    s: ApplySummary<T>,
    id: T,
    incarnation: Incarnation,
    state: MemberState,
    doBroadcast: boolean,
    runtime: Runtime<T>,
    suspicionTimeoutMs: number | undefined,
  ): void {
    const { applySuccessful, isActiveNow, changedActiveSet, conflict, replaced, inserted } = s;
    if (applySuccessful) {
      // Even an Alive member's higher incarnation is passed on, as foca: a refutation has to outrun
      // its suspicion everywhere (sparing it left suspicions lingering under loss).
      if (doBroadcast) {
        const update: Member<T> = { id, incarnation, state };
        // A member that misses a join never probes the newcomer, and one that misses a leave (no
        // suspicion came before it) only finds out when its own probe comes round: up to N periods.
        const introduces = isActiveNow && (inserted || conflict === 'replaced');
        const tx = introduces || !isActiveNow ? this.unrepairedTransmissions : this._config.maxTransmissions;
        this.out.updates.add(update, this.out.measure(update), tx);
      }
      if (!isActiveNow) {
        runtime.submitAfter({ type: 'remove-down', id }, this._config.removeDownAfterMs);
      } else if (state === 'suspect' && suspicionTimeoutMs !== undefined) {
        // Shoal: whoever learns of a suspicion times it out, not only the prober.
        runtime.submitAfter(
          { type: 'change-suspect-to-down', memberId: id, incarnation, token: this.token },
          suspicionTimeoutMs,
        );
      }
    }
    if (conflict === 'replaced' && replaced !== undefined) {
      runtime.notify({ type: 'rename', old: replaced, new: id });
    }
    if (changedActiveSet) {
      runtime.notify(isActiveNow ? { type: 'member-up', id } : { type: 'member-down', id });
    }
  }

  private handleSelfUpdate(incarnation: Incarnation, state: MemberState, runtime: Runtime<T>): void {
    if (state === 'alive') return;
    if (state === 'down') {
      if (!this.attemptRejoin(runtime)) this.becomeUndead(runtime);
      return;
    }
    // Suspected: refute with a higher incarnation, carried by the header of everything we send.
    const increase = this._incarnation <= incarnation;
    const highest = Math.max(incarnation, this._incarnation);
    if (highest >= MAX_INCARNATION) {
      if (!this.attemptRejoin(runtime)) this.becomeUndead(runtime);
      return;
    }
    if (increase) this._incarnation = highest + 1;
    this.gossip(runtime);
  }

  private attemptRejoin(runtime: Runtime<T>): boolean {
    const renewed = this._identity.renew();
    if (renewed === undefined || renewed.equals(this._identity)) return false;
    if (!renewed.winsAddrConflict(this._identity)) return false;
    this.changeIdentity(renewed, runtime);
    runtime.notify({ type: 'rejoin', id: renewed });
    return true;
  }

  private adjustConnectionState(runtime: Runtime<T>): void {
    if (this.state === 'disconnected') {
      if (this.table.numActive > 0) this.becomeConnected(runtime);
    } else if (this.state === 'connected') {
      if (this.table.numActive === 0) this.becomeDisconnected(runtime);
    }
  }

  private becomeConnected(runtime: Runtime<T>): void {
    this.state = 'connected';
    const c = this._config;
    runtime.submitAfter({ type: 'probe-random-member', token: this.token }, c.probePeriodMs);
    // Shoal: the first announces come at a random point of their period. Members that joined
    // together would otherwise announce in step, and a healed partition would wait for that one
    // shared phase (up to a whole period) instead of the earliest of N random ones.
    if (c.periodicAnnounce !== undefined) {
      runtime.submitAfter(
        { type: 'periodic-announce', token: this.token },
        this.randomPhase(c.periodicAnnounce.frequencyMs),
      );
    }
    if (c.periodicAnnounceToDownMembers !== undefined) {
      runtime.submitAfter(
        { type: 'periodic-announce-down', token: this.token },
        this.randomPhase(c.periodicAnnounceToDownMembers.frequencyMs),
      );
    }
    if (c.periodicGossip !== undefined) {
      runtime.submitAfter({ type: 'periodic-gossip', token: this.token }, c.periodicGossip.frequencyMs);
    }
    runtime.notify({ type: 'active' });
  }

  /** A delay in (0, periodMs]. */
  private randomPhase(periodMs: number): number {
    return periodMs * (1 - this.rng.next());
  }

  private becomeDisconnected(runtime: Runtime<T>): void {
    this.state = 'disconnected';
    this.bumpToken();
    this.probe.clear();
    runtime.notify({ type: 'idle' });
  }

  private becomeUndead(runtime: Runtime<T>): void {
    this.state = 'undead';
    this.probe.clear();
    this.bumpToken();
    runtime.notify({ type: 'defunct' });
  }

  private reset(): void {
    this.state = 'disconnected';
    this._incarnation = 0;
    this.bumpToken();
    this.probe.clear();
  }

  private bumpToken(): void {
    this.token = (this.token + 1) & 0xff;
    // Their timers are stale now.
    this.checks.clear();
  }

  private probeRandomMember(runtime: Runtime<T>): void {
    // A cycle whose indirect stage never ran (the host lost that timer) is dropped, not judged.
    if (!this.probe.validate()) this.probe.clear();
    const failed = this.probe.takeFailed();
    if (failed !== undefined) {
      runtime.notify({ type: 'probe-failed', probeNumber: this.probe.probeNumber, id: failed.id });
      const rec = this.table.get(failed.id.addr);
      if (
        rec?.id.equals(failed.id) === true &&
        rec.state === 'alive' &&
        rec.incarnation === failed.incarnation
      ) {
        // Shoal: before suspecting, one more check (round 0: a Ping and PingReqs, one period). On a
        // lossy network most failed probes end there, and each suspicion costs every member
        // maxTransmissions sends of it and of its refutation.
        this.runCheckRound(failed.id, failed.incarnation, 0, runtime);
      } else {
        this.suspect(failed.id, failed.incarnation, runtime);
      }
    }
    const next = this.table.next(this.rng);
    if (next !== undefined) {
      const id = next.id;
      const probeNumber = this.probe.start(id, next.incarnation);
      // Lifeguard's buddy system: a suspect we probe learns it is suspected and can refute at once.
      const extra: Member<T> | undefined =
        next.state === 'suspect' ? { id, incarnation: next.incarnation, state: 'suspect' } : undefined;
      this.send(id, { type: 'ping', probeNumber }, runtime, extra);
      runtime.submitAfter(
        { type: 'send-indirect-probe', probedId: id, token: this.token },
        this._config.probeRttMs,
      );
    }
    runtime.submitAfter({ type: 'probe-random-member', token: this.token }, this._config.probePeriodMs);
  }

  private sendIndirectProbe(probedId: T, runtime: Runtime<T>): void {
    this.probe.markIndirectStageReached();
    if (!this.probe.isProbing(probedId) || this.probe.succeeded()) return;
    if (!this.table.isActive(probedId)) return;
    this.table.chooseActive(
      this._config.numIndirectProbes,
      this.choice,
      this.rng,
      (id) => !id.equals(probedId),
    );
    const chosen = this.choice.splice(0);
    const probeNumber = this.probe.probeNumber;
    for (const via of chosen) {
      this.probe.expectIndirectAck(via);
      this.send(via, { type: 'ping-req', target: probedId, probeNumber }, runtime);
    }
    // Shoal, as memberlist: try the direct path once more beside the indirect ones. On a lossy link
    // this halves the probes that fail for a member that is fine, and each failure costs a
    // suspicion and a refutation sent maxTransmissions times by every member.
    const rec = this.table.get(probedId.addr)!;
    const extra: Member<T> | undefined =
      rec.state === 'suspect' ? { id: probedId, incarnation: rec.incarnation, state: 'suspect' } : undefined;
    this.send(probedId, { type: 'ping', probeNumber }, runtime, extra);
  }

  /**
   * A suspicion timed out (`check` undefined) or a round of our own check of the suspect ended. The
   * suspect is declared Down only after `CHECK_ROUNDS` rounds without a sign of life.
   */
  private changeSuspectToDown(
    memberId: T,
    incarnation: Incarnation,
    check: number | undefined,
    runtime: Runtime<T>,
  ): void {
    const addr = memberId.addr;
    const rec = this.table.get(addr);
    const running = this.checks.get(addr, incarnation);
    if (check === 0) {
      if (running === undefined || running.round !== 0) return;
      this.checks.end(addr);
      const unchanged =
        rec?.id.equals(memberId) === true && rec.state === 'alive' && rec.incarnation === incarnation;
      // Silent through a second probe too: now we suspect it. If it answered, the failed probe was
      // bad luck and nobody ever hears of it.
      if (unchanged && !running.answered) {
        this.suspect(memberId, incarnation, runtime);
        // And tell the suspect at once (its Ack would carry the refutation): the sooner it refutes,
        // the shorter the suspicion's life and the fewer members that time it out.
        const suspicion: Member<T> = { id: memberId, incarnation, state: 'suspect' };
        this.send(memberId, { type: 'ping', probeNumber: this.probe.probeNumber }, runtime, suspicion);
      }
      return;
    }
    if (
      rec === undefined ||
      !rec.id.equals(memberId) ||
      rec.state !== 'suspect' ||
      rec.incarnation !== incarnation
    ) {
      // Refuted, renamed, or already Down.
      if (running !== undefined) this.checks.end(addr);
      return;
    }
    if (check === undefined) {
      if (running === undefined) this.runCheckRound(memberId, incarnation, 1, runtime);
      return;
    }
    if (running === undefined || running.round !== check) return;
    if (running.answered) {
      // Alive, though its refutation hasn't reached us: watch it for another timeout.
      this.checks.end(addr);
      runtime.submitAfter(
        { type: 'change-suspect-to-down', memberId, incarnation, token: this.token },
        this.suspicionWaitMs,
      );
      return;
    }
    if (check < CHECK_ROUNDS) {
      this.runCheckRound(memberId, incarnation, check + 1, runtime);
      return;
    }
    this.checks.end(addr);
    const s = this.table.applyExistingIf(memberId, incarnation, 'down', undefined, this.rng);
    if (s === undefined || !s.applySuccessful) return;
    this.handleApplySummary(s, memberId, incarnation, 'down', true, runtime, 0);
    this.adjustConnectionState(runtime);
    // Shoal: only a member this timer declared Down gets a TurnUndead. Foca also sends it to a
    // member that refuted in time, turning lost packets into forced rejoins.
    if (this._config.notifyDownMembers) this.send(memberId, { type: 'turn-undead' }, runtime);
  }

  /**
   * Our probe (and its check) failed: `id` becomes Suspect at `incarnation`, the cluster hears of it
   * and the timeout runs. If it already was Suspect (its timer may have gone with an old token), the
   * timeout runs again.
   */
  private suspect(id: T, incarnation: Incarnation, runtime: Runtime<T>): void {
    const s = this.table.applyExistingIf(id, incarnation, 'suspect', undefined, this.rng);
    if (s === undefined) return;
    const { isActiveNow, applySuccessful } = s;
    this.handleApplySummary(s, id, incarnation, 'suspect', true, runtime, this.suspicionWaitMs);
    if (isActiveNow && !applySuccessful) {
      runtime.submitAfter(
        { type: 'change-suspect-to-down', memberId: id, incarnation, token: this.token },
        this.suspicionWaitMs,
      );
    }
  }

  /**
   * Pings the member directly and through a few others. From round 1 on the Ping carries the
   * suspicion, so the suspect can refute; round 0 comes before any suspicion.
   */
  private runCheckRound(id: T, incarnation: Incarnation, round: number, runtime: Runtime<T>): void {
    const probeNumber = this.checks.beginRound(id.addr, incarnation, round);
    const extra: Member<T> | undefined = round > 0 ? { id, incarnation, state: 'suspect' } : undefined;
    this.send(id, { type: 'ping', probeNumber }, runtime, extra);
    this.table.chooseActive(this._config.numIndirectProbes, this.choice, this.rng, (c) => !c.equals(id));
    const relays = this.choice.splice(0);
    for (const via of relays) this.send(via, { type: 'ping-req', target: id, probeNumber }, runtime);
    runtime.submitAfter(
      { type: 'change-suspect-to-down', memberId: id, incarnation, token: this.token, check: round },
      this._config.probePeriodMs,
    );
  }

  private receiveBroadcasts(items: readonly Uint8Array[], sender: T): HandleResult {
    const handler = this.handler;
    if (handler === undefined) return fail('custom-broadcast', 'custom broadcasts received with no handler');
    for (const item of items) {
      let key: K | undefined;
      try {
        key = handler.receiveItem(item, sender);
      } catch (e) {
        return fail('custom-broadcast', e instanceof Error ? e.message : String(e));
      }
      // An item too big for our packets (a peer with a larger maxPacketSize) is kept by the handler
      // but not passed on: it would sit in the backlog forever.
      if (key !== undefined && item.length <= this.out.broadcastRoom(this)) {
        this.out.customs.addOrReplace(key, item, this.unrepairedTransmissions);
      }
    }
    return OK;
  }

  // ---- sending -----------------------------------------------------------------------------------

  private measure(member: Member<T>): number {
    return this.out.measure(member);
  }

  private chooseAndSend(numMembers: number, message: Message<T>, runtime: Runtime<T>): void {
    this.table.chooseActive(numMembers, this.choice, this.rng, undefined);
    if (this.choice.length === 0) return;
    const chosen = this.choice.splice(0);
    for (const id of chosen) this.send(id, message, runtime);
  }

  private send(dst: T, message: Message<T>, runtime: Runtime<T>, extra?: Member<T>): void {
    this.out.send(this, dst, message, runtime, extra);
  }

  private sendFeed(dst: T, cursor: number, runtime: Runtime<T>): void {
    this.out.sendFeed(this, dst, cursor, this.table, this.rng, runtime);
  }
}
