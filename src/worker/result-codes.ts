/**
 * What an engine failure means for the task's result. Failures of the audio
 * keep their code; a bad option that came from the task is the task's fault;
 * anything else is ours.
 */
import type { EngineErrorCode } from '../engine/engine-error.js';
import type { ResultErrorCode } from '../protocol/codes.js';

const PASSED_THROUGH: ReadonlySet<string> = new Set([
  'AUDIO_EMPTY',
  'AUDIO_INVALID',
  'AUDIO_TOO_LONG',
  'UNSUPPORTED_ENCODING',
  'INVALID_SAMPLES',
  'TIMEOUT',
]);

export function resultCodeFor(code: EngineErrorCode): ResultErrorCode {
  if (PASSED_THROUGH.has(code)) return code as ResultErrorCode;
  if (code === 'INVALID_ARGUMENT') return 'INVALID_TASK';
  return 'INTERNAL';
}
