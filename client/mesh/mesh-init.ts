/**
 * Options for a mesh (`…Init`, kept apart from the link driver it is built with), their defaults, and
 * their validation: a bad option throws `InvalidMeshInitError` before anything is created.
 */

import { type Logger, silentLogger } from '../../shared/host/index';
import type { RateLimit } from '../../shared/signaling/limits';
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
import { MAX_FRAME_PAYLOAD_BYTES, MAX_RELAY_TTL, RELAY_FORWARD_FANOUT, RELAY_RATE_LIMIT } from './limits';
import type { PeerAddr, ServerSignaling } from './mesh';
import type { LinkIdentity } from './signal-auth';

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
  /** Hops a relayed signal may take past its first. Default and most: `MAX_RELAY_TTL` (3). */
  readonly relayTtl?: number;
  /** Links our own signal is flooded on when we hold no link to its target and no route. Default 3. */
  readonly relayFanout?: number;
  /**
   * Links a relay forwards another member's signal on when it holds no link to the target and no
   * route. Default `RELAY_FORWARD_FANOUT` (1: a relay never multiplies a frame), at most `relayFanout`.
   */
  readonly relayForwardFanout?: number;
  /** Relayed-signal frames accepted per link; past it they are dropped unread. Default `RELAY_RATE_LIMIT`. */
  readonly relayRateLimit?: RateLimit;
  /**
   * Our key (its addr must be `self`) and room: every signal we originate is signed with it, and every
   * signal addressed to us must carry a valid signature by its sender for this room, or is dropped
   * (`signalsRejected`). `joinRoom` always passes one. Without it, signals are neither signed nor
   * checked: only for meshes of hand-made addrs in tests.
   */
  readonly identity?: LinkIdentity;
}

/** A rejected option; nothing was created. */
export class InvalidMeshInitError extends Error {
  static readonly NAME = 'InvalidMeshInitError';
  override readonly name = InvalidMeshInitError.NAME;
}

export type ResolvedMeshInit = Required<Omit<MeshInit, 'server' | 'identity'>> & {
  readonly server?: ServerSignaling;
  readonly identity?: LinkIdentity;
};

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
    relayTtl: checkInt('relayTtl', init.relayTtl ?? MAX_RELAY_TTL, 0, MAX_RELAY_TTL),
    relayFanout: checkInt('relayFanout', init.relayFanout ?? 3, 1, 64),
    relayForwardFanout: checkInt(
      'relayForwardFanout',
      init.relayForwardFanout ?? Math.min(RELAY_FORWARD_FANOUT, init.relayFanout ?? 3),
      1,
      init.relayFanout ?? 3,
    ),
    relayRateLimit: checkRate('relayRateLimit', init.relayRateLimit ?? RELAY_RATE_LIMIT),
  };
  const identity = init.identity;
  if (identity !== undefined && identity.key?.addr !== resolved.self) {
    throw new InvalidMeshInitError('identity.key must be the key of self (its addr)');
  }
  if (resolved.backoffMaxMs < resolved.backoffBaseMs) {
    throw new InvalidMeshInitError(
      `backoffMaxMs (${resolved.backoffMaxMs}) must be at least backoffBaseMs (${resolved.backoffBaseMs})`,
    );
  }
  return {
    ...resolved,
    ...(init.server === undefined ? {} : { server: init.server }),
    ...(identity === undefined ? {} : { identity }),
  };
}

function checkRate(name: string, value: RateLimit): RateLimit {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    Number.isFinite(value.ratePerSecond) &&
    value.ratePerSecond > 0 &&
    Number.isFinite(value.burst) &&
    value.burst >= 1;
  if (!ok) throw new InvalidMeshInitError(`${name} must be { ratePerSecond > 0, burst >= 1 }`);
  return value;
}
