import type { Identity } from './identity';
import type { Incarnation, Member, MemberState } from './member';
import type { Rng } from './rng';
import type { ViewDigest } from './view-digest';

/**
 * What the core keeps per member: the public fields plus the member's slot in the probe list
 * (-1 when it is Down and so not probed). Mutable; handed out read-only as `Member<T>`.
 */
export interface MemberRecord<T extends Identity> {
  id: T;
  incarnation: Incarnation;
  state: MemberState;
  slot: number;
  /** Whether a packet of its own reached us (it spoke for itself), rather than only others' gossip. */
  heard?: boolean;
  /**
   * With statements (statements.ts): the last signed Alive of this very life we verified (its
   * incarnation may be below the one we hold), passed on wherever we pass the member.
   */
  signedAlive?: Member<T> | undefined;
}

/**
 * How an update met a member already known by the same addr: no identity conflict, the update's
 * identity replaced the known one (a rename), the known one won (the update is dropped), or the
 * caller's condition refused an update with another identity.
 */
export type Conflict = 'none' | 'replaced' | 'lost' | 'failed-condition';

/**
 * What applying one update did, for the core to act on (notify, disseminate, arm timers). One
 * instance per `Members`, overwritten by every apply so that the hot path allocates nothing: read
 * it before the next apply.
 */
export interface ApplySummary<T extends Identity> {
  /** Whether the member is active (Alive or Suspect) after the update, applied or not. */
  isActiveNow: boolean;
  /** Whether the update changed what we hold (a rename, an insert, or a winning state/incarnation). */
  applySuccessful: boolean;
  /** Whether the member went from active to Down or back (or was inserted active). */
  changedActiveSet: boolean;
  conflict: Conflict;
  /** The identity that was replaced, when `conflict` is 'replaced'. */
  replaced: T | undefined;
  /** Whether the addr was unknown and is now registered. */
  inserted: boolean;
  /**
   * A member never heard from directly that was dropped to make room (`maxMembers`) for this one;
   * its record is gone. The core tells the app it went down if it was active.
   */
  evicted: MemberRecord<T> | undefined;
}

export function isActiveState(state: MemberState): boolean {
  return state !== 'down';
}

/** Which incarnations of an update win over what we hold (see `OVERRIDES`). */
type IncarnationRule = 'never' | 'higher' | 'same-or-higher' | 'any';

/**
 * SWIM's order of preference (section 4.2 of the paper, as foca's `Member::can_change`), as data:
 * `OVERRIDES[held][update]` says which incarnations of an update in state `update` replace a member
 * we hold in state `held`. Down is final; Down wins over anything active; Suspect wins over Alive
 * at the same incarnation; otherwise only a higher incarnation wins.
 *
 * | held ↓ / update →  | alive  | suspect        | down |
 * |--------------------|--------|----------------|------|
 * | alive              | higher | same-or-higher | any  |
 * | suspect            | higher | higher         | any  |
 * | down               | never  | never          | never|
 */
export const OVERRIDES: Readonly<Record<MemberState, Readonly<Record<MemberState, IncarnationRule>>>> = {
  alive: { alive: 'higher', suspect: 'same-or-higher', down: 'any' },
  suspect: { alive: 'higher', suspect: 'higher', down: 'any' },
  down: { alive: 'never', suspect: 'never', down: 'never' },
};

/** Whether an update (`next` at `nextIncarnation`) replaces a member held as `current` (see `OVERRIDES`). */
export function canChange(
  current: MemberState,
  currentIncarnation: Incarnation,
  next: MemberState,
  nextIncarnation: Incarnation,
): boolean {
  switch (OVERRIDES[current][next]) {
    case 'never':
      return false;
    case 'any':
      return true;
    case 'same-or-higher':
      return nextIncarnation >= currentIncarnation;
    case 'higher':
      return nextIncarnation > currentIncarnation;
  }
}

function randomIndex(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng.next() * n));
}

/**
 * The membership table. Members are found by addr in a `Map` (never by scanning); the active ones
 * also sit in a probe list walked round-robin and reshuffled after each full round, as foca does.
 * Removing from the probe list is O(1) (swap with the round's boundary, then with the tail), so a
 * member leaving never makes another one skip its turn in the current round.
 */
export class Members<T extends Identity> {
  private readonly byAddr = new Map<string, MemberRecord<T>>();
  /** Active members only. `[0, cursor)` were probed this round, `[cursor, length)` are pending. */
  private readonly probeList: MemberRecord<T>[] = [];
  private cursor = 0;
  private numDown = 0;
  /** Members inserted as active since construction: lets the core tell whether a packet taught it anything. */
  insertedActive = 0;
  /**
   * Most members held (see `SwimBounds.maxMembers`): past it, a member only heard of is refused, and
   * one heard from takes the place of the newest member never heard from.
   */
  maxMembers = Number.POSITIVE_INFINITY;
  /** New members refused at `maxMembers`, and members dropped for room. */
  refused = 0;
  evictedCount = 0;
  /** Anti-entropy's digest of the active set (view-digest.ts), kept in step when set. */
  digest: ViewDigest | undefined = undefined;
  /** Members never heard from directly, oldest first; records heard from since are skipped lazily. */
  private unheard: MemberRecord<T>[] = [];
  private unheardCount = 0;

  readonly summary: ApplySummary<T> = {
    isActiveNow: false,
    applySuccessful: false,
    changedActiveSet: false,
    conflict: 'none',
    replaced: undefined,
    inserted: false,
    evicted: undefined,
  };

  get numActive(): number {
    return this.probeList.length;
  }

  /** Every member held, Down ones included. */
  get size(): number {
    return this.byAddr.size;
  }

  get(addr: string): MemberRecord<T> | undefined {
    return this.byAddr.get(addr);
  }

  /** Whether `id` (this very identity, not just its addr) is known and active. */
  isActive(id: T): boolean {
    const rec = this.byAddr.get(id.addr);
    return rec !== undefined && rec.slot >= 0 && rec.id.equals(id);
  }

  /** Active members, in probe-list order. */
  *iterActive(): IterableIterator<MemberRecord<T>> {
    const list = this.probeList;
    for (let i = 0; i < list.length; i++) yield list[i]!;
  }

  /** Every member, Down ones included. */
  iterAll(): IterableIterator<MemberRecord<T>> {
    return this.byAddr.values();
  }

  /** The active member at `index` of the probe list (0 ≤ index < numActive). */
  activeAt(index: number): MemberRecord<T> {
    return this.probeList[index]!;
  }

  /**
   * Next member to probe: round-robin over the probe list, reshuffled once every member had its
   * turn. `undefined` when no member is active.
   */
  next(rng: Rng): MemberRecord<T> | undefined {
    const list = this.probeList;
    if (list.length === 0) return undefined;
    if (this.cursor >= list.length) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = randomIndex(rng, i + 1);
        const a = list[i]!;
        const b = list[j]!;
        list[i] = b;
        list[j] = a;
      }
      for (let i = 0; i < list.length; i++) list[i]!.slot = i;
      this.cursor = 0;
    }
    return list[this.cursor++];
  }

  /**
   * Applies an update to the member with the same addr, if there is one and `condition` holds for
   * it (as foca's `apply_existing_if`: the core uses it to act on a verdict only if nothing changed
   * since, e.g. a failed probe's member is still Alive at the incarnation it was probed in). An
   * update with another identity for the same addr replaces the member when it wins the conflict
   * (a rename), and is dropped when it loses. Returns undefined (nothing changed) when the addr is
   * unknown; a failed condition or a lost conflict changes nothing either.
   */
  applyExistingIf(
    id: T,
    incarnation: Incarnation,
    state: MemberState,
    condition: ((known: MemberRecord<T>) => boolean) | undefined,
    rng: Rng,
  ): ApplySummary<T> | undefined {
    const known = this.byAddr.get(id.addr);
    if (known === undefined) return undefined;
    const s = this.summary;
    s.replaced = undefined;
    s.inserted = false;
    s.evicted = undefined;
    s.changedActiveSet = false;
    const idConflict = !known.id.equals(id);
    const wasActive = known.slot >= 0;
    if (idConflict && known.id.winsAddrConflict(id)) {
      s.isActiveNow = wasActive;
      s.applySuccessful = false;
      s.conflict = 'lost';
      return s;
    }
    if (condition !== undefined && !condition(known)) {
      s.isActiveNow = wasActive;
      s.applySuccessful = false;
      s.conflict = idConflict ? 'failed-condition' : 'none';
      return s;
    }
    if (idConflict) {
      if (known.signedAlive !== undefined) known.signedAlive = undefined;
      s.replaced = known.id;
      known.id = id;
      known.incarnation = incarnation;
      known.state = state;
      s.applySuccessful = true;
      s.conflict = 'replaced';
    } else {
      s.conflict = 'none';
      s.applySuccessful = canChange(known.state, known.incarnation, state, incarnation);
      if (s.applySuccessful) {
        known.state = state;
        known.incarnation = incarnation;
      }
    }
    const isActiveNow = known.state !== 'down';
    s.isActiveNow = isActiveNow;
    if (isActiveNow !== wasActive) {
      s.changedActiveSet = true;
      if (isActiveNow) {
        this.numDown--;
        this.insertIntoProbeList(known, rng);
      } else {
        this.numDown++;
        this.removeFromProbeList(known);
      }
    }
    return s;
  }

  /**
   * Applies an update, registering the member (at a random place of the probe list) when its addr is
   * new. `heard`: the update is the member's own packet (its sender), not gossip about it. At
   * `maxMembers` a new member only heard of is refused (nothing changes: `applySuccessful` and
   * `isActiveNow` false), and one heard from evicts the newest member never heard from (`evicted`).
   */
  apply(id: T, incarnation: Incarnation, state: MemberState, rng: Rng, heard = false): ApplySummary<T> {
    const existing = this.applyExistingIf(id, incarnation, state, undefined, rng);
    if (existing !== undefined) {
      if (heard) this.markHeard(id.addr);
      return existing;
    }
    const s = this.summary;
    let evicted: MemberRecord<T> | undefined;
    if (this.byAddr.size >= this.maxMembers) {
      evicted = heard ? this.evictNewestUnheard() : undefined;
      if (evicted === undefined && !heard) {
        this.refused++;
        s.replaced = undefined;
        s.inserted = false;
        s.evicted = undefined;
        s.conflict = 'none';
        s.applySuccessful = false;
        s.isActiveNow = false;
        s.changedActiveSet = false;
        return s;
      }
    }
    const rec: MemberRecord<T> = { id, incarnation, state, slot: -1, heard };
    this.byAddr.set(id.addr, rec);
    if (!heard) this.noteUnheard(rec);
    s.evicted = evicted;
    s.replaced = undefined;
    s.inserted = true;
    s.conflict = 'none';
    s.applySuccessful = true;
    const active = state !== 'down';
    s.isActiveNow = active;
    s.changedActiveSet = active;
    if (active) {
      this.insertIntoProbeList(rec, rng);
      this.insertedActive++;
    } else {
      this.numDown++;
    }
    return s;
  }

  /** Forgets `id` if it is this exact identity and Down. Returns whether it did. */
  removeIfDown(id: T): boolean {
    const rec = this.byAddr.get(id.addr);
    if (rec === undefined || rec.state !== 'down' || !rec.id.equals(id)) return false;
    this.remove(rec);
    return true;
  }

  /** Records that `addr`'s own packet reached us: it is no longer the first dropped for room. */
  markHeard(addr: string): void {
    const rec = this.byAddr.get(addr);
    if (rec === undefined || rec.heard) return;
    rec.heard = true;
    this.unheardCount--;
  }

  private noteUnheard(rec: MemberRecord<T>): void {
    this.unheard.push(rec);
    this.unheardCount++;
    // Records heard from (or gone) since leave the list lazily: sweep before they outnumber the rest.
    if (this.unheard.length > 2 * this.unheardCount + 64) {
      this.unheard = this.unheard.filter((r) => !r.heard && this.byAddr.get(r.id.addr) === r);
    }
  }

  /** Drops the newest member never heard from directly; undefined when every member was heard from. */
  private evictNewestUnheard(): MemberRecord<T> | undefined {
    for (let rec = this.unheard.pop(); rec !== undefined; rec = this.unheard.pop()) {
      if (rec.heard || this.byAddr.get(rec.id.addr) !== rec) continue;
      this.remove(rec);
      this.evictedCount++;
      return rec;
    }
    return undefined;
  }

  private remove(rec: MemberRecord<T>): void {
    this.byAddr.delete(rec.id.addr);
    if (rec.slot >= 0) this.removeFromProbeList(rec);
    else this.numDown--;
    if (!rec.heard) this.unheardCount--;
  }

  /**
   * Picks up to `wanted` distinct random active members accepted by `pick` into `out` (cleared
   * first). Sampling by random index keeps this O(wanted) on large clusters; a scan from a random
   * start fills in when the filter refuses too many.
   */
  chooseActive(wanted: number, out: T[], rng: Rng, pick: ((id: T) => boolean) | undefined): void {
    out.length = 0;
    const list = this.probeList;
    const n = list.length;
    if (wanted <= 0 || n === 0) return;
    if (wanted * 4 < n) {
      for (let tries = wanted * 4; tries > 0 && out.length < wanted; tries--) {
        const id = list[randomIndex(rng, n)]!.id;
        if ((pick === undefined || pick(id)) && !out.includes(id)) out.push(id);
      }
      if (out.length === wanted) return;
      const start = randomIndex(rng, n);
      for (let k = 0; k < n && out.length < wanted; k++) {
        const id = list[(start + k) % n]!.id;
        if ((pick === undefined || pick(id)) && !out.includes(id)) out.push(id);
      }
      return;
    }
    // Small clusters: reservoir sampling over the whole list, as foca.
    let seen = 0;
    for (let i = 0; i < n; i++) {
      const id = list[i]!.id;
      if (pick !== undefined && !pick(id)) continue;
      seen++;
      if (out.length < wanted) out.push(id);
      else {
        const at = randomIndex(rng, seen);
        if (at < wanted) out[at] = id;
      }
    }
  }

  /** Picks up to `wanted` random Down members into `out` (cleared first). */
  chooseDown(wanted: number, out: T[], rng: Rng): void {
    out.length = 0;
    if (wanted <= 0 || this.numDown === 0) return;
    let seen = 0;
    for (const rec of this.byAddr.values()) {
      if (rec.state !== 'down') continue;
      seen++;
      if (out.length < wanted) out.push(rec.id);
      else {
        const at = randomIndex(rng, seen);
        if (at < wanted) out[at] = rec.id;
      }
    }
  }

  // Insert at the end and swap with a random position, like foca: a newcomer may wait up to a round.
  private insertIntoProbeList(rec: MemberRecord<T>, rng: Rng): void {
    const list = this.probeList;
    this.digest?.toggle(rec.id.addr, true);
    list.push(rec);
    const last = list.length - 1;
    rec.slot = last;
    if (last === 0) return;
    const j = randomIndex(rng, list.length);
    if (j === last) return;
    const other = list[j]!;
    list[j] = rec;
    list[last] = other;
    rec.slot = j;
    other.slot = last;
  }

  private removeFromProbeList(rec: MemberRecord<T>): void {
    const list = this.probeList;
    this.digest?.toggle(rec.id.addr, false);
    let i = rec.slot;
    if (i < this.cursor) {
      // Keep the probed/pending boundary: the last probed member fills the hole, the boundary moves down.
      const boundary = this.cursor - 1;
      if (i !== boundary) {
        const moved = list[boundary]!;
        list[i] = moved;
        moved.slot = i;
        i = boundary;
      }
      this.cursor--;
    }
    const last = list.length - 1;
    if (i !== last) {
      const tail = list[last]!;
      list[i] = tail;
      tail.slot = i;
    }
    list.pop();
    rec.slot = -1;
  }
}

/**
 * A condition for `applyExistingIf`: the member we hold is still `id` (not renamed), in `state`, at
 * `incarnation`. A verdict reached about a member (a failed check) is applied only if nothing
 * refuted, renamed or condemned it meanwhile.
 */
export function heldAs<T extends Identity>(
  id: T,
  incarnation: Incarnation,
  state: MemberState,
): (known: MemberRecord<T>) => boolean {
  return (known) => known.state === state && known.incarnation === incarnation && known.id.equals(id);
}

/** A snapshot of a record as a plain public `Member`. */
export function snapshot<T extends Identity>(rec: MemberRecord<T>): Member<T> {
  return { id: rec.id, incarnation: rec.incarnation, state: rec.state };
}
