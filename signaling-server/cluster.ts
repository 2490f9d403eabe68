import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';

export interface ClusterConnection {
  /** The socket.io adapter factory to pass as the server's `adapter` option. */
  readonly adapter: ReturnType<typeof createAdapter>;
  /** Closes both Redis connections. Idempotent. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;
const STARTUP_RETRIES = 5;

/**
 * Connects the two Redis clients socket.io's Redis adapter needs (one publishes, one subscribes).
 * Rejects with a clear error when Redis refuses connections for ~2 s (or does not answer in 10 s); later outages are logged and
 * retried by the client, during which cross-instance lookups fail and answer `internal`.
 */
export async function connectCluster(url: string, logger: Logger): Promise<ClusterConnection> {
  let ready = false;
  // At startup, give up after ~2 s of refused connections; once up, retry outages forever.
  const reconnectStrategy = (retries: number, cause: Error): number | Error =>
    ready || retries < STARTUP_RETRIES
      ? Math.min(100 * (retries + 1), 2_000)
      : new Error(`cannot reach Redis at ${redactUrl(url)}: ${cause.message}`);
  const pub = createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy } });
  const sub = pub.duplicate();
  for (const [role, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    // Without a listener, a dropped Redis connection would be an uncaught 'error' event.
    client.on('error', (error: Error) => logger.warn({ err: error, role }, 'redis connection error'));
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([pub.connect(), sub.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`cannot reach Redis at ${redactUrl(url)} within ${CONNECT_TIMEOUT_MS} ms`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
    ready = true;
  } catch (error) {
    for (const client of [pub, sub]) if (client.isOpen) client.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let closed: Promise<void> | undefined;
  return {
    adapter: createAdapter(pub, sub, { key: 'shoal-signaling' }),
    close: () => {
      closed ??= Promise.allSettled([pub.quit(), sub.quit()]).then(() => undefined);
      return closed;
    },
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
