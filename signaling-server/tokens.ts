import { jwtVerify, SignJWT } from 'jose';
import { roomTokenClaimsSchema } from '../shared/signaling/index';

/** The env variable holding the HMAC secret that room tokens are signed with. */
export const TOKEN_SECRET_ENV = 'SHOAL_TOKEN_SECRET';

export interface MintRoomTokenOptions {
  /** The shared HMAC secret (the server's SHOAL_TOKEN_SECRET). */
  readonly secret: string;
  readonly room: string;
  /** Lifetime in seconds from now, or an absolute expiry as a Date. Default one hour. */
  readonly expiresIn?: number | Date;
}

/**
 * Mints a room token the default verifier accepts: an HS256 JWT with claims `room` and `exp`.
 * For app backends and tests; the secret never goes to a browser.
 */
export async function mintRoomToken(options: MintRoomTokenOptions): Promise<string> {
  const expiresIn = options.expiresIn ?? 3600;
  const exp =
    expiresIn instanceof Date
      ? Math.floor(expiresIn.getTime() / 1000)
      : Math.floor(Date.now() / 1000) + expiresIn;
  return new SignJWT({ room: options.room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(secretKey(options.secret));
}

/** Decides whether a join may enter a room. Resolves to undefined to admit, or to the refusal's message. */
export type RoomAuthorizer = (request: {
  room: string;
  token: string | undefined;
}) => Promise<string | undefined>;

/** Admits every join: rooms are open, as for the demo. */
export const openRooms: RoomAuthorizer = async () => undefined;

/**
 * The default authorizer when a secret is configured: every room requires an unexpired HS256 token
 * whose `room` claim names it.
 */
export function hmacRoomAuthorizer(secret: string): RoomAuthorizer {
  const key = secretKey(secret);
  return async ({ room, token }) => {
    if (token === undefined) return `room ${room} requires a token`;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      const claims = roomTokenClaimsSchema.safeParse(payload);
      if (!claims.success) return 'token claims are malformed';
      if (claims.data.room !== room) return `token is for another room`;
      return undefined;
    } catch (error) {
      return `token rejected: ${(error as Error).message}`;
    }
  };
}

function secretKey(secret: string): Uint8Array {
  if (secret.length === 0) throw new Error(`${TOKEN_SECRET_ENV} must not be empty`);
  return new TextEncoder().encode(secret);
}
