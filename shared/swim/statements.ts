import type { Invalidates } from './broadcast';
import { BufferWriter } from './byte-io';
import type { Codec } from './codec';
import type { Identity } from './identity';
import { accuserTag } from './lha-suspicion';
import type { Member } from './member';
import type { StateMachine } from './state-machine';

/*
 * Shoal, with `SwimInit.statements` (DESIGN.md §9: no member can speak for another). What a member
 * says about itself is signed by it, and what it says against another is signed and names it:
 *
 * | update from the wire (not about us)   | what it needs to count                                        |
 * |---------------------------------------|---------------------------------------------------------------|
 * | Alive (a join, a refutation, a rename) | the member's own proof; or the packet's sender speaking of itself |
 * | Down, no accuser                      | the member's own proof (its leave); or the sender's own Down   |
 * | Suspect, or Down with an accuser       | the accuser's proof, and the accuser watches the accused       |
 *
 * Anything else is dropped before it touches state, and counted (`BoundStats`). The packet's header
 * (the sender alive at its incarnation) is the sender speaking over its own link: the host checks
 * that a packet's `src` is the peer of the link it came by (the browser mesh does, and links are
 * bound to keys), so the core takes the header as it is. A proof is the signer's public key and its
 * signature (`PROOF_BYTES`, the host's format); the core builds the signed bytes (`statementBytes`)
 * and the host's `StatementAuth` adds the room and checks that the key is the signer's (its addr is
 * the key's hash). Each distinct statement is verified once: re-gossip of it costs a map lookup.
 */

/** Bytes of a proof as the browser host makes it: an Ed25519 public key (32) and signature (64). */
export const PROOF_BYTES = 96;

/**
 * How a core signs its own statements and checks others' (`SwimInit.statements`). Both are
 * synchronous: the core is. The host binds both to its room, so a proof made for one room is refused
 * in another.
 */
export interface StatementAuth<T extends Identity> {
  /** Our proof (`PROOF_BYTES`) over `message`. Doesn't change state. */
  sign(message: Uint8Array): Uint8Array;
  /** Whether `proof` is by `signer`'s own key over `message`. Never throws; doesn't change state. */
  verify(signer: T, message: Uint8Array, proof: Uint8Array): boolean;
}

/** What a statement is: about oneself (alive, leave) or against another (an accusation). */
const SELF_STATEMENT = 1;
const ACCUSATION = 2;

/**
 * How many packets to one member carry our own signed Alive, first thing, after each change of our
 * incarnation or identity: so a member that meets us over a new link can pass us on at once. More
 * than one, as a packet may be lost; each costs `PROOF_BYTES` + 21 bytes.
 */
export const INTRODUCTION_PACKETS = 3;

/** Most members whose introductions are counted; past it the count starts over. */
export const MAX_INTRODUCED = 4096;

/** Most verified statements remembered; the oldest goes first. */
export const VERIFIED_STATEMENTS = 4096;

const scratch = new BufferWriter(128);

/**
 * The bytes signed for `update` (its id, incarnation and state, and its accuser if it has one), in
 * the codec's own wire form. Doesn't change state.
 */
export function statementBytes<T extends Identity>(
  codec: Codec<T>,
  update: Member<T>,
  accuser?: T,
): Uint8Array {
  scratch.reset(0);
  scratch.u8(accuser === undefined ? SELF_STATEMENT : ACCUSATION);
  codec.writeMember(scratch, { id: update.id, incarnation: update.incarnation, state: update.state });
  if (accuser !== undefined) codec.writeMember(scratch, { id: accuser, incarnation: 0, state: 'alive' });
  return scratch.view().slice();
}

/** What the statements rule turned away. */
export class StatementCounters {
  /** Proofs checked with a signature verification (cache misses). */
  verified = 0;
  /** Updates whose proof did not verify: dropped. */
  rejected = 0;
  /** Updates that needed a proof and carried none: dropped. */
  unsigned = 0;
  /** Signed accusations from a member that doesn't watch the accused (or that we don't hold): dropped. */
  notWatcher = 0;
}

/**
 * Statements proven so far, by their signed bytes: a statement once proven stays true, so any proof
 * that comes with it later needs no second look. Bounded (`VERIFIED_STATEMENTS`, oldest out).
 */
export class VerifiedStatements {
  private readonly known = new Map<string, true>();

  constructor(private readonly max = VERIFIED_STATEMENTS) {}

  /** Whether `message` was proven before. */
  has(key: string): boolean {
    return this.known.has(key);
  }

  add(key: string): void {
    if (this.known.size >= this.max) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(key, true);
  }
}

function keyOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Whether `proof` is `signer`'s over `update` (with `accuser`, as an accusation); cached. */
export function proves<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  signer: T,
  proof: Uint8Array,
  accuser?: T,
): boolean {
  const message = statementBytes(m.codec, update, accuser);
  const key = keyOf(message);
  if (m.verifiedStatements.has(key)) return true;
  m.statementCounters.verified++;
  if (!m.statements!.verify(signer, message, proof)) return false;
  m.verifiedStatements.add(key);
  return true;
}

/**
 * `update` from a packet sent by `from` as the core may apply it, or undefined when the statements
 * rule drops it (counted). A signed Suspect comes back with its accuser as its LHA accuser tag.
 */
export function admitUpdate<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  from: T,
): Member<T> | undefined {
  const c = m.statementCounters;
  const { id, proof, accuser } = update;
  const aboutUs = id.addr === m.identity.addr;
  if (aboutUs && !id.equals(m.identity)) return update; // an older life of ours: marked Down anyway
  if (accuser === undefined) {
    if (update.state === 'suspect') {
      c.unsigned++;
      return undefined;
    }
    if (aboutUs && update.state === 'alive') return update; // changes nothing
    // The sender speaking of itself over its own link (a leave, or its Alive as in the header) needs no
    // proof: links are bound to keys. One it carries is checked by whoever we pass it on to, not here,
    // so a leave (each member hears it from the leaver) and an introduction cost no verification on
    // their way in; a bad proof only gets its own signer's statement refused further on.
    if (id.equals(from) && !aboutUs) return update;
    if (proof === undefined) {
      c.unsigned++;
      return undefined;
    }
    if (!proves(m, update, id, proof)) {
      c.rejected++;
      return undefined;
    }
    return update;
  }
  // An accusation: Suspect, or Down (accuser present, proof present: the codec reads both or none).
  if (proof === undefined || update.state === 'alive' || accuser.addr === id.addr) {
    c.unsigned++;
    return undefined;
  }
  // About us the watcher rule is waived (the accuser must still be a member we hold): whoever holds us
  // Down keeps us so until we rejoin, so a signed Down about us is answered with a rename, as in foca.
  const watching = aboutUs ? isHeld(m, accuser) : watches(m, accuser, id);
  if (!watching) {
    c.notWatcher++;
    if (update.state === 'down' && m.topology !== undefined && isHeld(m, accuser))
      passOn(m, update, accuser, proof);
    return undefined;
  }
  // Only the accused raises its incarnation, and an honest accuser accuses the life and incarnation
  // it learned from the accused: one we never heard of (a huge incarnation, a generation to come) is
  // a lie, and would make the accused refute past it (up to the u16's end: a forced rejoin) or hold a
  // suspicion no refutation can reach.
  const held = aboutUs ? m.identity : m.table.get(id.addr)?.id;
  const heldIncarnation = aboutUs ? m.incarnation : (m.table.get(id.addr)?.incarnation ?? 0);
  if (held === undefined || !held.equals(id) || update.incarnation > heldIncarnation) {
    c.rejected++;
    return undefined;
  }
  if (!proves(m, update, accuser, proof, accuser)) {
    c.rejected++;
    return undefined;
  }
  if (update.state === 'suspect' && m.usesLha) return { ...update, accusers: [accuserTag(accuser.addr)] };
  return update;
}

/**
 * Whether `accuser` may accuse `accused`: it is us, or a member we hold active in that very life,
 * and in overlay mode one of the accused's observers (when the topology can tell).
 */
function watches<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  accuser: T,
  accused: T,
): boolean {
  if (accuser.equals(m.identity)) return true;
  if (!isHeld(m, accuser)) return false;
  const topology = m.topology;
  return topology?.watches === undefined || topology.watches(accuser.addr, accused.addr);
}

/** Whether `id` is us or a member we hold active in that very life. */
function isHeld<T extends Identity, K extends Invalidates>(m: StateMachine<T, K>, id: T): boolean {
  if (id.equals(m.identity)) return true;
  const rec = m.table.get(id.addr);
  return rec !== undefined && rec.state !== 'down' && rec.id.equals(id);
}

/**
 * Overlay mode: a valid signed Down from a member that doesn't watch the accused (in our view, which
 * may differ from the accuser's) is not applied here but passed on, so it reaches the accused, which
 * rejoins (a rename): whoever declared it holds it Down for good and may have no link to tell it.
 */
function passOn<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  accuser: T,
  proof: Uint8Array,
): void {
  const held = m.table.get(update.id.addr);
  if (held === undefined || held.state === 'down' || !held.id.equals(update.id)) return;
  if (update.incarnation > held.incarnation || !proves(m, update, accuser, proof, accuser)) return;
  m.out.updates.add(update, m.measure(update), m.unrepairedTransmissions);
}

/** `update` signed by us: a statement about ourselves, or (with `asAccuser`) an accusation. */
export function signed<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  asAccuser: boolean,
): Member<T> {
  const accuser = asAccuser ? m.identity : undefined;
  const proof = m.statements!.sign(statementBytes(m.codec, update, accuser));
  return accuser === undefined ? { ...update, proof } : { ...update, accuser, proof };
}
