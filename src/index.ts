export { loadModel, Model } from './engine/model.js';
export type { AudioInput, ModelInfo, Segment, Transcription } from './engine/model.js';
export type { AudioEncoding, LoadModelOptions, TranscribeOptions } from './engine/options.js';
export { decodeAudio } from './engine/decode-audio.js';
export type { DecodedAudio } from './engine/decode-audio.js';
export { EngineError, ENGINE_ERROR_CODES } from './engine/engine-error.js';
export type { EngineErrorCode } from './engine/engine-error.js';
export { createLogger } from './logger.js';
export type { Task, TaskEncoding } from './protocol/task.js';
export type { TaskResult, ResultSegment, ChunkQuality, SkipReason } from './protocol/result.js';
export type {
  SessionMessage,
  SessionUpdate,
  SessionComplete,
  SessionIncomplete,
  SessionSegment,
} from './sessions/messages.js';
