import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { Member } from './member';
import { heldAs } from './members';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { CHECK_ROUNDS, runCheckRound } from './suspicion-checks';
import { canCheck } from './topology';

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
 * | Suspect, a check running   | nothing: that check decides                                         |
 * | Down, or not at all        | nothing (a Down for an addr we never held can't shut a newcomer out) |
 * | an older life than named   | nothing: the named life is not one we know (a forged generation)     |
 * | us                         | refuted like a suspicion (higher incarnation), not a rejoin          |
 *
 * In overlay mode a Down about a member we can't check (no link, not our subject) is applied as
 * foca does: only the accused's observers can judge it, and an unsigned Down doesn't say who did.
 *
 * A member's own Down in its own packet is its leave: applied at once, as foca. Whatever answers our
 * check keeps the accused active, so a member that answers probes is never made Down by a liar.
 */

/** Whether `update`, in a packet from `from`, is an accusation rather than an update to apply. */
export function isAccusation<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  from: T,
): boolean {
  if (update.state !== 'down' || update.id.equals(from)) return false;
  if (update.id.equals(m.identity)) return true;
  // A Down naming another life of our addr keeps foca's handling (it marks that life Down here).
  if (update.id.addr === m.identity.addr) return false;
  // Overlay mode, and we can't reach the accused: its observers judge it, and their Down is all we
  // can go by (until Downs are signed by watchers, DESIGN.md §9).
  return canCheck(m, update.id);
}

/** Acts on an accusation (see the table above). */
export function accuse<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  update: Member<T>,
  runtime: Runtime<T>,
): void {
  const counters = m.boundCounters;
  if (update.id.equals(m.identity)) {
    counters.downsAccused++;
    m.handleSelfUpdate(update.incarnation, 'suspect', runtime);
    return;
  }
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
  // The Down is someone's conclusion from its own checks (or a lie): ours takes one more round,
  // a ping and 3 × numIndirectProbes relays, which a member that answers probes passes.
  const running = m.checks.get(id.addr, incarnation);
  if (running !== undefined && running.round > 0) return;
  runCheckRound(m, id, incarnation, CHECK_ROUNDS, runtime);
}
