import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { Message } from './payload';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { heldItemsDigest } from './view-digest';

/** The periodic timers, each on only when its config entry is set. */
export type PeriodicTask = 'periodic-announce' | 'periodic-gossip' | 'periodic-announce-down';

/**
 * A periodic timer with the current token: while connected, re-arms itself and sends its messages
 * (foca's periodic announce, gossip, and announce to Down members, which heals partitions that
 * declared each other Down). Changes no state but the backlogs' counters.
 */
export function runPeriodicTask<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  task: PeriodicTask,
  runtime: Runtime<T>,
): void {
  const c = m.config;
  const params =
    task === 'periodic-announce'
      ? c.periodicAnnounce
      : task === 'periodic-gossip'
        ? c.periodicGossip
        : c.periodicAnnounceToDownMembers;
  if (m.connection !== 'connected' || params === undefined) return;
  runtime.submitAfter({ type: task, token: m.token }, params.frequencyMs);
  switch (task) {
    case 'periodic-announce': {
      // With signed statements a Feed lists each member as its signed Alive (~117 B) and each retained
      // metadata item with its proof, so answering every periodic announce with one cost a small room
      // most of its bytes. Our digests go along (protocol 1.6): a member that holds the same members
      // lists none, one that holds the same items repeats none; anti-entropy pulls a members'
      // difference, the Feed's repair an items' one. Unsigned rooms with anti-entropy (the tabs'
      // default) send them too: their Feeds repeat every retained item. Without anti-entropy (foca's
      // presets) the announce stays foca's.
      const ae = m.antiEntropy;
      const announce: Message<T> =
        ae === undefined
          ? { type: 'announce' }
          : {
              type: 'announce',
              digest: {
                members: ae.digest.total(m.identity.addr),
                items: heldItemsDigest(m),
              },
            };
      m.chooseAndSend(params.numMembers, announce, runtime);
      return;
    }
    case 'periodic-gossip':
      if (m.out.updates.size > 0 || m.out.customs.size > 0) {
        // Lifeguard: not to suspects. A suspect may be a starved member, and a burst of gossip is CPU
        // it doesn't have; its probers' and checkers' pings carry the suspicion it must refute.
        m.chooseAndSend(
          params.numMembers,
          { type: 'gossip' },
          runtime,
          m.lifeguard ? m.isHeldAlive : undefined,
        );
      }
      return;
    case 'periodic-announce-down': {
      m.table.chooseDown(params.numMembers, m.choice, m.rng);
      const chosen = m.choice.splice(0);
      // In overlay mode a Down member we hold no link to is skipped, not held back: we chose it.
      for (const id of chosen) {
        if (m.topology === undefined || m.topology.canReach(id.addr))
          m.send(id, { type: 'announce' }, runtime);
      }
      return;
    }
  }
}
