/**
 * What the worker needs from an engine: the real whisper model, or the
 * no-op engine that load tests and the queue benchmark use.
 */
import type { Transcription } from './model.js';
import type { TranscribeOptions } from './options.js';

export interface Transcriber {
  /** Model name for results and logs (a file name, or "noop"). */
  readonly name: string;
  /** Decodes that can run at once; the worker never takes more tasks than this. */
  readonly capacity: number;
  transcribe(audio: Buffer, options: TranscribeOptions): Promise<Transcription>;
  close(): Promise<void>;
}
