import { type RunningServer, startServer } from './server';
import type { StartServerOptions } from './server-options';

/** `createSignalingServer`'s options: `startServer`'s, with the port and host also given to `listen`. */
export type SignalingServerOptions = StartServerOptions;

/** A signaling server that is not listening yet; `listen` starts it, `close` stops it. */
export interface SignalingServer {
  /**
   * Binds and serves (socket.io, /healthz, /metrics, static files). `port` and `host` override the
   * options'. Rejects on bad options, when the port cannot be bound, or when already listening.
   */
  listen(port?: number, host?: string): Promise<RunningServer>;
  /** Disconnects every socket and stops listening; resolves at once when not listening. Idempotent. */
  close(): Promise<void>;
  /** The running server (port, url, metrics) while listening, else `undefined`. */
  readonly running: RunningServer | undefined;
}

/**
 * The signaling server as a library, for apps that host it themselves:
 * `await createSignalingServer({ corsOrigins: ['https://app.example'] }).listen(8080)`.
 * Creating it does nothing; the options are checked by `listen`.
 */
export function createSignalingServer(options: SignalingServerOptions = {}): SignalingServer {
  let running: RunningServer | undefined;
  let starting: Promise<RunningServer> | undefined;
  return {
    get running() {
      return running;
    },
    listen(port, host) {
      if (starting !== undefined)
        return Promise.reject(new Error('the signaling server is already listening'));
      starting = startServer({
        ...options,
        ...(port === undefined ? {} : { port }),
        ...(host === undefined ? {} : { host }),
      }).then(
        (server) => {
          running = server;
          return server;
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
    async close() {
      const pending = starting;
      if (pending === undefined) return;
      const server = await pending.catch(() => undefined);
      await server?.close();
      running = undefined;
      starting = undefined;
    },
  };
}
