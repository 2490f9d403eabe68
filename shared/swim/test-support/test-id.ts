import { BinaryCodec } from '../binary-codec';
import type { ByteReader, ByteWriter, IdentityCodec } from '../codec';
import type { Identity } from '../identity';

/**
 * A readable identity for tests, like foca's testing `ID`: a small number (the addr) and a bump (the
 * life). Only a rejoinable one renews; the flag stays local (it is not on the wire), as in foca.
 */
export class TestId implements Identity {
  readonly addr: string;
  constructor(
    readonly n: number,
    readonly bump = 0,
    readonly rejoinable = false,
  ) {
    this.addr = `m${n}`;
  }

  equals(other: TestId): boolean {
    return this.n === other.n && this.bump === other.bump;
  }

  renew(): this | undefined {
    return this.rejoinable ? (new TestId(this.n, (this.bump + 1) & 0xff, true) as this) : undefined;
  }

  winsAddrConflict(other: TestId): boolean {
    return this.bump > other.bump;
  }

  withBump(bump: number): TestId {
    return new TestId(this.n, bump, this.rejoinable);
  }

  asRejoinable(): TestId {
    return new TestId(this.n, this.bump, true);
  }

  toString(): string {
    return `${this.addr}#${this.bump}`;
  }
}

export const id = (n: number, bump = 0): TestId => new TestId(n, bump);

export const testIdCodec: IdentityCodec<TestId> = {
  write(w: ByteWriter, v: TestId): void {
    w.u16(v.n);
    w.u8(v.bump);
  },
  read(r: ByteReader): TestId {
    const n = r.u16();
    return new TestId(n, r.u8());
  },
};

export const testCodec = (): BinaryCodec<TestId> => new BinaryCodec(testIdCodec);
