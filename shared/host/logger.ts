/**
 * The one structured logger of the tree: the library writes to it, the app passes one in (e.g.
 * `console`, or a pino instance); silent unless given.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const nothing = (): void => {};

/** Drops everything: the default, so the library never writes to the console on its own. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
