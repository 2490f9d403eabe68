import { seededRng } from '../../shared/swim/seeded-rng';
import type { Metadata } from './metadata';
import { type JoinRoomOptions, resolveOptions } from './options';
import { Room, type RoomDeps } from './room';

/** What an environment supplies to `makeJoinRoom`; the core's randomness is seeded here if absent. */
export type JoinRoomDeps = Omit<RoomDeps, 'rng'> & Partial<Pick<RoomDeps, 'rng'>>;

/** A 32-bit seed from the platform's CSPRNG, so every tab probes in its own order. */
function randomSeed(): number {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return word[0]!;
}

/**
 * Builds `joinRoom` for an environment (browser, Node, tests). The returned function validates its
 * options (throwing `RoomOptionsError` before anything is created) and returns the room at once: it
 * connects in the background, which `status` events tell.
 */
export function makeJoinRoom(deps: JoinRoomDeps) {
  return function joinRoom<M extends Metadata = Metadata>(options: JoinRoomOptions<M>): Room<M> {
    const resolved = resolveOptions<M>(options);
    return new Room<M>(resolved, { ...deps, rng: deps.rng ?? seededRng(randomSeed()) });
  };
}
