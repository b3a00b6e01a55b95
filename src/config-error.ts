/**
 * A setting that cannot work (a bad flag, variable or URL). Its own module so
 * that the layers below config.ts (the Redis URL parser) can throw it without
 * importing the configuration they sit under.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
}
