import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { Member } from './member';
import { heldAs } from './members';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { endAccusedRoundIfSilent, runCheckRound } from './suspicion-checks';

/*
 * Shoal, with `SwimInit.downIsAccusation` (DESIGN.md §9: a Down is never taken from the wire as
 * final). Foca applies any Down it hears; one forged `{V, down}` then removes V everywhere, and a
 * member back from isolation spreads the Downs it concluded alone. Here a Down in a packet about
 * anyone but the packet's sender is an accusation, and each member reaches its own verdict:
 *
 * | we hold the accused        | what the Down does                                                   |
 * |----------------------------|----------------------------------------------------------------------|
 * | Alive                      | we suspect it (disseminated, our own timer) and check it, as below  |
 * | Suspect, no check running  | the final round of our check now (ping, and ping-reqs through others) |
 * | Suspect, a check running   | its round under way is its last (round 0: the final round starts)   |
 * | Down, or not at all        | nothing (a Down for an addr we never held can't shut a newcomer out) |
 * | an older life than named   | nothing: the named life is not one we know (a forged generation)     |
 *
 * and we pass the Down on (as foca would) without applying it, so it reaches the accused, which
 * rejoins as in foca: a Down about us is answered with a new generation, which every member takes
 * as a rename, the one that holds us Down included. So a liar can make a member rename, never leave.
 * (Only the named life is passed on: a forged generation dies with the first member that hears it.)
 *
 * In overlay mode (`setTopology`) every Down is applied as foca does. Only the accused's observers
 * can judge it there, and an unsigned Down doesn't say who did: a member with no link to the accused
 * must take the Down, and then the accused must hear of it to rejoin, so the observers that checked
 * it must pass the Down on rather than swallow it (measured: a 14-member room on 6 links each split
 * for good when they swallowed it). A full mesh needs neither: anyone can check anyone, and a
 * member that declared us Down tells us with a TurnUndead on our next probe of it.
 *
 * A member's own Down in its own packet is its leave: applied at once, as foca. Whatever answers our
 * check keeps the accused active, so a member that answers probes is never made Down by a liar.
 *
 * With `Config.accusedRoundEndsOnNacks` (the browser preset) the final round need not last a whole
 * period: once half its relays nacked (each pinged the accused and heard nothing) and nothing
 * answered, it ends with a Down (`endAccusedRoundIfSilent`). The accuser already waited out the
 * suspicion, so this moves no Down sooner than the accuser's own.
 */

/** Whether `update`, in a packet from `from`, is an accusation rather than an update to apply. */
export function isAccusation<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  from: T,
): boolean {
  if (update.state !== 'down' || update.id.equals(from)) return false;
  // A leave signed by the member itself (statements.ts checked it): final, as its own packet would be.
  if (m.statements !== undefined && update.proof !== undefined && update.accuser === undefined) return false;
  // Overlay mode: foca's rule until Downs name (and sign) their accuser (see the note above).
  if (m.topology !== undefined) return false;
  // About us (rejoin) or another life of our addr (marked Down here): foca's handling.
  return update.id.addr !== m.identity.addr;
}

/** Acts on an accusation (see the table above). */
export function accuse<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  runtime: Runtime<T>,
): void {
  const counters = m.boundCounters;
  const rec = m.table.get(update.id.addr);
  if (
    rec === undefined ||
    rec.state === 'down' ||
    (!rec.id.equals(update.id) && rec.id.winsAddrConflict(update.id))
  ) {
    counters.downsIgnored++;
    return;
  }
  counters.downsAccused++;
  // The accused is the life we hold: a Down naming a later one (a generation we never heard from)
  // is checked against the member that answers our pings.
  const { id, incarnation } = rec;
  if (rec.state === 'alive') {
    const s = m.suspect(id, incarnation, heldAs(id, incarnation, 'alive'), runtime);
    if (s === undefined || !s.applySuccessful) return;
  }
  // Pass the Down on (in place of our suspicion) without applying it: whoever declared it holds
  // that for good and may have no link to tell the accused with a TurnUndead, so the accused must
  // hear of it and rejoin (a rename to us, who keep it), or that member never sees it again.
  // With signed statements only a signed Down is worth passing on (an anti-entropy page's Down has no
  // proof: everyone would drop it); our own signed suspicion goes out instead.
  const passable = m.statements === undefined || update.proof !== undefined;
  if (id.equals(update.id) && passable)
    m.out.updates.add(update, m.measure(update), m.unrepairedTransmissions);
  // The Down is someone's conclusion from its own checks (or a lie): ours takes one more round,
  // a ping and 3 × numIndirectProbes relays, which a member that answers probes passes.
  // A check of ours already past its first round: the round under way is its last.
  if (m.checks.makeFinal(id.addr, incarnation)) {
    endAccusedRoundIfSilent(m, id, incarnation, runtime);
    return;
  }
  runCheckRound(m, id, incarnation, m.checkRounds, runtime);
  m.checks.makeFinal(id.addr, incarnation);
}
