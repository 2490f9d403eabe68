import { RingOverlay } from './overlay';
import { RingPositionCache } from './ring-position';

/**
 * A view's fingerprint: its size and four 32-bit XORs of its members' first two ring positions.
 * Order-free and incremental (a member joining or leaving toggles its share), so members that reach
 * the same view by different paths get the same fingerprint. Two different views share one only by
 * a ~2⁻¹⁰⁰ accident.
 */
export class ViewFingerprint {
  #size = 0;
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  /** Toggles `positions` (an address's ring positions) in or out; `joined` says which way the size moves. */
  toggle(positions: readonly number[], joined: boolean): void {
    const p = positions[0]!;
    const q = positions[1] ?? p;
    this.#a ^= p % 0x1_0000_0000;
    this.#b ^= Math.floor(p / 0x20_0000);
    this.#c ^= q % 0x1_0000_0000;
    this.#d ^= Math.floor(q / 0x20_0000);
    this.#size += joined ? 1 : -1;
  }

  /** The fingerprint now, as a map key. */
  get key(): string {
    return `${this.#size}:${this.#a}:${this.#b}:${this.#c}:${this.#d}`;
  }
}

interface Entry {
  readonly overlay: RingOverlay;
  refs: number;
}

/**
 * Ring overlays shared between hosts whose views are equal (a simulator's N members, whose views
 * converge): each view is built once and held by everyone who holds that view, instead of once per
 * member (~175 B per member of the view each: 17.5 GB at N = 10,000). Overlays are keyed by their
 * view's fingerprint and counted by reference; one held by others is never changed (a holder whose
 * view moves clones it first), one held by its changer alone is changed in place. A host with a pool
 * of its own (the browser) always changes its overlay in place. Pure: no clock.
 */
export class RingPool {
  readonly positions: RingPositionCache;
  readonly #byKey = new Map<string, Entry>();
  /** Overlays built (from a view or by a clone) and changed in place, since creation. */
  built = 0;
  inPlace = 0;

  constructor(positions: RingPositionCache | number) {
    this.positions = typeof positions === 'number' ? new RingPositionCache(positions) : positions;
  }

  /** Distinct views held now. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The overlay held under `key` (one more holder), or undefined when none is. */
  acquire(key: string): RingOverlay | undefined {
    const e = this.#byKey.get(key);
    if (e === undefined) return undefined;
    e.refs++;
    return e.overlay;
  }

  /** One holder of `key` lets go; the overlay is dropped with its last holder. */
  release(key: string): void {
    const e = this.#byKey.get(key);
    if (e === undefined) return;
    if (--e.refs <= 0) this.#byKey.delete(key);
  }

  /**
   * Moves a holder of `from` (the overlay `base`, or none) to the view `to`, which differs by
   * `changes` (addr → joined). Returns the overlay of `to`: an existing one, `base` changed in place
   * when nobody else holds it, or a new one (a clone of `base` with the changes, or built from the
   * members when the changes are many). `from` is released.
   */
  move(
    from: string | undefined,
    base: RingOverlay | undefined,
    to: string,
    changes: ReadonlyMap<string, boolean>,
  ): RingOverlay {
    const found = this.acquire(to);
    if (found !== undefined) {
      if (from !== undefined) this.release(from);
      return found;
    }
    const held = from === undefined ? undefined : this.#byKey.get(from);
    let overlay: RingOverlay;
    if (base !== undefined && held !== undefined && held.refs === 1 && changes.size * 16 <= base.size) {
      this.#byKey.delete(from!);
      overlay = base;
      this.inPlace++;
    } else {
      if (from !== undefined) this.release(from);
      this.built++;
      if (base === undefined || changes.size * 16 > base.size) {
        const view = new Set(base?.addresses() ?? []);
        for (const [addr, joined] of changes) {
          if (joined) view.add(addr);
          else view.delete(addr);
        }
        this.#byKey.set(to, { overlay: new RingOverlay(view, { positions: this.positions }), refs: 1 });
        return this.#byKey.get(to)!.overlay;
      }
      overlay = base.clone();
    }
    for (const [addr, joined] of changes) {
      if (joined) overlay.add(addr);
      else overlay.remove(addr);
    }
    this.#byKey.set(to, { overlay, refs: 1 });
    return overlay;
  }
}
