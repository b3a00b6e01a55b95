/**
 * The process logger: JSON lines for machines, pretty lines in a terminal.
 * Library code never creates its own; it takes this one (or a child).
 */
import { pino, type Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export class LogLevelError extends Error {
  override readonly name = 'LogLevelError';
  readonly code = 'INVALID_CONFIG';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.ASR_LOG_LEVEL ?? 'info';
  // pino's own refusal speaks of "custom levels" and lists none.
  if (!LEVELS.includes(level)) {
    throw new LogLevelError(
      `log level '${level}' (--log-level, ASR_LOG_LEVEL) is not one of ${LEVELS.join(', ')}`,
    );
  }
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !process.env.CI);
  if (!pretty) return pino({ level });

  return pino({
    level,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' },
    },
  });
}

/**
 * An error as a log line may show it: message and code. Never the whole
 * object: a Redis error carries the failed command's arguments, and AUTH's
 * argument is the password; stacks of connection errors only add noise.
 */
export function errorSummary(error: unknown): { message: string; code?: string } {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  return {
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' && { code }),
  };
}
