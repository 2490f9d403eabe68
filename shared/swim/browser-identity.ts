import type { ByteReader, ByteWriter, IdentityCodec } from './codec';
import type { Identity } from './identity';
import type { Rng } from './rng';

/** Bytes in a browser address. */
export const ADDR_BYTES = 16;
/** Largest generation: `renew()` stops here (auto-rejoin is then disabled). */
export const MAX_GENERATION = 0xffff;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_RE = /^[0-9a-f]{32}$/;

function toHex(raw: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ADDR_BYTES; i++) s += HEX[raw[i]!];
  return s;
}

function fromHexUnchecked(addr: string): Uint8Array {
  const raw = new Uint8Array(ADDR_BYTES);
  for (let i = 0; i < ADDR_BYTES; i++) raw[i] = Number.parseInt(addr.slice(2 * i, 2 * i + 2), 16);
  return raw;
}

function checkGeneration(generation: number): void {
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw new TypeError(`generation must be an integer in 0..${MAX_GENERATION}, got ${generation}`);
  }
}

/**
 * A browser tab's identity: a random 128-bit address (kept across reloads in sessionStorage) and a
 * 16-bit generation that a reload or an automatic rejoin bumps, so peers see a rename, not a leave
 * and a join. Immutable.
 */
export class BrowserIdentity implements Identity {
  /** 32 lowercase hex chars: the key members are stored by. */
  readonly addr: string;
  /** 0..65535; higher wins an address conflict. */
  readonly generation: number;
  /** The address as 16 raw bytes, for the codec. Never mutated. */
  readonly raw: Uint8Array;

  private constructor(addr: string, raw: Uint8Array, generation: number) {
    this.addr = addr;
    this.raw = raw;
    this.generation = generation;
  }

  /** A fresh random address from `rng`. Throws `TypeError` on a bad generation. */
  static random(rng: Rng, generation = 0): BrowserIdentity {
    checkGeneration(generation);
    const raw = new Uint8Array(ADDR_BYTES);
    for (let i = 0; i < ADDR_BYTES; i++) raw[i] = Math.floor(rng.next() * 256) & 0xff;
    return new BrowserIdentity(toHex(raw), raw, generation);
  }

  /**
   * The identity for a stored address. Accepts upper-case hex (stored lower-case). Throws `TypeError`
   * unless `addr` is 32 hex chars and `generation` an integer in 0..65535.
   */
  static fromHex(addr: string, generation: number): BrowserIdentity {
    if (typeof addr !== 'string') throw new TypeError(`addr must be a string, got ${typeof addr}`);
    const lower = addr.toLowerCase();
    if (!HEX_RE.test(lower)) throw new TypeError(`addr must be 32 hex chars, got ${JSON.stringify(addr)}`);
    checkGeneration(generation);
    return new BrowserIdentity(lower, fromHexUnchecked(lower), generation);
  }

  /** The identity for 16 raw address bytes (copied). Throws `TypeError` on a bad length or generation. */
  static fromBytes(raw: Uint8Array, generation: number): BrowserIdentity {
    if (raw.length !== ADDR_BYTES) throw new TypeError(`addr must be ${ADDR_BYTES} bytes, got ${raw.length}`);
    checkGeneration(generation);
    return new BrowserIdentity(toHex(raw), raw.slice(), generation);
  }

  /** Same address and same generation. */
  equals(other: BrowserIdentity): boolean {
    return this.generation === other.generation && this.addr === other.addr;
  }

  /** The same address one generation later; `undefined` at 65535 (no more automatic rejoins). */
  renew(): this | undefined {
    if (this.generation >= MAX_GENERATION) return undefined;
    return new BrowserIdentity(this.addr, this.raw, this.generation + 1) as this;
  }

  /** The higher generation stays (the newer life of the tab); `this` stays on a tie. */
  winsAddrConflict(other: BrowserIdentity): boolean {
    return this.generation >= other.generation;
  }

  /** `3f2a9c01…#2`: the first 8 hex chars and the generation. */
  toString(): string {
    return `${this.addr.slice(0, 8)}…#${this.generation}`;
  }
}

/** Wire form of a `BrowserIdentity`: 16 raw address bytes, then the u16 generation (18 bytes). */
export const browserIdentityCodec: IdentityCodec<BrowserIdentity> = {
  write(w: ByteWriter, id: BrowserIdentity): void {
    w.bytes(id.raw);
    w.u16(id.generation);
  },
  read(r: ByteReader): BrowserIdentity {
    const raw = r.bytes(ADDR_BYTES);
    const generation = r.u16();
    return BrowserIdentity.fromBytes(raw, generation);
  },
};

/** Bytes one `BrowserIdentity` takes on the wire. */
export const BROWSER_IDENTITY_WIRE_SIZE = ADDR_BYTES + 2;
