/**
 * Where the SDK writes what it does. Any object with these four methods works (`console`, pino,
 * a test spy); the default is silent.
 */
export interface CascadeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => undefined;

export const silentLogger: CascadeLogger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};
