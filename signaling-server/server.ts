import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { type ClusterConnection, connectCluster } from './cluster';
import { ClusterRoomDirectory } from './cluster-room-directory';
import { attachEventHandlers } from './event-handlers';
import { createHttpHandler } from './http-handler';
import { IpLedger, remoteIp } from './ip-ledger';
import { LocalRoomDirectory } from './local-room-directory';
import { SignalingMetrics } from './metrics';
import type { RoomDirectory } from './room-directory';
import { type ResolvedOptions, resolveOptions, type StartServerOptions } from './server-options';
import { hmacRoomAuthorizer, openRooms } from './tokens';
import type { SignalingIo } from './types';

export interface RunningServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly host: string;
  /** http://host:port, with 127.0.0.1 in place of a wildcard host. */
  readonly url: string;
  readonly options: ResolvedOptions;
  readonly io: SignalingIo;
  readonly metrics: SignalingMetrics;
  /** Disconnects every socket (clients see a transport close and reconnect), stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the signaling server: socket.io, /healthz, /metrics and the built demo page on one port.
 * Resolves once listening; rejects on bad options or when the port cannot be bound.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? (() => performance.now());
  const random = options.random ?? Math.random;
  const authorize =
    options.authorize ??
    (resolved.tokenSecret !== undefined ? hmacRoomAuthorizer(resolved.tokenSecret) : openRooms);
  const { limits } = resolved;
  const startedAt = clock();

  const cluster: ClusterConnection | undefined =
    resolved.redisUrl !== undefined ? await connectCluster(resolved.redisUrl, logger) : undefined;

  const httpServer = createServer();
  const io: SignalingIo = new Server(httpServer, {
    // Room for the payload limit plus JSON escaping; a bigger message closes the connection unread.
    maxHttpBufferSize: limits.maxPayloadBytes * 2 + 4096,
    cors: {
      origin: resolved.corsOrigins.includes('*') ? true : [...resolved.corsOrigins],
      methods: ['GET', 'POST'],
    },
    allowRequest: (req, callback) => {
      if (io.engine.clientsCount >= limits.maxConnections) {
        metrics.reject('connection', 'server-full');
        return callback('server-full', false);
      }
      if (!ipLedger.canConnect(remoteIp(req))) {
        metrics.reject('connection', 'too-many-connections');
        metrics.ipLimitRefusals.inc({ limit: 'sockets' });
        return callback('too-many-connections', false);
      }
      if (!originAllowed(req, resolved.corsOrigins)) {
        metrics.reject('connection', 'unauthorized');
        return callback('origin not allowed', false);
      }
      callback(null, true);
    },
    ...(cluster !== undefined ? { adapter: cluster.adapter } : {}),
  });

  const ipLedger = new IpLedger(limits);
  const directory: RoomDirectory =
    cluster !== undefined ? new ClusterRoomDirectory(io, random) : new LocalRoomDirectory(random);
  const metrics = new SignalingMetrics(() => ({
    connections: io.of('/').sockets.size,
    ips: ipLedger.size,
    ...directory.localStats(),
  }));

  io.on('connection', (socket) => {
    const ip = remoteIp(socket.request);
    // Handshakes that passed allowRequest together may overshoot: the count here is the one that holds.
    if (!ipLedger.connect(ip)) {
      metrics.reject('connection', 'too-many-connections');
      metrics.ipLimitRefusals.inc({ limit: 'sockets' });
      socket.disconnect(true);
      return;
    }
    metrics.connectionsTotal.inc();
    attachEventHandlers(socket, {
      ipLedger,
      ip,
      limits,
      clock,
      bootstrapPeers: resolved.bootstrapPeers,
      directory,
      authorize,
      metrics,
      logger,
    });
  });
  io.engine.on('connection_error', (error: { code?: number; message?: string; context?: unknown }) => {
    logger.debug({ code: error.code, message: error.message, context: error.context }, 'connection refused');
  });

  const handleHttp = createHttpHandler(resolved.staticDir, {
    '/healthz': (_req, res) => {
      const body = JSON.stringify({
        status: 'ok',
        uptimeSeconds: Math.round((clock() - startedAt) / 1000),
        connections: io.of('/').sockets.size,
        ...directory.localStats(),
        cluster: cluster !== undefined,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
    },
    '/metrics': async (_req, res) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    },
  });
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // socket.io answers its own path; everything else is ours.
    if (req.url?.startsWith('/socket.io/')) return;
    handleHttp(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'http handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(resolved.port, resolved.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await io.close();
    await cluster?.close();
    throw error;
  }
  const address = httpServer.address() as AddressInfo;
  const urlHost = resolved.host === '0.0.0.0' || resolved.host === '::' ? '127.0.0.1' : resolved.host;
  const url = `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${address.port}`;
  logger.info({ port: address.port, host: resolved.host, url, cluster: cluster !== undefined }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down');
      const closed = io.close();
      // Keep-alive HTTP connections would hold close() open.
      httpServer.closeAllConnections();
      await closed;
      await cluster?.close();
      logger.info('closed');
    })();
    return closing;
  };

  return { port: address.port, host: resolved.host, url, options: resolved, io, metrics, close };
}

function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  // No Origin header: not a browser page (bots, tests, the Node member); CORS does not apply.
  if (origin === undefined || allowed.includes('*')) return true;
  if (allowed.includes(origin)) return true;
  // The demo page served by this same process.
  return (
    req.headers.host !== undefined &&
    (origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`)
  );
}
