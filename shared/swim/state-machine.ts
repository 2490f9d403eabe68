import { accuse, isAccusation } from './accusations';
import { AntiEntropy, SIGNED_ANTI_ENTROPY, startAntiEntropy } from './anti-entropy';
import { BoundCounters, resolveBounds, type SwimBounds } from './bounds';
import type { BroadcastHandler, Invalidates } from './broadcast';
import type { Codec } from './codec';
import type { Config } from './config';
import type { Identity } from './identity';
import { accuserTag, confirmSuspicion, LhaSuspicions, startLhaSuspicion } from './lha-suspicion';
import { LATE_TIMER_SHARE, LocalHealth, RelayedProbes } from './local-health';
import type { Incarnation, Member, MemberState } from './member';
import { type ApplySummary, heldAs, type MemberRecord, Members } from './members';
import { carriesMembers, Outbox, type Sender } from './outbox';
import type { Message, MessageType } from './payload';
import { Probe } from './probe';
import { ReplyLimiter } from './reply-limits';
import type { Rng } from './rng';
import type { Runtime, TimerToken } from './runtime';
import {
  admitUpdate,
  INTRODUCTION_PACKETS,
  MAX_INTRODUCED,
  type StatementAuth,
  StatementCounters,
  signed,
  VerifiedStatements,
} from './statements';
import { CHECK_ROUNDS, HEARD_SUSPICION_FACTOR, SuspicionChecks } from './suspicion-checks';
import type { SwimInit } from './swim';
import { chooseReachable, type Topology } from './topology';

/** Our own standing in the cluster, as foca's connection state (see the theory in swim.ts). */
export type ConnectionState = 'disconnected' | 'connected' | 'undead';

/**
 * Shoal sends what nothing else would repair this many times more than `maxTransmissions`: news of
 * an identity (a join, a rename), a Down, and custom broadcasts. A member no holder picks misses an item with
 * probability e^-maxTransmissions; a missed suspicion is made up for by timers and checks, a missed
 * join or leave is not (until a probe comes round, N periods later), nor a custom broadcast until the
 * next Feed (see PROTOCOL.md, "Custom broadcast repair").
 */
const UNREPAIRED_TX_FACTOR = 2;
const MAX_INCARNATION = 0xffff;

/**
 * Shoal judges a probe this share of `probeRttMs` after its PingReqs went out, not at the end of the
 * period (CORE-ISSUES #5: judging at the period's end costs first detection a whole period). A relayed
 * round trip on a LAN or a data channel takes a few ms; an answer that comes later still counts for
 * the check that follows the verdict, so a short wait costs a check, never a suspicion.
 */
export const INDIRECT_WAIT_SHARE = 0.2;

/** An update that changed what we hold, and what the caller wants done about it. */
interface Applied<T extends Identity> {
  readonly summary: ApplySummary<T>;
  readonly update: Member<T>;
  /** Queue the update for dissemination. */
  readonly disseminate: boolean;
  /** How long a new suspicion runs here before it times out; undefined: no timer. */
  readonly suspicionTimeoutMs: number | undefined;
}

/**
 * The state of one core and every transition of it: members' states (`applyUpdate`, `suspect`,
 * `declareDown` and `afterApply`, over the rules in members.ts), our own incarnation and identity
 * (`handleSelfUpdate`, `changeIdentity`) and our connection state (`adjustConnectionState` and the
 * `become…` steps). Internal: `Swim` is the public face, and the probe cycle, the checks and the
 * packet handling (probe-cycle.ts, suspicion-checks.ts, inbound.ts) act through these methods.
 */
export class StateMachine<T extends Identity, K extends Invalidates> implements Sender<T> {
  identity: T;
  incarnation: Incarnation = 0;
  config: Config;
  connection: ConnectionState = 'disconnected';
  /** u8, wraps; bumped whenever the schedule is dropped, which makes every timer out there stale. */
  token: TimerToken = 0;
  readonly rng: Rng;
  readonly codec: Codec<T>;
  readonly handler: BroadcastHandler<T, K> | undefined;
  readonly dataNotifications: boolean;
  readonly out: Outbox<T, K>;
  readonly table = new Members<T>();
  readonly probe = new Probe<T>();
  readonly checks = new SuspicionChecks();
  /** Lifeguard (local health, nacks); off only to measure what it buys. */
  readonly lifeguard: boolean;
  readonly health = new LocalHealth();
  /** PingReqs we relay whose target hasn't answered yet (Lifeguard's nacks). */
  readonly relayed = new RelayedProbes<T>();
  /** Suspicions timed out by LHA (Lifeguard only): their accusers and timer ladders. */
  readonly lha = new LhaSuspicions();
  /** Reused buffer for random choices of members. */
  readonly choice: T[] = [];
  /** Addr of the member whose Feed pages we are walking, so a page of known members doesn't end the walk. */
  feedChase: string | undefined;
  /** Whether that walk is a join: what a joiner learns from Feeds, the cluster knows already. */
  feedChaseIsJoin = false;
  /** Overlay mode (topology.ts) when set: whom we may reach and probe. Undefined: foca's full mesh. */
  topology: Topology | undefined;
  /** Index of the last probe target taken from the topology. */
  probeCursor = -1;
  /** Packets not addressed because the topology could not reach their destination. */
  heldBack = 0;
  /** What a peer can make us hold (bounds.ts), and what those bounds turned away. */
  readonly bounds: SwimBounds;
  readonly boundCounters = new BoundCounters();
  /** A Down from the wire about another member is an accusation, not a verdict (accusations.ts). */
  readonly downIsAccusation: boolean;
  /** Signed statements and accusations (statements.ts) when set; undefined: foca's unsigned updates. */
  readonly statements: StatementAuth<T> | undefined;
  readonly verifiedStatements = new VerifiedStatements();
  readonly statementCounters = new StatementCounters();
  /** Our signed Alive at our incarnation, kept so that offering it again costs no signature. */
  private ownAlive: Member<T> | undefined;
  /** With statements: our signed leave for this life (see `leaveStatement`). */
  private ownLeave: Member<T> | undefined;
  /** With statements: how many packets to each addr carried `ownAlive` (see `introduction`). */
  private readonly introduced = new Map<string, number>();
  /** `SwimInit.limitReplies`: unasked-for replies at most once per member per probe period. */
  readonly replies: ReplyLimiter | undefined;
  /** `SwimInit.antiEntropy` (anti-entropy.ts): our view's digest and sync schedule; undefined when off. */
  readonly antiEntropy: AntiEntropy | undefined;

  constructor(init: SwimInit<T, K>) {
    this.identity = init.identity;
    this.config = init.config;
    this.rng = init.rng;
    this.codec = init.codec;
    this.handler = init.broadcastHandler;
    this.dataNotifications = init.dataNotifications ?? true;
    this.lifeguard = init.lifeguard ?? false;
    this.downIsAccusation = init.downIsAccusation ?? false;
    this.statements = init.statements;
    this.replies = init.limitReplies === true ? new ReplyLimiter() : undefined;
    const ae = init.antiEntropy;
    // Signed, a gossip packet carries a third of the joins it does unsigned: pull while a room forms.
    const forming = init.statements === undefined ? {} : SIGNED_ANTI_ENTROPY;
    this.antiEntropy =
      ae === undefined || ae === false
        ? undefined
        : new AntiEntropy({ ...forming, ...(ae === true ? {} : ae) });
    this.table.digest = this.antiEntropy?.digest;
    this.bounds = resolveBounds(init.bounds);
    this.table.maxMembers = this.bounds.maxMembers;
    const counters = this.boundCounters;
    this.out = new Outbox(
      init.codec,
      init.config.maxPacketSize,
      init.broadcastHandler,
      this.dataNotifications,
      {
        maxItems: this.bounds.maxCustomBroadcasts,
        maxBytes: this.bounds.maxCustomBroadcastBytes,
        onDrop: () => counters.customBroadcastsDropped++,
      },
    );
    this.out.signedOnly = this.statements !== undefined;
    this.queueOwnAlive();
  }

  // ---- members' states ---------------------------------------------------------------------------

  /**
   * Applies updates from a packet (`from`: its sender) or the host; updates about us or an older life
   * of ours included. With `downIsAccusation`, a Down in a packet about another member than its
   * sender is an accusation (accusations.ts).
   */
  applyMany(members: readonly Member<T>[], doBroadcast: boolean, runtime: Runtime<T>, from?: T): void {
    const accusing = from !== undefined && this.downIsAccusation;
    const checking = from !== undefined && this.statements !== undefined;
    for (let i = 0; i < members.length; i++) {
      let m = members[i]!;
      if (checking) {
        const admitted = admitUpdate(this, m, from);
        if (admitted === undefined) continue;
        m = admitted;
      }
      if (accusing && isAccusation(this, m, from)) {
        accuse(this, m, runtime);
      } else if (m.id.equals(this.identity)) {
        this.handleSelfUpdate(m.incarnation, m.state, runtime);
      } else if (m.id.addr === this.identity.addr) {
        // An older life of ours: it must not come back.
        this.applyUpdate(m.id, 0, 'down', doBroadcast, runtime);
      } else {
        this.applyUpdate(m.id, m.incarnation, m.state, doBroadcast, runtime, m.accusers, false, m);
      }
    }
    this.adjustConnectionState(runtime);
  }

  /**
   * Applies an update about another member, learned from someone. Returns whether that member is
   * active now (false if the update lost an addr conflict).
   */
  applyUpdate(
    id: T,
    incarnation: Incarnation,
    state: MemberState,
    doBroadcast: boolean,
    runtime: Runtime<T>,
    accusers?: readonly number[],
    heard = false,
    given?: Member<T>,
  ): boolean {
    const s = this.table.apply(id, incarnation, state, this.rng, heard);
    const active = s.conflict === 'lost' || s.conflict === 'failed-condition' ? false : s.isActiveNow;
    const proof = this.statements === undefined ? undefined : given?.proof;
    if (s.applySuccessful) {
      const update: Member<T> =
        proof !== undefined
          ? given!
          : accusers === undefined
            ? { id, incarnation, state }
            : { id, incarnation, state, accusers };
      // Kept to vouch for the member wherever we pass it on (Feeds): its own word (statements.ts).
      if (proof !== undefined && state === 'alive') this.table.get(id.addr)!.signedAlive = given;
      this.afterApply(
        { summary: s, update, disseminate: doBroadcast, suspicionTimeoutMs: this.heardSuspicionWaitMs },
        runtime,
      );
    } else if (state === 'suspect' && accusers !== undefined && this.usesLha) {
      // A suspicion we hold already: its accusers may be news (LHA confirmations).
      this.confirmSuspicion(id, incarnation, accusers, runtime, proof === undefined ? undefined : given);
    } else if (proof !== undefined && state === 'alive') {
      this.keepSignedAlive(given!, doBroadcast);
    }
    return active;
  }

  /**
   * A verified signed Alive that changed nothing we hold (we took that life from its header, or hold
   * a later incarnation or a suspicion): kept, the newest per life, so we can vouch for the member.
   * The first that vouches for what we hold is news to pass on: until then we could not.
   */
  private keepSignedAlive(given: Member<T>, doBroadcast: boolean): void {
    const rec = this.table.get(given.id.addr);
    if (rec === undefined || rec.state === 'down' || !rec.id.equals(given.id)) return;
    if (given.incarnation > rec.incarnation) return;
    const had = rec.signedAlive;
    if (had !== undefined && had.incarnation >= given.incarnation) return;
    rec.signedAlive = given;
    // Its first dissemination from us: as news of a join or rename, repaired by nothing else.
    if (doBroadcast && (had === undefined || given.incarnation === rec.incarnation)) {
      this.out.updates.add(given, this.measure(given), this.unrepairedTransmissions);
    }
  }

  /**
   * Our verdict on a failed probe and its check: `id` becomes Suspect at `incarnation` (if `onlyIf`
   * holds for the member we hold), the cluster hears of it and our timeout runs. Returns the
   * summary (read it before the next apply), undefined when the addr is unknown.
   */
  suspect(
    id: T,
    incarnation: Incarnation,
    onlyIf: ((known: MemberRecord<T>) => boolean) | undefined,
    runtime: Runtime<T>,
    witnesses: readonly number[] = [],
  ): ApplySummary<T> | undefined {
    const s = this.table.applyExistingIf(id, incarnation, 'suspect', onlyIf, this.rng);
    if (s === undefined || !s.applySuccessful) return s;
    // With Lifeguard the suspicion names us (and the relays that nacked our check) as its accusers.
    const plain: Member<T> = this.usesLha
      ? { id, incarnation, state: 'suspect', accusers: [this.accuserTag, ...witnesses] }
      : { id, incarnation, state: 'suspect' };
    const update = this.statements === undefined ? plain : signed(this, plain, true);
    this.afterApply(
      { summary: s, update, disseminate: true, suspicionTimeoutMs: this.suspicionWaitMs },
      runtime,
    );
    return s;
  }

  /**
   * Our verdict after a check of a suspect: `id` is Down, if we still hold it Suspect at
   * `incarnation` (Down is final: a refutation or rename since wins). Returns whether it went Down.
   */
  declareDown(id: T, incarnation: Incarnation, runtime: Runtime<T>): boolean {
    const s = this.table.applyExistingIf(
      id,
      incarnation,
      'down',
      heldAs(id, incarnation, 'suspect'),
      this.rng,
    );
    if (s === undefined || !s.applySuccessful) return false;
    const plain: Member<T> = { id, incarnation, state: 'down' };
    const update = this.statements === undefined ? plain : signed(this, plain, true);
    this.afterApply({ summary: s, update, disseminate: true, suspicionTimeoutMs: undefined }, runtime);
    this.adjustConnectionState(runtime);
    return true;
  }

  /**
   * What an applied update sets off, in this order (foca's `handle_apply_summary`):
   *
   * | the update left the member      | disseminated (if asked) | timer                   | notifications              |
   * |---------------------------------|-------------------------|-------------------------|----------------------------|
   * | active, inserted or renamed     | 2 × maxTransmissions    | suspicion, if Suspect   | rename (if so), member-up (if it was not active) |
   * | active, same identity           | maxTransmissions        | suspicion, if Suspect   | member-up (if it was Down) |
   * | Down                            | 2 × maxTransmissions    | remove-down             | rename (if so), member-down (if it was active)   |
   */
  private afterApply(a: Applied<T>, runtime: Runtime<T>): void {
    const { isActiveNow, changedActiveSet, conflict, replaced, inserted, evicted } = a.summary;
    const { id, state } = a.update;
    // Dropped for room (bounds.maxMembers): to the app, a member it was told of went away.
    if (evicted !== undefined && evicted.state !== 'down') {
      runtime.notify({ type: 'member-down', id: evicted.id });
    }
    let update = a.update;
    const lhaTimeout =
      this.usesLha && isActiveNow && state === 'suspect' && a.suspicionTimeoutMs !== undefined;
    if (lhaTimeout) {
      // LHA: the ladder merges the accusers we knew for this incarnation; pass on the whole set.
      const lha = startLhaSuspicion(
        this,
        id,
        update.incarnation,
        a.suspicionTimeoutMs!,
        update.accusers ?? [],
        false,
        runtime,
      );
      update = { ...update, accusers: lha.accusers.slice() };
    } else if (update.accusers !== undefined) {
      const { accusers: _, ...rest } = update;
      update = rest;
    }
    // Even an Alive member's higher incarnation is passed on, as foca: a refutation has to outrun
    // its suspicion everywhere (sparing it left suspicions lingering under loss).
    // With statements, an update nobody signed would be dropped by everyone it reached.
    if (a.disseminate && (this.statements === undefined || update.proof !== undefined)) {
      // A member that misses a join never probes the newcomer, and one that misses a leave (no
      // suspicion came before it) only finds out when its own probe comes round: up to N periods.
      const introduces = isActiveNow && (inserted || conflict === 'replaced');
      const tx = introduces || !isActiveNow ? this.unrepairedTransmissions : this.config.maxTransmissions;
      this.out.updates.add(update, this.out.measure(update), tx);
    }
    if (!isActiveNow) {
      runtime.submitAfter({ type: 'remove-down', id }, this.config.removeDownAfterMs);
    } else if (state === 'suspect' && a.suspicionTimeoutMs !== undefined && !lhaTimeout) {
      // Shoal: whoever learns of a suspicion times it out, not only the prober.
      this.armSuspicionTimeout(id, a.update.incarnation, a.suspicionTimeoutMs, runtime);
    }
    if (conflict === 'replaced' && replaced !== undefined) {
      runtime.notify({ type: 'rename', old: replaced, new: id });
    }
    // A member new to us may not hold our proof either (we may have met by headers alone, and ours
    // ran out of transmissions before it came): offer ours again.
    if (this.statements !== undefined && isActiveNow && (inserted || conflict === 'replaced')) {
      this.queueOwnAlive(this.config.maxTransmissions);
    }
    if (changedActiveSet) {
      runtime.notify(isActiveNow ? { type: 'member-up', id } : { type: 'member-down', id });
    }
  }

  /**
   * LHA (Lifeguard only): `tags` found `id` silent at `incarnation` too. See `confirmSuspicion`;
   * returns false (nothing changed) when we run no such suspicion or the accusers are known.
   */
  confirmSuspicion(
    id: T,
    incarnation: Incarnation,
    tags: readonly number[],
    runtime: Runtime<T>,
    given?: Member<T>,
  ): boolean {
    return this.usesLha && confirmSuspicion(this, id, incarnation, tags, runtime, given);
  }

  /**
   * With statements: queues our own signed Alive at our incarnation (2 × maxTransmissions), so
   * others can pass on our join, rename or refutation. Does nothing without.
   */
  queueOwnAlive(transmissions = this.unrepairedTransmissions): void {
    const update = this.ownSignedAlive();
    if (update !== undefined) this.out.updates.add(update, this.measure(update), transmissions);
  }

  /**
   * With statements, our signed Alive at our incarnation, signed once per (identity, incarnation);
   * undefined without. A new one starts our introductions over.
   */
  private ownSignedAlive(): Member<T> | undefined {
    if (this.statements === undefined) return undefined;
    const held = this.ownAlive;
    if (held !== undefined && held.id === this.identity && held.incarnation === this.incarnation) return held;
    this.introduced.clear();
    this.ownAlive = signed(this, { id: this.identity, incarnation: this.incarnation, state: 'alive' }, false);
    // Our leave is signed ahead, once per life: `leaveCluster` runs on a closing page, where a signature
    // would delay the goodbye.
    if (this.ownLeave?.id !== this.identity) this.ownLeave = signed(this, leaveOf(this.identity), false);
    return this.ownAlive;
  }

  /** Our leave (our Down at incarnation 0): with statements, signed (ahead, see `ownSignedAlive`). */
  leaveStatement(): Member<T> {
    if (this.statements === undefined) return leaveOf(this.identity);
    if (this.ownLeave?.id !== this.identity) this.ownLeave = signed(this, leaveOf(this.identity), false);
    return this.ownLeave;
  }

  /**
   * With statements, our signed Alive to add to a packet for `dst`, for the first
   * `INTRODUCTION_PACKETS` that carry members (counted here): whoever we talk to can vouch for us
   * (pass us on) from our first words, not only once our gossip reaches it by other hops.
   */
  private introduction(dst: T, type: MessageType): Member<T> | undefined {
    if (this.statements === undefined || !carriesMembers(type)) return undefined;
    const own = this.ownSignedAlive()!;
    const sent = this.introduced.get(dst.addr) ?? 0;
    if (sent >= INTRODUCTION_PACKETS) return undefined;
    // Bounded: past the cap we start over, which costs some 117-byte updates, never state.
    if (this.introduced.size >= MAX_INTRODUCED) this.introduced.clear();
    this.introduced.set(dst.addr, sent + 1);
    return own;
  }

  /**
   * Arms the suspicion timeout of `id` at `incarnation`: foca's timer, or with Lifeguard a new LHA
   * ladder (`afterMs` its shortest timeout) that keeps the accusers known so far. A ladder armed
   * `alongside` leaves the running ones counting (as foca's timers, the first to expire wins);
   * otherwise the suspicion is watched anew.
   */
  armSuspicionTimeout(
    id: T,
    incarnation: Incarnation,
    afterMs: number,
    runtime: Runtime<T>,
    alongside = false,
  ): void {
    if (this.usesLha) {
      startLhaSuspicion(this, id, incarnation, afterMs, [], alongside, runtime);
      return;
    }
    runtime.submitAfter(
      { type: 'change-suspect-to-down', memberId: id, incarnation, token: this.token },
      afterMs,
    );
  }

  // ---- our own state -----------------------------------------------------------------------------

  /** An update about our exact identity: refute a suspicion, or rejoin / go Undead on a Down. */
  handleSelfUpdate(incarnation: Incarnation, state: MemberState, runtime: Runtime<T>): void {
    if (state === 'alive') return;
    if (state === 'down') {
      if (!this.attemptRejoin(runtime)) this.becomeUndead(runtime);
      return;
    }
    // Suspected: refute with a higher incarnation, carried by the header of everything we send.
    const increase = this.incarnation <= incarnation;
    const highest = Math.max(incarnation, this.incarnation);
    if (highest >= MAX_INCARNATION) {
      if (!this.attemptRejoin(runtime)) this.becomeUndead(runtime);
      return;
    }
    if (increase) {
      this.incarnation = highest + 1;
      this.queueOwnAlive();
      // Lifeguard: being suspected is a hint that we are the slow one.
      if (this.lifeguard) this.health.apply(1);
    }
    this.gossip(runtime);
  }

  private attemptRejoin(runtime: Runtime<T>): boolean {
    const renewed = this.identity.renew();
    if (renewed === undefined || renewed.equals(this.identity)) return false;
    if (!renewed.winsAddrConflict(this.identity)) return false;
    this.changeIdentity(renewed, runtime);
    runtime.notify({ type: 'rejoin', id: renewed });
    return true;
  }

  /** See `Swim.changeIdentity` (the caller has checked the identity is new). */
  changeIdentity(identity: T, runtime: Runtime<T>): void {
    const previousIsDown = this.connection === 'undead';
    const down: Member<T> = { id: this.identity, incarnation: 0, state: 'down' };
    const size = previousIsDown ? 0 : this.measure(down);
    // Encode before mutating: an identity the codec can't write must leave us as we were.
    this.measure({ id: identity, incarnation: 0, state: 'alive' });
    this.identity = identity;
    this.reset();
    // With statements our signed Alive in the new life stands for the old one's end (a rename).
    if (this.statements !== undefined) this.queueOwnAlive();
    else if (!previousIsDown) this.out.updates.add(down, size, this.config.maxTransmissions);
    this.gossip(runtime);
  }

  // ---- connection state --------------------------------------------------------------------------

  adjustConnectionState(runtime: Runtime<T>): void {
    if (this.connection === 'disconnected') {
      if (this.table.numActive > 0) this.becomeConnected(runtime);
    } else if (this.connection === 'connected') {
      if (this.table.numActive === 0) this.becomeDisconnected(runtime);
    }
  }

  private becomeConnected(runtime: Runtime<T>): void {
    this.connection = 'connected';
    const c = this.config;
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
    startAntiEntropy(this, runtime);
    runtime.notify({ type: 'active' });
  }

  /** A delay in (0, periodMs]. */
  private randomPhase(periodMs: number): number {
    return periodMs * (1 - this.rng.next());
  }

  private becomeDisconnected(runtime: Runtime<T>): void {
    this.connection = 'disconnected';
    this.bumpToken();
    this.probe.clear();
    runtime.notify({ type: 'idle' });
  }

  becomeUndead(runtime: Runtime<T>): void {
    this.connection = 'undead';
    this.probe.clear();
    this.bumpToken();
    runtime.notify({ type: 'defunct' });
  }

  /** Back to Disconnected at incarnation 0 with a fresh schedule (a new identity, or reusing a Down one). */
  reset(): void {
    this.connection = 'disconnected';
    this.incarnation = 0;
    this.bumpToken();
    this.probe.clear();
  }

  private bumpToken(): void {
    this.token = (this.token + 1) & 0xff;
    // Their timers are stale now.
    this.checks.clear();
    this.relayed.clear();
    this.lha.clear();
  }

  // ---- timeouts ----------------------------------------------------------------------------------

  /**
   * The probe period. With Lifeguard it stretches by exactly what the scaled timeouts (RTT and
   * indirect wait, × (score + 1)) add, so a doubtful member probes more slowly but the part of the
   * period after the verdict stays as it is (memberlist scales the whole period: at score 8 an
   * isolated member would take minutes to see that it is alone).
   */
  get probePeriodMs(): number {
    const c = this.config;
    if (!this.lifeguard) return c.probePeriodMs;
    return c.probePeriodMs + (this.backedOffRttMs + this.baseIndirectWaitMs) * this.health.score;
  }

  /**
   * How long a Ping waits for its Ack before the PingReqs: with Lifeguard, × the RTT back-off (late
   * Acks) and × (local health score + 1).
   */
  get probeRttMs(): number {
    return this.lifeguard ? this.health.scale(this.backedOffRttMs) : this.config.probeRttMs;
  }

  /** `probeRttMs` × the RTT back-off, which stays within what fits in the period. */
  private get backedOffRttMs(): number {
    return this.config.probeRttMs * this.health.rttBackoff;
  }

  /** A direct Ack of our current probe came, before or after the PingReqs (`late`). */
  noteAck(late: boolean): void {
    if (!this.lifeguard) return;
    const c = this.config;
    const cap = Math.max(1, Math.floor((c.probePeriodMs - this.baseIndirectWaitMs) / c.probeRttMs));
    this.health.noteAck(late, cap);
  }

  /** Unscaled wait between the PingReqs and the verdict: `indirectWaitMs` or a share of the RTT, within the period. */
  get baseIndirectWaitMs(): number {
    const c = this.config;
    return Math.min(c.probePeriodMs - c.probeRttMs, c.indirectWaitMs ?? c.probeRttMs * INDIRECT_WAIT_SHARE);
  }

  /** The wait between the PingReqs and the verdict, scaled like the RTT. */
  get indirectWaitMs(): number {
    return this.lifeguard ? this.health.scale(this.baseIndirectWaitMs) : this.baseIndirectWaitMs;
  }

  /** A timer came `lateMs` late (the host loop says so): with Lifeguard, a hint we are starved. */
  noteLateness(lateMs: number): void {
    if (this.lifeguard) this.health.noteLateness(lateMs, this.config.probeRttMs * LATE_TIMER_SHARE);
  }

  /**
   * Whether suspicions time out with LHA (lha-suspicion.ts): with Lifeguard, in a full mesh. In overlay
   * mode only a member's few ring observers probe it, so confirmations are scarce and an unconfirmed
   * suspicion would wait the long end (a partitioned ring half was not Down within 60 s); it keeps
   * the fixed timeouts.
   */
  get usesLha(): boolean {
    return this.lifeguard && this.topology === undefined;
  }

  /** Our tag as an accuser in LHA suspicions (lha-suspicion.ts). */
  get accuserTag(): number {
    return accuserTag(this.identity.addr);
  }

  /** `id`'s tag as an accuser. */
  accuserTagOf(id: T): number {
    return accuserTag(id.addr);
  }

  get unrepairedTransmissions(): number {
    return Math.min(255, this.config.maxTransmissions * UNREPAIRED_TX_FACTOR);
  }

  /**
   * How long the prober waits between publishing a suspicion and checking the suspect again: the
   * rounds of its checks (0 before publishing, then `CHECK_ROUNDS`) come out of
   * `suspectToDownAfterMs`, so it declares Down about that long after its probe failed (at least one
   * probe period of waiting, for short timeouts).
   */
  get suspicionWaitMs(): number {
    const c = this.config;
    return Math.max(c.probePeriodMs, c.suspectToDownAfterMs - (this.checkRounds + 1) * c.probePeriodMs);
  }

  /** The same for a member that only heard of the suspicion: a backstop for a lost Down. */
  get heardSuspicionWaitMs(): number {
    const c = this.config;
    // The suspicion is published a judged probe and a check after the prober's first silent Ping, so
    // its hearers' Down can come no sooner after that Ping than the prober's (a stall that outlasts
    // the prober's wait is no Down anywhere).
    if (this.heardSuspicionAsOwn) return this.suspicionWaitMs;
    return Math.max(
      c.probePeriodMs,
      c.suspectToDownAfterMs * HEARD_SUSPICION_FACTOR - this.checkRounds * c.probePeriodMs,
    );
  }

  /**
   * `Config.heardSuspicionAsOwn`, where it holds: with `downIsAccusation` in a full mesh, where every
   * member checks a crashed member once anyway. In overlay mode Downs are applied as foca's, and a
   * hearer's timer stays the backstop for a lost Down.
   */
  get heardSuspicionAsOwn(): boolean {
    return this.config.heardSuspicionAsOwn === true && this.downIsAccusation && this.topology === undefined;
  }

  /** Silent check rounds a timed-out suspect gets before it is declared Down (`Config.checkRounds`). */
  get checkRounds(): number {
    return this.config.checkRounds ?? CHECK_ROUNDS;
  }

  // ---- sending -----------------------------------------------------------------------------------

  /** Bytes `member` takes on the wire. Throws `EncodeError` if the codec can't write it; changes nothing. */
  measure(member: Member<T>): number {
    return this.out.measure(member);
  }

  /** Sends `message` to `dst`, or (overlay mode, no link to it) counts it in `heldBack` and sends nothing. */
  send(dst: T, message: Message<T>, runtime: Runtime<T>, extra?: Member<T>): void {
    if (this.holdsBack(dst)) return;
    this.out.send(this, dst, message, runtime, extra, this.introduction(dst, message.type));
  }

  /**
   * Sends a Feed (`Outbox.sendFeed`); with `listMembers` false one that lists no members, with
   * `repairItems` false one without retained custom broadcasts.
   */
  sendFeed(dst: T, cursor: number, runtime: Runtime<T>, listMembers = true, repairItems = true): void {
    if (this.holdsBack(dst)) return;
    const intro = this.introduction(dst, 'feed');
    this.out.sendFeed(this, dst, cursor, this.table, this.rng, runtime, intro, listMembers, repairItems);
  }

  /** Sends `message` with `records[start, start + count)` in place of the backlog (anti-entropy's pages). */
  sendRecords(
    dst: T,
    message: Message<T>,
    records: readonly Member<T>[],
    start: number,
    count: number,
    runtime: Runtime<T>,
  ): void {
    if (this.holdsBack(dst)) return;
    this.out.sendRecords(this, dst, message, records, start, count, runtime);
  }

  // Checked before encoding, so a packet that can't leave consumes no transmissions of the backlog.
  private holdsBack(dst: T): boolean {
    if (this.topology === undefined || this.topology.canReach(dst.addr)) return false;
    this.heldBack++;
    return true;
  }

  /**
   * Sends `message` to up to `numMembers` random active members (in overlay mode, reachable ones)
   * that `pick` accepts. Returns how many were chosen.
   */
  chooseAndSend(
    numMembers: number,
    message: Message<T>,
    runtime: Runtime<T>,
    pick?: (id: T) => boolean,
  ): number {
    if (this.topology === undefined) this.table.chooseActive(numMembers, this.choice, this.rng, pick);
    else chooseReachable(this, numMembers, this.choice, pick);
    if (this.choice.length === 0) return 0;
    const chosen = this.choice.splice(0);
    for (const id of chosen) this.send(id, message, runtime);
    return chosen.length;
  }

  /** Whether we hold `id` Alive (not Suspect): Lifeguard's periodic gossip spares suspects. */
  readonly isHeldAlive = (id: T): boolean => this.table.get(id.addr)?.state === 'alive';

  /** Sends a Gossip to `numIndirectProbes` random active members, as foca. */
  gossip(runtime: Runtime<T>): void {
    this.chooseAndSend(this.config.numIndirectProbes, { type: 'gossip' }, runtime);
  }
}

/** `identity`'s leave: its Down at incarnation 0, as `leaveCluster` sends it. */
function leaveOf<T extends Identity>(identity: T): Member<T> {
  return { id: identity, incarnation: 0, state: 'down' };
}
