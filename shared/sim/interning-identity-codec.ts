import type { ByteReader, ByteWriter, IdentityCodec } from '../swim/index';
import { BrowserIdentity } from '../swim/index';

/**
 * The browser identity codec, same bytes on the wire, whose read side hands back one shared object per
 * (addr, generation) for the whole simulation. Ten thousand members each holding ten thousand
 * identities would otherwise hold up to 10^8 copies; a real tab holds its own copy of each, so this
 * changes the simulator's memory only, not what the core sees (equal identities, same addrs).
 */
export class InterningIdentityCodec implements IdentityCodec<BrowserIdentity> {
  private readonly table = new Map<number, BrowserIdentity | BrowserIdentity[]>();

  /** Number of distinct identities seen. */
  size = 0;

  write(w: ByteWriter, id: BrowserIdentity): void {
    BrowserIdentity.write(w, id);
  }

  read(r: ByteReader): BrowserIdentity {
    const w0 = r.u32();
    const w1 = r.u32();
    const w2 = r.u32();
    const w3 = r.u32();
    const generation = r.u16();
    const key = hashWords(w0, w1, w2, w3, generation);
    const slot = this.table.get(key);
    if (slot !== undefined) {
      if (Array.isArray(slot)) {
        for (const id of slot) if (matches(id, w0, w1, w2, w3, generation)) return id;
      } else if (matches(slot, w0, w1, w2, w3, generation)) {
        return slot;
      }
    }
    const id = BrowserIdentity.fromWords(w0, w1, w2, w3, generation);
    this.add(key, slot, id);
    return id;
  }

  /** Makes `id` the shared object for its (addr, generation), e.g. a member's own identity. Returns the shared one. */
  intern(id: BrowserIdentity): BrowserIdentity {
    const [w0, w1, w2, w3] = id.words;
    const key = hashWords(w0, w1, w2, w3, id.generation);
    const slot = this.table.get(key);
    if (slot !== undefined) {
      if (Array.isArray(slot)) {
        for (const known of slot) if (known.equals(id)) return known;
      } else if (slot.equals(id)) {
        return slot;
      }
    }
    this.add(key, slot, id);
    return id;
  }

  private add(key: number, slot: BrowserIdentity | BrowserIdentity[] | undefined, id: BrowserIdentity): void {
    if (slot === undefined) this.table.set(key, id);
    else if (Array.isArray(slot)) slot.push(id);
    else this.table.set(key, [slot, id]);
    this.size++;
  }
}

function hashWords(w0: number, w1: number, w2: number, w3: number, generation: number): number {
  let h = Math.imul(w0 ^ generation, 0x9e3779b1);
  h = Math.imul(h ^ w1 ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ w3 ^ (h >>> 16), 0x27d4eb2f);
  // Small integers keep Map keys unboxed.
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

function matches(id: BrowserIdentity, w0: number, w1: number, w2: number, w3: number, g: number): boolean {
  const w = id.words;
  return w[0] === w0 && w[1] === w1 && w[2] === w2 && w[3] === w3 && id.generation === g;
}
