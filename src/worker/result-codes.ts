/**
 * What an engine failure means for the task's result. Failures of the audio
 * keep their code; a bad option that came from the task is the task's fault;
 * anything else is ours.
 */
import type { EngineErrorCode } from '../engine/engine-error.js';
import { RESULT_ERROR_CODES, type ResultErrorCode } from '../protocol/codes.js';

const RESULT_CODES: ReadonlySet<string> = new Set(RESULT_ERROR_CODES);

export function resultCodeFor(code: EngineErrorCode): ResultErrorCode {
  if (RESULT_CODES.has(code)) return code as ResultErrorCode;
  if (code === 'INVALID_ARGUMENT') return 'INVALID_TASK';
  return 'INTERNAL';
}
