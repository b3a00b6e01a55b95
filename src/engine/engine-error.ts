/**
 * Errors from the engine carry a stable string `code`; recognise them with
 * `instanceof EngineError` and `error.code`, never by their message.
 */
export const ENGINE_ERROR_CODES = [
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'AUDIO_EMPTY',
  'AUDIO_INVALID',
  'AUDIO_TOO_LONG',
  'UNSUPPORTED_ENCODING',
  'INVALID_SAMPLES',
  'INVALID_ARGUMENT',
  'ABORTED',
  'TIMEOUT',
  'CLOSED',
  'ADDON_NOT_FOUND',
  'INTERNAL',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

function isEngineErrorCode(value: unknown): value is EngineErrorCode {
  return typeof value === 'string' && (ENGINE_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * A stack trace captured where the user called us. Native calls settle on a
 * later tick, whose stack says nothing about the caller; errors are rebuilt
 * on this trace instead.
 */
export class CallSite {
  private readonly stack: string;

  constructor(skip: Function) {
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder, skip);
    this.stack = holder.stack ?? '';
  }

  /** Turns whatever the addon rejected with into an EngineError at the call site. */
  wrap(failure: unknown): EngineError {
    const error = toEngineError(failure);
    const frames = this.stack.split('\n').slice(1).join('\n');
    error.stack = `${error.name} [${error.code}]: ${error.message}\n${frames}`;
    return error;
  }
}

export function toEngineError(failure: unknown): EngineError {
  if (failure instanceof EngineError) return failure;

  const native = failure as { code?: unknown; message?: unknown } | undefined;
  const message = typeof native?.message === 'string' ? native.message : String(failure);
  const code = isEngineErrorCode(native?.code) ? native.code : 'INTERNAL';
  return new EngineError(code, message, { cause: failure });
}
