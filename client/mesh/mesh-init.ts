/**
 * Options for a mesh (`…Init`, kept apart from the link driver it is built with), their defaults, and
 * their validation: a bad option throws `InvalidMeshInitError` before anything is created.
 */

import { type Logger, silentLogger } from '../../shared/host/index';
import {
  DEFAULT_MAX_PACKET_SIZE,
  isMemberAddr,
  MIN_PACKET_SIZE,
  type Rng,
  seededRng,
} from '../../shared/swim/index';
import { type Clock, systemClock } from '../runtime/clock';
import type { ConnectionPolicy } from './connection-policy';
import { fullMeshPolicy } from './connection-policy';
import { MAX_FRAME_PAYLOAD_BYTES } from './limits';
import type { PeerAddr, ServerSignaling } from './mesh';
import { MAX_RELAY_TTL } from './signal-frame';

export interface MeshInit {
  /** Our own addr (32 lowercase hex digits). */
  readonly self: PeerAddr;
  /**
   * Reads a SWIM packet's header src addr (the runtime passes one built on the SWIM codec), or
   * `undefined` when the packet cannot be read. A packet whose src is not the channel's peer is dropped.
   */
  readonly swimSrcAddr: (bytes: Uint8Array) => string | undefined;
  /** The bootstrap path through the signaling server; without it, only mesh-relayed signaling works. */
  readonly server?: ServerSignaling;
  /** Most links held at once (open, negotiating or backing off). Default 32. */
  readonly maxConnections?: number;
  /** Which peers to hold within the budget. Default: everyone (full mesh). */
  readonly policy?: ConnectionPolicy;
  /**
   * Largest SWIM packet sent or accepted, in bytes: `MIN_PACKET_SIZE` (64) to one frame's payload
   * (`MAX_FRAME_PAYLOAD_BYTES`, 16,383). Default `DEFAULT_MAX_PACKET_SIZE` (1,200).
   */
  readonly maxPacketSize?: number;
  /** Largest app message sent or accepted, in bytes. Default `MAX_FRAME_PAYLOAD_BYTES` (16,383). */
  readonly maxAppSize?: number;
  /**
   * Randomness for loss, jitter, relay choice and session ids. Default: a generator seeded from
   * `crypto.getRandomValues` (pass `seededRng(seed)` for a replayable run).
   */
  readonly rng?: Rng;
  /** Where the mesh reports what it does. Default: silent. */
  readonly logger?: Logger;
  /** What the mesh schedules retries, timeouts and backoff on. Default: the system clock. */
  readonly clock?: Clock;
  /** An attempt that has not opened a link after this long is abandoned and retried. Default 10,000 ms. */
  readonly connectTimeoutMs?: number;
  /** An offer or request not answered after this long is sent again. Default 1,500 ms. */
  readonly signalRetryMs?: number;
  /** Sends of an offer or request through the mesh before falling back to the server. Default 3. */
  readonly meshSignalTries?: number;
  /** First retry delay after a failed attempt; doubles per failure, with jitter. Default 1,000 ms. */
  readonly backoffBaseMs?: number;
  /** Cap on the retry delay. Default 30,000 ms. */
  readonly backoffMaxMs?: number;
  /** Hops a relayed signal may take past its first. Default 3 (at most `MAX_RELAY_TTL`). */
  readonly relayTtl?: number;
  /** Links a relay forwards a signal on when it has no link to the target. Default 3. */
  readonly relayFanout?: number;
}

/** A rejected option; nothing was created. */
export class InvalidMeshInitError extends Error {
  static readonly NAME = 'InvalidMeshInitError';
  override readonly name = InvalidMeshInitError.NAME;
}

export type ResolvedMeshInit = Required<Omit<MeshInit, 'server'>> & { readonly server?: ServerSignaling };

/** A fresh, unpredictable generator for a mesh that was given none. */
function randomRng(): Rng {
  return seededRng(crypto.getRandomValues(new Uint32Array(1))[0]!);
}

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidMeshInitError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Fills in defaults and validates. Throws `InvalidMeshInitError` on a bad option. */
export function resolveMeshInit(init: MeshInit): ResolvedMeshInit {
  if (!isMemberAddr(init.self)) {
    throw new InvalidMeshInitError(`self must be 32 lowercase hex digits, got ${JSON.stringify(init.self)}`);
  }
  if (typeof init.swimSrcAddr !== 'function')
    throw new InvalidMeshInitError('swimSrcAddr must be a function');
  const resolved: ResolvedMeshInit = {
    self: init.self,
    swimSrcAddr: init.swimSrcAddr,
    maxConnections: checkInt('maxConnections', init.maxConnections ?? 32, 1, 500),
    policy: init.policy ?? fullMeshPolicy,
    maxPacketSize: checkInt(
      'maxPacketSize',
      init.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
      MIN_PACKET_SIZE,
      MAX_FRAME_PAYLOAD_BYTES,
    ),
    maxAppSize: checkInt('maxAppSize', init.maxAppSize ?? MAX_FRAME_PAYLOAD_BYTES, 1, 256 * 1024),
    rng: init.rng ?? randomRng(),
    logger: init.logger ?? silentLogger,
    clock: init.clock ?? systemClock,
    connectTimeoutMs: checkInt('connectTimeoutMs', init.connectTimeoutMs ?? 10_000, 1),
    signalRetryMs: checkInt('signalRetryMs', init.signalRetryMs ?? 1_500, 1),
    meshSignalTries: checkInt('meshSignalTries', init.meshSignalTries ?? 3, 0, 100),
    backoffBaseMs: checkInt('backoffBaseMs', init.backoffBaseMs ?? 1_000, 1),
    backoffMaxMs: checkInt('backoffMaxMs', init.backoffMaxMs ?? 30_000, 1),
    relayTtl: checkInt('relayTtl', init.relayTtl ?? 3, 0, MAX_RELAY_TTL),
    relayFanout: checkInt('relayFanout', init.relayFanout ?? 3, 1, 64),
  };
  if (resolved.backoffMaxMs < resolved.backoffBaseMs) {
    throw new InvalidMeshInitError(
      `backoffMaxMs (${resolved.backoffMaxMs}) must be at least backoffBaseMs (${resolved.backoffBaseMs})`,
    );
  }
  return init.server === undefined ? resolved : { ...resolved, server: init.server };
}
