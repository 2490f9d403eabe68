/** Helpers for the mesh's tests: addrs, fake SWIM packets, waiting on state without timing assertions. */
import type { PeerAddr } from '../mesh';

/** The addr numbered `n` (32 hex digits), so tests choose which side of a pair is smaller. */
export function testAddr(n: number): PeerAddr {
  return n.toString(16).padStart(32, '0');
}

/** A stand-in SWIM packet: 16 raw src addr bytes, then `bodyBytes` bytes of filler. */
export function fakeSwimPacket(src: PeerAddr, bodyBytes = 8): Uint8Array {
  const packet = new Uint8Array(16 + bodyBytes);
  for (let i = 0; i < 16; i++) packet[i] = Number.parseInt(src.slice(2 * i, 2 * i + 2), 16);
  packet.fill(0xab, 16);
  return packet;
}

/** Reads `fakeSwimPacket`'s src, as the runtime's codec-based reader would. */
export function fakeSwimSrcAddr(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  let addr = '';
  for (let i = 0; i < 16; i++) addr += bytes[i]!.toString(16).padStart(2, '0');
  return addr;
}

/** A seed for a randomized test: `MESH_SEED` when set (to replay a run), else a fresh random one. */
export function pickSeed(): number {
  const fromEnv = process.env.MESH_SEED;
  return fromEnv === undefined ? crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1 : Number(fromEnv);
}

/**
 * Resolves when `condition()` holds, polling; rejects after `timeoutMs` (generous: a slow machine is
 * not a failure, a condition that never holds is).
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
