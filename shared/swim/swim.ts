/*
 * Theory of operation
 * ===================
 *
 * `Swim` is SWIM with suspicion and infection-style dissemination, a sans-IO port of foca 1.0: it
 * never sends, reads a clock or sets a timer. A host feeds it inputs and carries out what it asks
 * through the `Runtime` passed to each call (send these bytes, hand this timer back in so many ms,
 * this happened). Two kinds of state machine live inside, both moved only by those inputs.
 *
 * Our connection state (`connectionState`; changed only in state-machine.ts):
 *
 * | from                    | to                          | when (notification)                                        |
 * |-------------------------|-----------------------------|------------------------------------------------------------|
 * | disconnected            | connected                   | a member becomes active (`active`)                         |
 * | connected               | disconnected                | no member is active any more (`idle`)                      |
 * | disconnected, connected | disconnected (new identity) | we are declared Down and `renew()` wins the addr (`rejoin`) |
 * | disconnected, connected | undead                      | we are declared Down otherwise, or `leaveCluster` (`defunct`) |
 * | any                     | disconnected                | `changeIdentity`                                           |
 * | undead                  | disconnected                | `reuseDownIdentity`                                        |
 *
 *   "Declared Down": a TurnUndead, our Down in an update, or a refutation that would pass the u16
 *   incarnation. Connected runs the probe cycle and the periodic timers; leaving it changes the
 *   timer token, so every timer out there turns stale. Undead drops every packet.
 *
 * Each member's state, Alive → Suspect → Down (members.ts `OVERRIDES` is the table of which update
 * wins; state-machine.ts `afterApply` is the table of what an applied update sets off):
 *
 *   - Anyone's update (a packet's piggybacked members, `applyMany`) moves a member by those rules;
 *     the sender of every accepted packet is Alive at its header's incarnation.
 *   - Our own probe moves Alive → Suspect: a probe cycle (probe-cycle.ts) that gets no Ack, direct
 *     or indirect, then a check round that gets none either (suspicion-checks.ts).
 *   - A suspicion timeout (everyone who learns of a suspicion runs one) then `CHECK_ROUNDS` silent
 *     check rounds move Suspect → Down. Down is final for that identity: it comes back only as a
 *     renamed identity (same addr, one that wins the addr conflict), and it is forgotten
 *     `removeDownAfterMs` later.
 *   - An update about us is answered, not applied: Suspect is refuted by raising our incarnation
 *     and gossiping it; Down makes us rejoin or go Undead.
 *
 * What each input does:
 *
 * | input               | state it may change                                  | sends                            |
 * |---------------------|------------------------------------------------------|----------------------------------|
 * | `handleData`        | the sender's and piggybacked members', ours, custom broadcasts | the message's answer (only while connected) |
 * | `handleTimer`       | probe cycle, checks, members' states, forgets Down members | probes, checks, periodic messages |
 * | `announce`          | nothing                                              | an Announce                      |
 * | `gossip`/`broadcast`| nothing but the backlogs' counters                   | a Gossip / Broadcast to a few    |
 * | `applyMany`         | members' states, ours                                | a Gossip, if refuting            |
 * | `leaveCluster`      | ours: Undead                                         | our Down to up to `LEAVE_FANOUT` |
 * | `changeIdentity`    | ours: new identity, Disconnected, old one queued Down | a Gossip                        |
 * | `reuseDownIdentity` | ours: Undead → Disconnected                          | nothing                          |
 * | `addBroadcast`      | the custom broadcast backlog                         | nothing                          |
 * | `relayBroadcast`    | the custom broadcast backlog                         | nothing                          |
 * | `setConfig`         | the config                                           | nothing                          |
 *
 * Modules: state-machine.ts (the state and every transition), inbound.ts (one packet),
 * probe-cycle.ts, suspicion-checks.ts, outbox.ts (what goes into a packet), members.ts (the table
 * and its rules).
 *
 * Where Shoal departs from foca 1.0, each with a test: DEPARTURES.md beside this file.
 */
import { type AntiEntropyInit, type AntiEntropyStats, runAntiEntropy } from './anti-entropy';
import type { BoundStats, SwimBounds } from './bounds';
import type { BroadcastHandler, Invalidates } from './broadcast';
import type { Codec } from './codec';
import { type Config, validateConfig } from './config';
import {
  BroadcastError,
  type HandleResult,
  InvalidConfigError,
  NotConnectedError,
  NotUndeadError,
  SameIdentityError,
} from './errors';
import type { Identity } from './identity';
import { handleData } from './inbound';
import { suspicionLevelReached } from './lha-suspicion';
import type { Incarnation, Member } from './member';
import { runPeriodicTask } from './periodic-tasks';
import { judgeProbeEarly, probeRandomMember, sendIndirectProbe, sendNack } from './probe-cycle';
import type { ReplyStats } from './reply-limits';
import type { Rng } from './rng';
import type { Runtime, Timer } from './runtime';
import { type ConnectionState, StateMachine } from './state-machine';
import type { StatementAuth } from './statements';
import { endCheckBeforeDown, endCheckBeforeSuspect, suspicionTimedOut } from './suspicion-checks';
import { chooseReachable, type Topology } from './topology';

export type { ConnectionState } from './state-machine';

/** What a `Swim` instance is built from: options apart from injected collaborators. */
export interface SwimInit<T extends Identity, K extends Invalidates> {
  /** Who we are. Starts at incarnation 0, Disconnected. */
  readonly identity: T;
  /** Checked at once: `InvalidConfigError` for one that can't work. */
  readonly config: Config;
  /** Every random choice (probe order, relays, gossip targets); the same seed gives the same run. */
  readonly rng: Rng;
  readonly codec: Codec<T>;
  /** Required to send or receive custom broadcasts; without one, packets carrying them are errors. */
  readonly broadcastHandler?: BroadcastHandler<T, K>;
  /**
   * Whether to emit `data-sent` / `data-received` for every packet (foca's "unstable
   * notifications"). Default true; turn off in large simulations to save the allocations.
   */
  readonly dataNotifications?: boolean;
  /**
   * Lifeguard (local health scaling our probe timeouts and period, nacks from relays). Default false,
   * so the bare core keeps foca's timings; Shoal's hosts (the browser runtime, the simulator's
   * cluster) turn it on, and the simulator's slow-members scenario measures what it buys.
   */
  readonly lifeguard?: boolean;
  /**
   * Shoal: a Down in a packet about another member than its sender is an accusation (accusations.ts):
   * each member suspects and checks the accused itself instead of marking it Down, and passes the
   * Down on unapplied (the accused rejoins: a rename). A member's own leave still counts at once; in
   * overlay mode every Down is applied, as foca. Default false (foca's behaviour, which foca's
   * scenarios expect); the browser and Node runtime turn it on.
   */
  readonly downIsAccusation?: boolean;
  /** What a peer can make this core hold (bounds.ts); each missing field takes its default. */
  readonly bounds?: Partial<SwimBounds>;
  /**
   * Shoal: signed statements and accusations (statements.ts, PROTOCOL.md 1.3). With it our Alive
   * (join, refutation, rename) and our leave carry our proof, our suspicions and Downs carry our
   * proof as their accuser, and an update from the wire that needs a proof and lacks a valid one is
   * dropped (`statementStats`). Without it (the default) the wire and every behaviour are foca's.
   */
  readonly statements?: StatementAuth<T>;
  /**
   * Shoal: the TurnUndead, who-we-are Gossip and Feed that peers' packets draw go at most once per
   * member identity per probe period (reply-limits.ts), so a flapping room's stray packets don't each
   * cost a reply. Default false (foca answers every packet); the browser and Node runtime turn it on.
   */
  readonly limitReplies?: boolean;
  /**
   * Shoal: anti-entropy (anti-entropy.ts, PROTOCOL.md "Anti-entropy"). Now and then we compare a
   * digest of our view with a random member we reach and pull only the difference: joins we missed
   * are learned, and a member we hold active that the other holds Down is checked by us (never taken
   * Down from the wire). Repairs what gossip's fixed number of sends misses. `true` for the defaults,
   * or the options. Default off (foca has none); the browser and Node runtime turn it on.
   */
  readonly antiEntropy?: boolean | AntiEntropyInit;
}

/** What the statements rule did (`Swim.statementStats`); all 0 without `SwimInit.statements`. */
export interface StatementStats {
  /** Signature verifications run (a statement seen before costs none). */
  readonly verified: number;
  /** Updates dropped because their proof did not verify (or claimed an incarnation we never had). */
  readonly rejected: number;
  /** Updates dropped because they needed a proof and carried none. */
  readonly unsigned: number;
  /** Signed accusations dropped because the accuser does not watch the accused (or we don't hold it). */
  readonly notWatcher: number;
}

/** Most members a `leaveCluster` goodbye is sent to directly (foca: `numIndirectProbes`). */
export const LEAVE_FANOUT = 32;

/**
 * The SWIM core (see the theory of operation above). Every input is synchronous and takes the
 * `Runtime` its outputs go to. One instance per member; not reentrant: never call it from inside a
 * `Runtime` call.
 */
export class Swim<T extends Identity, K extends Invalidates = Invalidates> {
  /** The state and its every transition (state-machine.ts): this class is the public face over it. */
  private readonly m: StateMachine<T, K>;

  /** Disconnected, incarnation 0. Throws `InvalidConfigError` (and builds nothing) for a config that can't work. */
  constructor(init: SwimInit<T, K>) {
    validateConfig(init.config);
    this.m = new StateMachine(init);
  }

  /** Our current identity. */
  get identity(): T {
    return this.m.identity;
  }

  /** Our incarnation: raised to refute a suspicion, reset to 0 by a new identity. */
  get incarnation(): Incarnation {
    return this.m.incarnation;
  }

  /** Our standing in the cluster (see the theory of operation). */
  get connectionState(): ConnectionState {
    return this.m.connection;
  }

  /** The config in force (replace it with `setConfig`). */
  get config(): Config {
    return this.m.config;
  }

  /** The current timer token (u8, wraps): timers carrying another one are ignored. */
  get timerToken(): number {
    return this.m.token;
  }

  /** The current probe number (u8, wraps). */
  get probeNumber(): number {
    return this.m.probe.probeNumber;
  }

  /**
   * Our local health score (Lifeguard), 0 (healthy) .. `MAX_AWARENESS`: our probe timeouts and period
   * run × (score + 1). Always 0 with `lifeguard: false`.
   */
  get localHealth(): number {
    return this.m.health.score;
  }

  /**
   * Tells the core that a timer just fired `lateMs` after it was due (a starved, throttled or stalled
   * event loop: the host loop calls this). With Lifeguard, lateness over half the probe RTT raises our
   * local health score by one at the next probe verdict: a member that can't keep time doubts itself
   * before it accuses others. Changes nothing else; sends nothing.
   */
  noteLateness(lateMs: number): void {
    this.m.noteLateness(lateMs);
  }

  /**
   * Whether handling `timer` now would do nothing but re-arm it: periodic gossip with no update or
   * custom broadcast waiting, or the indirect stage of a probe whose Ack came. A host may let such a
   * timer wait for its next wake-up instead of waking for it (it still runs in due order; the host
   * loop's `deferIdleTimers`). Doesn't change state.
   */
  timerIsIdle(timer: Timer<T>): boolean {
    const m = this.m;
    switch (timer.type) {
      case 'periodic-gossip':
        return m.out.updates.size === 0 && m.out.customs.size === 0;
      case 'send-indirect-probe':
        return m.probe.isProbing(timer.probedId) && m.probe.succeeded();
      default:
        return false;
    }
  }

  /** The member being probed in the current cycle, if any. */
  get probedMember(): T | undefined {
    return this.m.probe.probed;
  }

  /**
   * Active (Alive or Suspect) members, ourselves excluded. The objects are the core's own records,
   * valid until the next call into the core: copy what you keep.
   */
  members(): IterableIterator<Member<T>> {
    return this.m.table.iterActive();
  }

  /** Every member we hold, Down ones included, ourselves excluded. Same caveat as `members()`. */
  membershipState(): IterableIterator<Member<T>> {
    return this.m.table.iterAll();
  }

  /** What we know of the member with `addr` (a live record, see `members()`), if anything. */
  member(addr: string): Member<T> | undefined {
    return this.m.table.get(addr);
  }

  /** Number of active members, ourselves excluded. */
  get numMembers(): number {
    return this.m.table.numActive;
  }

  /** The overlay mode's topology, undefined in a full mesh (see `setTopology`). */
  get topology(): Topology | undefined {
    return this.m.topology;
  }

  /** Packets not addressed because the topology could not reach their member (always 0 in a full mesh). */
  get heldBack(): number {
    return this.m.heldBack;
  }

  /**
   * Switches overlay mode on (a topology) or off (undefined: foca's full mesh). Changes no member's
   * state and no timer: from the next choice on, probes go to `probeTargets()` in turn (starting at
   * its first), PingReqs only through `indirectVia`, gossip, broadcasts, announces and the leave
   * goodbye only to reachable members, and no packet to a member `canReach` refuses (counted in
   * `heldBack`). The probe running now, suspicions, checks and the backlogs carry on as they are.
   */
  setTopology(topology: Topology | undefined): void {
    this.m.topology = topology;
    this.m.probeCursor = -1;
  }

  /** The bounds in force (`SwimInit.bounds` over the defaults). */
  get bounds(): SwimBounds {
    return this.m.bounds;
  }

  /** What the bounds and `downIsAccusation` turned away so far (a snapshot). */
  get boundStats(): BoundStats {
    const m = this.m;
    const c = m.boundCounters;
    return {
      membersRefused: m.table.refused,
      membersEvicted: m.table.evictedCount,
      customBroadcastsDropped: c.customBroadcastsDropped,
      downsAccused: c.downsAccused,
      downsIgnored: c.downsIgnored,
    };
  }

  /** What the statements rule verified and dropped so far (a snapshot). */
  get statementStats(): StatementStats {
    const c = this.m.statementCounters;
    return { verified: c.verified, rejected: c.rejected, unsigned: c.unsigned, notWatcher: c.notWatcher };
  }

  /** What anti-entropy did so far (all 0 without `SwimInit.antiEntropy`). */
  get antiEntropyStats(): AntiEntropyStats {
    return (
      this.m.antiEntropy?.stats() ?? {
        syncsSent: 0,
        pagesSent: 0,
        pagesReceived: 0,
        membersLearned: 0,
        downsChecked: 0,
        syncsRefused: 0,
      }
    );
  }

  /** Replies `limitReplies` held back so far (all 0 without it). */
  get replyStats(): ReplyStats {
    return this.m.replies?.stats() ?? { turnUndeadHeld: 0, whoWeAreHeld: 0, feedHeld: 0 };
  }

  /** Every member held, Down ones included (at most `bounds.maxMembers`, unless all were heard from). */
  get membersHeld(): number {
    return this.m.table.size;
  }

  /** Bytes of custom broadcasts waiting to be disseminated (at most `bounds.maxCustomBroadcastBytes`). */
  get customBroadcastBytes(): number {
    return this.m.out.customs.bytes;
  }

  /** Membership updates waiting to be disseminated. */
  get updatesBacklog(): number {
    return this.m.out.updates.size;
  }

  /** Custom broadcasts waiting to be disseminated. */
  get customBroadcastBacklog(): number {
    return this.m.out.customs.size;
  }

  /**
   * Sends an Announce to `dst`, asking to join its cluster (it answers with a Feed). Doesn't affect
   * state. Throws `EncodeError` if our header can't be encoded.
   */
  announce(dst: T, runtime: Runtime<T>): void {
    this.m.send(dst, { type: 'announce' }, runtime);
  }

  /**
   * Handles one packet from the network. Never throws on bad input: returns the error kind, and
   * (except for `custom-broadcast`, whose membership updates were applied) nothing changed.
   */
  handleData(bytes: Uint8Array, runtime: Runtime<T>): HandleResult {
    return handleData(this.m, bytes, runtime);
  }

  /**
   * Handles a timer the host was asked to submit, once it is due. A timer with a stale token (or
   * about a member since refuted, renamed or gone) is ignored. Throws `NotConnectedError` (nothing
   * changed) for a current probe timer while we are not connected: a host bug, since going idle
   * changes the token.
   */
  handleTimer(timer: Timer<T>, runtime: Runtime<T>): void {
    const m = this.m;
    if (timer.type === 'remove-down') {
      m.table.removeIfDown(timer.id);
      return;
    }
    if (timer.token !== m.token) return;
    switch (timer.type) {
      case 'probe-random-member':
        if (m.connection !== 'connected')
          throw new NotConnectedError('probe timer delivered while not connected');
        probeRandomMember(m, runtime);
        return;
      case 'send-indirect-probe':
        sendIndirectProbe(m, timer.probedId, runtime);
        return;
      case 'judge-probe':
        judgeProbeEarly(m, timer.probedId, timer.probeNumber, runtime);
        return;
      case 'send-nack':
        sendNack(m, timer.origin, timer.target, timer.probeNumber, runtime);
        return;
      case 'check-before-suspect':
        endCheckBeforeSuspect(m, timer.memberId, timer.incarnation, runtime);
        return;
      case 'change-suspect-to-down':
        suspicionTimedOut(m, timer.memberId, timer.incarnation, runtime);
        return;
      case 'check-before-down':
        endCheckBeforeDown(m, timer.memberId, timer.incarnation, timer.round, runtime);
        return;
      case 'suspicion-level':
        suspicionLevelReached(m, timer.memberId, timer.incarnation, timer.level, timer.epoch, runtime);
        return;
      case 'periodic-announce':
      case 'periodic-gossip':
      case 'periodic-announce-down':
        runPeriodicTask(m, timer.type, runtime);
        return;
      case 'anti-entropy':
        runAntiEntropy(m, runtime);
        return;
    }
  }

  /**
   * Sends a Gossip (the update backlog and custom broadcasts) to `numIndirectProbes` random active
   * members, as foca. Sends nothing when no member is active. Changes only the backlogs' counters.
   */
  gossip(runtime: Runtime<T>): void {
    this.m.gossip(runtime);
  }

  /**
   * Sends pending custom broadcasts to up to `numIndirectProbes` random active members the handler
   * accepts (`shouldAddBroadcastData`), stopping once the backlog is empty.
   */
  broadcast(runtime: Runtime<T>): void {
    const m = this.m;
    if (m.out.customs.size === 0) return;
    const handler = m.handler;
    const pick =
      handler?.shouldAddBroadcastData !== undefined
        ? (id: T) => handler.shouldAddBroadcastData!(id)
        : undefined;
    if (m.topology === undefined) m.table.chooseActive(m.config.numIndirectProbes, m.choice, m.rng, pick);
    else chooseReachable(m, m.config.numIndirectProbes, m.choice, pick);
    const chosen = m.choice.splice(0);
    for (const id of chosen) {
      m.send(id, { type: 'broadcast' }, runtime);
      if (m.out.customs.size === 0) break;
    }
  }

  /**
   * Declares ourselves Down (gossiped directly to up to `LEAVE_FANOUT` active members, and queued) and
   * becomes Undead: packets are dropped until `reuseDownIdentity` or `changeIdentity`. Notifies
   * `defunct`.
   */
  leaveCluster(runtime: Runtime<T>): void {
    const m = this.m;
    // With statements, our leave is signed (ahead of time): others apply it at once, whoever passes it on.
    const down = m.leaveStatement();
    const size = m.measure(down);
    // A goodbye is sent once and never refuted: tell up to LEAVE_FANOUT members directly, rather than
    // foca's few, so a small room (a browser mesh) learns of it in one hop instead of a gossip round.
    const fanout = Math.min(LEAVE_FANOUT, Math.max(m.config.numIndirectProbes, m.table.numActive));
    m.out.updates.add(down, size, Math.min(255, Math.max(m.config.maxTransmissions, fanout)));
    m.chooseAndSend(fanout, { type: 'gossip' }, runtime);
    m.becomeUndead(runtime);
  }

  /**
   * Applies members learned out of band (e.g. from a previous session); with `doBroadcast` they are
   * also queued for dissemination. Updates about us are handled as if received (refute, rejoin);
   * about an older identity of ours, they declare it Down. Throws `EncodeError` (and applies
   * nothing) if one of them can't be encoded.
   */
  applyMany(members: Iterable<Member<T>>, doBroadcast: boolean, runtime: Runtime<T>): void {
    const list = Array.from(members);
    for (const member of list) this.m.measure(member);
    this.m.applyMany(list, doBroadcast, runtime);
  }

  /**
   * Replaces our identity: incarnation back to 0, probe cycle and timers reset (all pending timers
   * turn stale), state Disconnected until the next member is heard from. Unless we were Undead, our
   * previous identity is queued as Down. Gossips right away. Throws `SameIdentityError` for the
   * identity we already have and `EncodeError` for one the codec cannot write (nothing changed then).
   */
  changeIdentity(identity: T, runtime: Runtime<T>): void {
    if (identity.equals(this.m.identity)) {
      throw new SameIdentityError(`already ${identity.toString()}`);
    }
    this.m.changeIdentity(identity, runtime);
  }

  /**
   * Leaves Undead keeping our identity: Disconnected, incarnation 0, and our own Down (queued by
   * `leaveCluster`) no longer disseminated. Throws `NotUndeadError` (nothing changed) otherwise.
   */
  reuseDownIdentity(): void {
    const m = this.m;
    if (m.connection !== 'undead') throw new NotUndeadError(`connection state is ${m.connection}`);
    m.out.updates.remove(m.identity.addr);
    m.reset();
    m.queueOwnAlive();
  }

  /**
   * Hands `bytes` to the broadcast handler (sender undefined) and, if it returns a key, queues it for
   * dissemination; returns whether it did. Throws `BroadcastError` for empty or too-big data, with no
   * handler, or when the handler throws; nothing changed then.
   */
  addBroadcast(bytes: Uint8Array): boolean {
    return this.queueBroadcast(bytes, undefined);
  }

  /**
   * A custom broadcast from `sender` that reached the host some other way than in a packet (a direct
   * send on its link): handled and passed on exactly as one piggybacked on a packet of `sender`'s would
   * be. Returns whether the handler took it. Throws `BroadcastError` as `addBroadcast` does.
   */
  relayBroadcast(bytes: Uint8Array, sender: T): boolean {
    return this.queueBroadcast(bytes, sender);
  }

  private queueBroadcast(bytes: Uint8Array, sender: T | undefined): boolean {
    const m = this.m;
    if (bytes.length === 0) throw new BroadcastError('a custom broadcast cannot be empty');
    const room = m.out.broadcastRoom(m);
    if (bytes.length > room) {
      throw new BroadcastError(
        `${bytes.length} bytes: at most ${room} fit a packet of maxPacketSize ${m.config.maxPacketSize}`,
      );
    }
    if (m.handler === undefined) throw new BroadcastError('no broadcast handler');
    let key: K | undefined;
    try {
      key = m.handler.receiveItem(bytes, sender);
    } catch (e) {
      throw new BroadcastError(`handler refused the item: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (key === undefined) return false;
    m.out.customs.addOrReplace(key, bytes.slice(), m.unrepairedTransmissions);
    return true;
  }

  /**
   * Replaces the config. Throws `InvalidConfigError` (nothing changed) for one that can't work, for a
   * new probe period or round-trip time, or for switching on a periodic task that was off (its timer
   * was never started). A smaller `maxPacketSize` drops queued custom broadcasts that no longer fit.
   */
  setConfig(config: Config): void {
    validateConfig(config);
    const m = this.m;
    const old = m.config;
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
    m.out.maxPacketSize = config.maxPacketSize;
    m.config = config;
    // Custom broadcasts too big for the new packets would sit in the backlog forever.
    if (config.maxPacketSize < old.maxPacketSize) m.out.customs.dropLongerThan(m.out.broadcastRoom(m));
  }
}
