#!/usr/bin/env node
/** CLI entry: `tsx signaling-server/main.ts --help`. */
import { pino } from 'pino';
import { parseCli } from './cli';
import { startServer } from './server';

const config = parseCli(process.argv);
const logger = pino({ level: config.logLevel, base: { service: 'shoal-signaling' } });

try {
  const server = await startServer({ ...config.server, logger });
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (error) {
  logger.fatal({ err: error }, 'cannot start');
  process.exit(1);
}
