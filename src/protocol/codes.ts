/**
 * The codes a failed result carries in `error.code`. Producers in other
 * languages branch on these strings, so the list is part of the wire contract:
 * schemas/result.v1.json lists the same values (a test keeps them equal), and
 * docs/protocol.md says what each means and whether retrying can help.
 *
 * Engine conditions that describe the worker rather than the task (aborted,
 * closed, a missing model or addon) have no code of their own: nothing the
 * producer could change would help, so to the producer they are INTERNAL.
 */
export const RESULT_ERROR_CODES = [
  'INVALID_TASK',
  'PAYLOAD_TOO_LARGE',
  'AUDIO_NOT_FOUND',
  'AUDIO_EMPTY',
  'AUDIO_INVALID',
  'AUDIO_TOO_LONG',
  'UNSUPPORTED_ENCODING',
  'INVALID_SAMPLES',
  'TIMEOUT',
  'DUPLICATE_TASK_ID',
  'INTERNAL',
] as const;

export type ResultErrorCode = (typeof RESULT_ERROR_CODES)[number];
