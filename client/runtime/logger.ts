/** A structured logger the library writes to; silent unless the app passes one (e.g. `console`). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const nothing = (): void => {};

/** Drops everything: the default, so the library never writes to the console on its own. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
