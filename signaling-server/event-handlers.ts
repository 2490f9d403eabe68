import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  type Ack,
  describeIssues,
  type ErrorReason,
  eventArgsEnvelopeSchema,
  inboundEventNameSchema,
  inboundEventSchemas,
  type SignalingLimits,
  signalProofProblem,
} from '../shared/signaling/index';
import type { IpLedger } from './ip-ledger';
import { checkJoinProof, newChallenge } from './join-proof';
import type { EventLabel, SignalingMetrics } from './metrics';
import type { RoomDirectory } from './room-directory';
import { type Clock, TokenBucket } from './token-bucket';
import type { RoomAuthorizer } from './tokens';
import type { SignalingSocket } from './types';

export interface HandlerContext {
  readonly limits: SignalingLimits;
  readonly clock: Clock;
  readonly bootstrapPeers: number;
  readonly directory: RoomDirectory;
  readonly authorize: RoomAuthorizer;
  readonly metrics: SignalingMetrics;
  readonly logger: Logger;
  /** Sockets and rooms per client IP; this socket was counted in it before the handlers were attached. */
  readonly ipLedger: IpLedger;
  /** This socket's client IP address. */
  readonly ip: string;
}

type AckFn = (result: Ack<object>) => void;

/**
 * Wires one socket: sends it its join challenge, then a guard that refuses any inbound event that is
 * over a rate, too big, too deep, holds a forbidden key, has an unknown name or fails its schema (an
 * error ack when one was asked for, a metric, no state change), then the join/leave/signal handlers,
 * then cleanup on disconnect. A socket that has not joined a room within `idleSocketTimeoutMs` is
 * disconnected.
 */
export function attachEventHandlers(socket: SignalingSocket, ctx: HandlerContext): void {
  const envelope = eventArgsEnvelopeSchema(ctx.limits);
  const log = ctx.logger.child({ socket: socket.id });
  // Per socket, never shipped to other instances: a signature over it proves the key to this socket only.
  const challenge = newChallenge();
  socket.emit('challenge', { challenge });
  /** Rooms this socket is counted in for its IP (the directory's own view can change under it). */
  const ipRooms = new Set<string>();
  let everJoined = false;
  const idleTimer = setTimeout(() => {
    if (everJoined || !socket.connected) return;
    ctx.metrics.idleDisconnects.inc();
    log.debug('never joined a room: disconnected');
    socket.disconnect(true);
  }, ctx.limits.idleSocketTimeoutMs);
  idleTimer.unref?.();
  // Kept here rather than in socket.data, which the Redis adapter ships to other instances.
  const buckets = {
    events: new TokenBucket(ctx.limits.events, ctx.clock),
    joins: new TokenBucket(ctx.limits.joins, ctx.clock),
    relays: new TokenBucket(ctx.limits.relays, ctx.clock),
  };

  const refuse = (event: EventLabel, reason: ErrorReason, message: string, ack: unknown): void => {
    ctx.metrics.reject(event, reason);
    log.debug({ event, reason, message }, 'event refused');
    if (typeof ack === 'function') (ack as AckFn)({ ok: false, reason, message });
  };

  socket.use((packet, next) => {
    const [name, ...args] = packet as unknown[];
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const known = inboundEventNameSchema.safeParse(name);
    const label: EventLabel = known.success ? known.data : 'unknown';
    if (!buckets.events.take()) {
      return refuse(label, 'rate-limited', 'over the events-per-second limit', ack);
    }
    const bounded = envelope.safeParse(args);
    if (!bounded.success) {
      const reason = (bounded.error.issues[0] as { params?: { reason?: ErrorReason } }).params?.reason;
      return refuse(label, reason ?? 'invalid-payload', describeIssues(bounded.error), ack);
    }
    if (!known.success) {
      return refuse(
        'unknown',
        'invalid-payload',
        `unknown event ${JSON.stringify(String(name).slice(0, 40))}`,
        ack,
      );
    }
    const payload = (inboundEventSchemas[known.data] as z.ZodType).safeParse(args[0]);
    if (!payload.success) return refuse(label, 'invalid-payload', describeIssues(payload.error), ack);
    // Handlers see only the parsed payload and an ack that is always callable.
    packet.length = 0;
    packet.push(known.data, payload.data, typeof ack === 'function' ? ack : () => {});
    next();
  });

  // A failing dependency (Redis, a custom authorizer) answers `internal` instead of an unhandled rejection.
  const safely =
    <A extends unknown[]>(event: EventLabel, handler: (...args: A) => Promise<void>) =>
    (...args: A): void => {
      handler(...args).catch((error: unknown) => {
        log.error({ err: error, event }, 'event handler failed');
        refuse(event, 'internal', 'internal server error', args.at(-1));
      });
    };

  socket.on(
    'join',
    safely('join', async (request, ack) => {
      const { room, addr, token, publicKey, signature } = request;
      if (!buckets.joins.take())
        return refuse('join', 'rate-limited', 'over the joins-per-second limit', ack);
      // Before the token: a forged claim to someone's address costs no authorizer call.
      const badProof = checkJoinProof(challenge, room, addr, publicKey, signature);
      if (badProof !== undefined) return refuse('join', 'bad-signature', badProof, ack);
      const denied = await ctx.authorize({ room, token });
      if (denied !== undefined) return refuse('join', 'unauthorized', denied, ack);
      // The socket may have gone while the token was checked: a join now would leave a ghost.
      if (!socket.connected) return;
      // Checked after the await, so joins racing on one socket cannot overshoot the limit together.
      const alreadyIn = ctx.directory.addrOf(socket, room) !== undefined;
      if (!alreadyIn && ctx.directory.roomCountOf(socket) >= ctx.limits.maxRoomsPerSocket) {
        const message = `a socket may be in at most ${ctx.limits.maxRoomsPerSocket} rooms`;
        return refuse('join', 'too-many-rooms', message, ack);
      }
      if (!ipRooms.has(room) && !ctx.ipLedger.canJoinRoom(ctx.ip, room)) {
        ctx.metrics.ipLimitRefusals.inc({ limit: 'rooms' });
        const message = `the sockets of one IP address may be in at most ${ctx.limits.maxRoomsPerIp} rooms`;
        return refuse('join', 'too-many-rooms', message, ack);
      }
      const outcome = await ctx.directory.join(socket, room, addr, {
        maxMembersPerRoom: ctx.limits.maxMembersPerRoom,
        maxRooms: ctx.limits.maxRooms,
        bootstrapPeers: ctx.bootstrapPeers,
      });
      if (!outcome.ok) return refuse('join', outcome.reason, outcome.message, ack);
      if (!socket.connected) {
        ctx.directory.leaveAll(socket);
        return;
      }
      if (!ipRooms.has(room)) {
        ipRooms.add(room);
        ctx.ipLedger.joinRoom(ctx.ip, room);
      }
      everJoined = true;
      ctx.metrics.joins.inc();
      log.debug({ room, addr, peers: outcome.peers.length, replaced: outcome.replaced }, 'joined');
      ack({ ok: true, room, peers: outcome.peers, size: outcome.size });
    }),
  );

  socket.on(
    'leave',
    safely('leave', async ({ room }, ack) => {
      if (!(await ctx.directory.leave(socket, room))) {
        return refuse('leave', 'not-in-room', `not a member of room ${room}`, ack);
      }
      if (ipRooms.delete(room)) ctx.ipLedger.leaveRoom(ctx.ip, room);
      ctx.metrics.leaves.inc();
      log.debug({ room }, 'left');
      ack({ ok: true });
    }),
  );

  socket.on(
    'signal',
    safely('signal', async ({ room, to, sessionId, data }, ack) => {
      if (!buckets.relays.take())
        return refuse('signal', 'rate-limited', 'over the relays-per-second limit', ack);
      const from = ctx.directory.addrOf(socket, room);
      if (from === undefined)
        return refuse('signal', 'not-in-room', `join room ${room} before signaling`, ack);
      if (to === from) return refuse('signal', 'invalid-payload', 'a member cannot signal itself', ack);
      const proofProblem = signalProofProblem(data, from);
      if (proofProblem !== undefined) return refuse('signal', 'bad-signature', proofProblem, ack);
      if (!(await ctx.directory.deliver(room, to, { room, from, sessionId, data }))) {
        return refuse('signal', 'unknown-peer', `no member ${to} in room ${room}`, ack);
      }
      ctx.metrics.relayedSignals.inc();
      ack({ ok: true });
    }),
  );

  socket.on('disconnect', (reason) => {
    clearTimeout(idleTimer);
    ctx.directory.leaveAll(socket);
    ctx.ipLedger.disconnect(ctx.ip, ipRooms);
    ipRooms.clear();
    log.debug({ reason }, 'disconnected');
  });

  // socket.io reports here a packet it could not parse (broken JSON, a reserved or unknown packet
  // type); it closes the connection right after, before any handler sees the packet.
  socket.on('error', (error) => {
    ctx.metrics.reject('unknown', 'invalid-payload');
    log.debug({ err: error }, 'unparseable packet, connection closed');
  });
}
