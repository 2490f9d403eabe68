import type { Identity } from '../swim/index';
import type { Simulator } from './simulator';

/*
 * A CPU model for the simulator (issue 12 item 6): a member's timers and packet handling run late in
 * proportion to the packets it handles. Every packet sent to a loaded member costs it
 * `costMsPerPacket` of CPU divided by its share of a core (16 tabs on 2 busy cores get a small
 * share); each tick the member is hung for what the last tick's packets cost (timers wait, packets
 * queue and are handled on resume, as in a page whose main thread is busy), at most `maxStallMs` at
 * once. Packets that arrive while it is hung cost CPU too when they are handled, so a member that
 * gets more packets than its share can handle falls further behind: the spiral of an overloaded tab.
 */

export interface CpuModelInit {
  /** CPU one handled packet costs at a full core, in ms. */
  readonly costMsPerPacket: number;
  /** How often the debt is paid (a hang per tick). Default 100 ms. */
  readonly tickMs?: number;
  /** Longest single hang. Default 5,000 ms. */
  readonly maxStallMs?: number;
}

/** The CPU model of one simulation: members get a share of a core (0 = no model) until told otherwise. */
export class CpuModel<T extends Identity> {
  private readonly share = new Map<number, number>();
  private readonly debt = new Map<number, number>();
  private readonly tickMs: number;
  private readonly maxStallMs: number;
  private running = false;
  /** CPU charged to loaded members so far, in ms (a figure for reports). */
  chargedMs = 0;

  constructor(
    private readonly sim: Simulator<T>,
    private readonly init: CpuModelInit,
  ) {
    this.tickMs = init.tickMs ?? 100;
    this.maxStallMs = init.maxStallMs ?? 5000;
    sim.onSend((_src, dst) => {
      const s = this.share.get(dst);
      if (s === undefined) return;
      this.debt.set(dst, (this.debt.get(dst) ?? 0) + this.init.costMsPerPacket / s);
    });
  }

  /** Gives `member` `share` (0..1] of a core from now on; undefined takes it off the model. */
  setShare(member: number, share: number | undefined): void {
    if (share === undefined) {
      this.share.delete(member);
      this.debt.delete(member);
      return;
    }
    if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`);
    this.share.set(member, share);
    this.startTicking();
  }

  /** Takes every member off the model (the load ends); debts not paid yet are forgiven. */
  clear(): void {
    this.share.clear();
    this.debt.clear();
  }

  private startTicking(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      for (const [member, ms] of this.debt) {
        if (ms <= 0) continue;
        this.chargedMs += ms;
        this.sim.hang(member, Math.min(this.maxStallMs, ms), { queueInbound: true });
        this.debt.set(member, 0);
      }
      if (this.share.size === 0) {
        this.running = false;
        return;
      }
      this.sim.after(this.tickMs, tick);
    };
    this.sim.after(this.tickMs, tick);
  }
}
