/**
 * Zod schemas for every inbound socket.io payload. The server validates with them; a client may use
 * them to check what it sends. Nothing here reads a clock or touches I/O.
 */
import { z } from 'zod';
import type { ErrorReason } from './events';
import {
  FORBIDDEN_KEYS,
  MAX_SESSION_ID_LENGTH,
  MAX_TOKEN_LENGTH,
  PEER_ADDR_PATTERN,
  ROOM_NAME_PATTERN,
  type SignalingLimits,
} from './limits';
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN } from './member-key';

export const roomNameSchema = z
  .string()
  .regex(ROOM_NAME_PATTERN, 'room must be 1-64 characters of A-Z a-z 0-9 _ . -');

export const peerAddrSchema = z.string().regex(PEER_ADDR_PATTERN, 'addr must be 32 lowercase hex digits');

export const sessionIdSchema = z.string().min(1).max(MAX_SESSION_ID_LENGTH);

/** Long enough for any JWT a sane app mints, short enough that verifying it is cheap. */
export const tokenSchema = z.string().min(1).max(MAX_TOKEN_LENGTH);

export const publicKeySchema = z
  .string()
  .regex(PUBLIC_KEY_PATTERN, 'publicKey must be 64 lowercase hex digits');
export const signatureSchema = z
  .string()
  .regex(SIGNATURE_PATTERN, 'signature must be 128 lowercase hex digits');

/**
 * The room, address and token of a `join`, without its proof of key. Unknown keys are refused, so a
 * typo is an error rather than a silently ignored field. The server takes `signedJoinRequestSchema`.
 */
export const joinRequestSchema = z.strictObject({
  room: roomNameSchema,
  addr: peerAddrSchema,
  token: tokenSchema.optional(),
});

/** `join` as the server takes it: the fields above plus the public key and the challenge's signature. */
export const signedJoinRequestSchema = z.strictObject({
  ...joinRequestSchema.shape,
  publicKey: publicKeySchema,
  signature: signatureSchema,
});

export const leaveRequestSchema = z.strictObject({ room: roomNameSchema });

/** `signal`: `data` is opaque to the server; its size and shape were bounded by the envelope check. */
export const signalRequestSchema = z.strictObject({
  room: roomNameSchema,
  to: peerAddrSchema,
  sessionId: sessionIdSchema,
  data: z.unknown().refine((value) => value !== undefined, 'data is required'),
});

/** The claims of a room token (HS256 JWT): which room it opens and until when (seconds since epoch). */
export const roomTokenClaimsSchema = z.object({ room: roomNameSchema, exp: z.number().int().positive() });

/** The payload schema of each inbound event (its one argument besides the ack callback). */
export const inboundEventSchemas = {
  join: signedJoinRequestSchema,
  leave: leaveRequestSchema,
  signal: signalRequestSchema,
} as const;

export type InboundEventName = keyof typeof inboundEventSchemas;

export const inboundEventNameSchema = z.enum(['join', 'leave', 'signal']);

/** What is wrong with a value as a JSON payload, or `undefined` when it is within bounds. */
export interface JsonBoundsViolation {
  readonly reason: Extract<ErrorReason, 'payload-too-large' | 'invalid-payload'>;
  readonly message: string;
}

/**
 * Walks a decoded payload without recursion (deep nesting cannot overflow the stack) and stops at the
 * first violation: more than `maxBytes` of JSON, deeper than `maxDepth`, a key such as `__proto__`,
 * or a value JSON cannot carry (binary, functions, non-finite numbers). Work is bounded by `maxBytes`.
 */
export function findJsonBoundsViolation(
  value: unknown,
  maxBytes: number,
  maxDepth: number,
): JsonBoundsViolation | undefined {
  let bytes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (v === null || typeof v === 'boolean') {
      bytes += 5;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { reason: 'invalid-payload', message: 'numbers must be finite' };
      bytes += String(v).length;
    } else if (typeof v === 'string') {
      // UTF-16 length, plus quotes: close enough to the JSON size and never an under-count for ASCII.
      bytes += v.length + 2;
    } else if (typeof v === 'object') {
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
        return { reason: 'invalid-payload', message: 'binary attachments are not accepted' };
      }
      if (item.depth >= maxDepth) {
        return { reason: 'invalid-payload', message: `payload nests deeper than ${maxDepth} levels` };
      }
      bytes += 2;
      if (Array.isArray(v)) {
        for (const element of v) {
          bytes += 1;
          stack.push({ value: element, depth: item.depth + 1 });
          if (bytes > maxBytes) break;
        }
      } else {
        for (const key of Object.keys(v)) {
          if (FORBIDDEN_KEYS.has(key)) {
            return { reason: 'invalid-payload', message: `forbidden key "${key}"` };
          }
          bytes += key.length + 4;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: item.depth + 1 });
          if (bytes > maxBytes) break;
        }
      }
    } else {
      return { reason: 'invalid-payload', message: `a ${typeof v} is not JSON` };
    }
    if (bytes > maxBytes) {
      return { reason: 'payload-too-large', message: `payload exceeds ${maxBytes} bytes` };
    }
  }
  return undefined;
}

/**
 * The envelope check run on every inbound event before its own schema: the arguments (ack excluded)
 * must be JSON within the size and depth limits. A failed issue carries its `ErrorReason` in `params`.
 */
export function eventArgsEnvelopeSchema(
  limits: Pick<SignalingLimits, 'maxPayloadBytes' | 'maxPayloadDepth'>,
) {
  return z
    .array(z.unknown())
    .length(1, 'expected one payload argument and an optional ack')
    .superRefine((args, ctx) => {
      // The args array itself is one level, so the payload gets the full depth budget below it.
      const violation = findJsonBoundsViolation(args, limits.maxPayloadBytes, limits.maxPayloadDepth + 1);
      if (violation !== undefined) {
        ctx.addIssue({ code: 'custom', message: violation.message, params: { reason: violation.reason } });
      }
    });
}

/** One line naming what a failed parse found, for the error ack. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
