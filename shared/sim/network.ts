import type { Rng } from '../swim/index';

/** How one direction of a link between two members behaves. */
export interface LinkParams {
  /** Probability in [0, 1] that a packet is lost. */
  readonly loss: number;
  /** Fixed one-way delay in ms. */
  readonly delayMs: number;
  /** Extra delay, uniform in [0, jitterMs), drawn per packet. Packets may overtake each other. */
  readonly jitterMs: number;
}

/** A LAN link: 1 ms plus up to 1 ms of jitter, no loss (what foca's figures in DESIGN §6 used). */
export const LAN_LINK: LinkParams = { loss: 0, delayMs: 1, jitterMs: 1 };

/** Handle of a partition, to heal it later. */
export type PartitionId = number;

interface Cut {
  readonly from: Set<number>;
  readonly to: Set<number>;
}

/** Checks link parameters; throws a `RangeError` naming the bad field. Doesn't affect any state. */
export function validateLink(p: LinkParams): void {
  if (!(p.loss >= 0 && p.loss <= 1)) throw new RangeError(`loss must be in [0, 1], got ${p.loss}`);
  if (!(p.delayMs >= 0 && Number.isFinite(p.delayMs)))
    throw new RangeError(`delayMs must be ≥ 0, got ${p.delayMs}`);
  if (!(p.jitterMs >= 0 && Number.isFinite(p.jitterMs))) {
    throw new RangeError(`jitterMs must be ≥ 0, got ${p.jitterMs}`);
  }
}

/**
 * The simulated network between members (by index): per-link loss, delay and jitter, and partitions,
 * one-way ones included. Decides the fate of each packet from its own seeded `Rng`.
 */
export class NetworkModel {
  private defaults: LinkParams;
  private readonly links = new Map<number, LinkParams>();
  private readonly cuts = new Map<PartitionId, Cut>();
  private nextCut = 1;
  /** Packets `transit` dropped because of loss. */
  lost = 0;
  /** Packets `transit` dropped because of a partition. */
  cutOff = 0;

  constructor(
    private readonly rng: Rng,
    defaults: LinkParams = LAN_LINK,
  ) {
    validateLink(defaults);
    this.defaults = defaults;
  }

  /** The parameters of links that have no override. */
  get defaultLink(): LinkParams {
    return this.defaults;
  }

  /** Replaces the parameters of every link that has no override. */
  setDefaultLink(params: LinkParams): void {
    validateLink(params);
    this.defaults = params;
  }

  /** Overrides the link from `src` to `dst` (one direction). */
  setLink(src: number, dst: number, params: LinkParams): void {
    validateLink(params);
    this.links.set(linkKey(src, dst), params);
  }

  /** Removes the override of the link from `src` to `dst`, so it heals back to the default. */
  clearLink(src: number, dst: number): void {
    this.links.delete(linkKey(src, dst));
  }

  /**
   * Cuts every link from a member of `a` to a member of `b`, and from `b` to `a` unless `oneWay`.
   * Returns a handle for `heal`.
   */
  partition(a: Iterable<number>, b: Iterable<number>, options: { oneWay?: boolean } = {}): PartitionId {
    const sa = new Set(a);
    const sb = new Set(b);
    const id = this.nextCut++;
    this.cuts.set(id, { from: sa, to: sb });
    if (options.oneWay !== true) this.cuts.set(this.nextCut++, { from: sb, to: sa });
    return id;
  }

  /** Ends the partition `id` (both directions of a two-way one). */
  heal(id: PartitionId): void {
    const cut = this.cuts.get(id);
    if (cut === undefined) return;
    this.cuts.delete(id);
    // A two-way partition is stored as two cuts with consecutive ids and swapped sets.
    const twin = this.cuts.get(id + 1);
    if (twin !== undefined && twin.from === cut.to && twin.to === cut.from) this.cuts.delete(id + 1);
  }

  /** Ends every partition and removes every link override. */
  healAll(): void {
    this.cuts.clear();
    this.links.clear();
  }

  /** Whether a partition currently blocks packets from `src` to `dst`. Doesn't draw randomness. */
  isCut(src: number, dst: number): boolean {
    for (const cut of this.cuts.values()) {
      if (cut.from.has(src) && cut.to.has(dst)) return true;
    }
    return false;
  }

  /** Decides one packet's fate: its delay in ms, or -1 when it is lost or cut off. */
  transit(src: number, dst: number): number {
    if (this.cuts.size > 0 && this.isCut(src, dst)) {
      this.cutOff++;
      return -1;
    }
    const p = this.links.size > 0 ? (this.links.get(linkKey(src, dst)) ?? this.defaults) : this.defaults;
    if (p.loss > 0 && this.rng.next() < p.loss) {
      this.lost++;
      return -1;
    }
    return p.jitterMs > 0 ? p.delayMs + this.rng.next() * p.jitterMs : p.delayMs;
  }
}

function linkKey(src: number, dst: number): number {
  // Indices stay far below 2^26, so the pair packs into one exact float.
  return src * 67_108_864 + dst;
}
