import type { ByteReader, ByteWriter, IdentityCodec } from './codec';
import type { Identity } from './identity';
import { MEMBER_ADDR_PATTERN } from './limits';
import type { Rng } from './rng';

/** Bytes in a browser address. */
export const ADDR_BYTES = 16;
/** Largest generation: `renew()` stops here (auto-rejoin is then disabled). */
export const MAX_GENERATION = 0xffff;
/** Bytes one `BrowserIdentity` takes on the wire: the address, then a u16 generation. */
export const BROWSER_IDENTITY_WIRE_SIZE = ADDR_BYTES + 2;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

type Words = readonly [number, number, number, number];

function wordHex(w: number): string {
  return HEX[w >>> 24]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;
}

function wordsOfBytes(raw: Uint8Array): Words {
  const at = (i: number) => ((raw[i]! << 24) | (raw[i + 1]! << 16) | (raw[i + 2]! << 8) | raw[i + 3]!) >>> 0;
  return [at(0), at(4), at(8), at(12)];
}

function wordsOfHex(addr: string): Words {
  const at = (i: number) => Number.parseInt(addr.slice(8 * i, 8 * i + 8), 16) >>> 0;
  return [at(0), at(1), at(2), at(3)];
}

function checkGeneration(generation: number): void {
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw new TypeError(`generation must be an integer in 0..${MAX_GENERATION}, got ${generation}`);
  }
}

/**
 * A browser tab's identity: a 128-bit address and a 16-bit generation that a reload or an automatic
 * rejoin bumps, so peers see a rename, not a leave and a join. Immutable.
 *
 * The address is the member's key (DESIGN.md §9): the first 16 bytes of SHA-256 of its Ed25519
 * public key (`addrOfPublicKey` in shared/signaling, which the host calls; the core hashes nothing),
 * kept with the key across reloads. The wire form is unchanged: 16 address bytes and the generation.
 */
export class BrowserIdentity implements Identity {
  /** 32 lowercase hex chars: the key members are stored by. */
  readonly addr: string;
  /** 0..65535; higher wins an address conflict. */
  readonly generation: number;
  /** The address as four big-endian u32 words: how the codec reads, writes and compares it. */
  readonly words: Words;
  // Filled on first encode; a # field stays out of deep equality and of the object's shape changes.
  #wire: Uint8Array | undefined = undefined;
  #raw: Uint8Array | undefined = undefined;

  private constructor(words: Words, generation: number, addr?: string) {
    this.words = words;
    this.generation = generation;
    this.addr = addr ?? wordHex(words[0]) + wordHex(words[1]) + wordHex(words[2]) + wordHex(words[3]);
  }

  /** A random address from `rng`, for the simulator and tests (a tab's comes from its key). Throws `TypeError` on a bad generation. */
  static random(rng: Rng, generation = 0): BrowserIdentity {
    checkGeneration(generation);
    const word = () => Math.floor(rng.next() * 0x1_0000_0000) >>> 0;
    return new BrowserIdentity([word(), word(), word(), word()], generation);
  }

  /**
   * The identity for a stored address. Accepts upper-case hex (stored lower-case). Throws `TypeError`
   * unless `addr` is 32 hex chars and `generation` an integer in 0..65535.
   */
  static fromHex(addr: string, generation: number): BrowserIdentity {
    if (typeof addr !== 'string') throw new TypeError(`addr must be a string, got ${typeof addr}`);
    const lower = addr.toLowerCase();
    if (!MEMBER_ADDR_PATTERN.test(lower))
      throw new TypeError(`addr must be 32 hex chars, got ${JSON.stringify(addr)}`);
    checkGeneration(generation);
    return new BrowserIdentity(wordsOfHex(lower), generation, lower);
  }

  /** The identity for 16 raw address bytes. Throws `TypeError` on a bad length or generation. */
  static fromBytes(raw: Uint8Array, generation: number): BrowserIdentity {
    if (raw.length !== ADDR_BYTES) throw new TypeError(`addr must be ${ADDR_BYTES} bytes, got ${raw.length}`);
    checkGeneration(generation);
    return new BrowserIdentity(wordsOfBytes(raw), generation);
  }

  /** For the codec: words straight off the wire (a u32 and a u16 are always in range). */
  static fromWords(w0: number, w1: number, w2: number, w3: number, generation: number): BrowserIdentity {
    checkGeneration(generation);
    return new BrowserIdentity([w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0], generation);
  }

  /** The address as 16 raw bytes: shared and cached, never mutate it. */
  get raw(): Uint8Array {
    let raw = this.#raw;
    if (raw === undefined) {
      raw = BrowserIdentity.wireOf(this).subarray(0, ADDR_BYTES);
      this.#raw = raw;
    }
    return raw;
  }

  /** Appends the 18-byte wire form to `w`. */
  static write(w: ByteWriter, id: BrowserIdentity): void {
    w.bytes(BrowserIdentity.wireOf(id));
  }

  private static wireOf(id: BrowserIdentity): Uint8Array {
    let wire = id.#wire;
    if (wire === undefined) {
      wire = new Uint8Array(BROWSER_IDENTITY_WIRE_SIZE);
      const dv = new DataView(wire.buffer);
      for (let i = 0; i < 4; i++) dv.setUint32(4 * i, id.words[i]!);
      dv.setUint16(ADDR_BYTES, id.generation);
      id.#wire = wire;
    }
    return wire;
  }

  /** Same address and same generation. */
  equals(other: BrowserIdentity): boolean {
    return this.generation === other.generation && this.addr === other.addr;
  }

  /** The same address one generation later; `undefined` at 65535 (no more automatic rejoins). */
  renew(): this | undefined {
    if (this.generation >= MAX_GENERATION) return undefined;
    return new BrowserIdentity(this.words, this.generation + 1, this.addr) as this;
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

/** Options of a `BrowserIdentityCodec`. */
export interface BrowserIdentityCodecInit {
  /** Identities remembered so a known one is decoded without building a new string. 0 disables. */
  readonly cacheSize?: number;
}

/**
 * Wire form of a `BrowserIdentity`: 16 raw address bytes, then the u16 generation (18 bytes).
 * Decoding returns the same object for an identity it decoded recently: most identities in a packet
 * are known members, and reusing them skips the hex string (and its hashing in every `Map` lookup).
 * The cache is direct-mapped and bounded; it holds only immutable values, so sharing it is safe.
 */
export class BrowserIdentityCodec implements IdentityCodec<BrowserIdentity> {
  private readonly cache = new Map<number, BrowserIdentity>();
  private readonly cacheSize: number;

  constructor(init: BrowserIdentityCodecInit = {}) {
    this.cacheSize = init.cacheSize ?? 16_384;
  }

  /** Writes the 18-byte wire form (see PROTOCOL.md). */
  write(w: ByteWriter, id: BrowserIdentity): void {
    BrowserIdentity.write(w, id);
  }

  /** Reads the 18-byte wire form; throws (the core reports `decode`) if the bytes run out. */
  read(r: ByteReader): BrowserIdentity {
    const w0 = r.u32();
    const w1 = r.u32();
    const w2 = r.u32();
    const w3 = r.u32();
    const generation = r.u16();
    if (this.cacheSize === 0) return BrowserIdentity.fromWords(w0, w1, w2, w3, generation);
    // A small-integer key keeps the Map lookup cheap; a collision only costs a miss.
    const key = (w0 ^ w3 ^ Math.imul(generation, 0x9e3779b1)) & 0x3fffffff;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      const hw = hit.words;
      if (hw[0] === w0 && hw[1] === w1 && hw[2] === w2 && hw[3] === w3 && hit.generation === generation) {
        return hit;
      }
    }
    const id = BrowserIdentity.fromWords(w0, w1, w2, w3, generation);
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(key, id);
    return id;
  }
}

/** The default `BrowserIdentityCodec`, shared. */
export const browserIdentityCodec: IdentityCodec<BrowserIdentity> = new BrowserIdentityCodec();
