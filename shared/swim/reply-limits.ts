/**
 * Shoal: replies a peer's packets draw without asking for one, bounded per member (issue 12, overload).
 *
 * Three answers are owed per packet in foca: a TurnUndead to every packet from a member Down to us
 * (`notifyDownMembers`), the who-we-are Gossip to every packet addressed to an older life of ours,
 * and a Feed (our biggest packet) to every Announce. In a room that flaps, a member declared Down
 * keeps sending until it hears, packets to its old identity stay in flight after it rejoined, and a
 * starved joiner announces again before its Feed arrived; each packet drew one more reply, which cost
 * the CPU whose lack made the room flap. Measured in Chromium (16 tabs, CPU throttled ×10): 2.3
 * TurnUndeads per tab per second for ~0.2 rejoins per second in the whole room.
 *
 * With `SwimInit.limitReplies`, each kind goes at most once per member identity per probe period: the
 * first packet is answered at once (a normal join is not slowed), the rest of that period's are not.
 * A lost reply is sent again on the member's next packet of a later period. The core has no clock:
 * the probe timer is its period (`nextPeriod`); a core that is not probing (disconnected) answers
 * each identity once until it is.
 */
import type { Identity } from './identity';

/** The replies `ReplyLimiter` bounds. */
export type LimitedReply = 'turn-undead' | 'who-we-are' | 'feed';

/** Replies held back so far, by kind (`Swim.replyStats`). */
export interface ReplyStats {
  /** TurnUndeads not sent: the member already got one this period. */
  readonly turnUndeadHeld: number;
  /** Who-we-are Gossips not sent to a member addressing an older life of ours. */
  readonly whoWeAreHeld: number;
  /** Feeds not sent to a member that announced again within the period. */
  readonly feedHeld: number;
}

/** Past this many entries in one period the record starts over: memory stays bounded under a storm. */
const MAX_ENTRIES = 4096;

export class ReplyLimiter {
  private readonly sent = new Set<string>();
  private turnUndeadHeld = 0;
  private whoWeAreHeld = 0;
  private feedHeld = 0;

  /**
   * Whether `kind` may go to `to` now; if so, records it for this period. A refusal is counted.
   */
  allow(kind: LimitedReply, to: Identity): boolean {
    const key = `${kind} ${to.toString()}`;
    if (!this.sent.has(key)) {
      if (this.sent.size >= MAX_ENTRIES) this.sent.clear();
      this.sent.add(key);
      return true;
    }
    if (kind === 'turn-undead') this.turnUndeadHeld++;
    else if (kind === 'who-we-are') this.whoWeAreHeld++;
    else this.feedHeld++;
    return false;
  }

  /** A probe period began: every kind may go to every member once more. */
  nextPeriod(): void {
    this.sent.clear();
  }

  stats(): ReplyStats {
    return {
      turnUndeadHeld: this.turnUndeadHeld,
      whoWeAreHeld: this.whoWeAreHeld,
      feedHeld: this.feedHeld,
    };
  }
}
