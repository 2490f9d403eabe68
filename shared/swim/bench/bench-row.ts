/** One timing: how many operations a second, and nanoseconds each. */
export interface Measured {
  opsPerSec: number;
  nsPerOp: number;
}

/** A row of `npm run bench:core` (and of its `--json` output). */
export interface Row {
  bench: string;
  case: string;
  bytes: number | null;
  opsPerSec: number | null;
  nsPerOp: number | null;
  note?: string;
}
