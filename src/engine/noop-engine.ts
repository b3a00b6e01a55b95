/**
 * An engine that decodes nothing: it answers every chunk at once with an
 * empty transcript and the audio length as the bytes suggest. For load tests
 * and for measuring the queue layer alone, never for real work.
 */
import type { Transcription } from './model.js';
import type { TranscribeOptions } from './options.js';
import type { Transcriber } from './transcriber.js';

export class NoopEngine implements Transcriber {
  readonly name = 'noop';

  constructor(readonly capacity = 64) {}

  async transcribe(audio: Buffer, options: TranscribeOptions): Promise<Transcription> {
    const started = performance.now();
    // A cheap stand-in for the length: 16-bit mono at the stated or 16 kHz rate.
    const sampleRate = options.sampleRate ?? 16000;
    const audioMs = (audio.length / 2 / sampleRate) * 1000;
    return {
      text: '',
      segments: [],
      language: options.language ?? 'en',
      audioMs,
      // Nothing is measured: the level of what it never decoded is unknown.
      levelDbfs: null,
      timings: { queuedMs: 0, convertMs: 0, decodeMs: 0, totalMs: performance.now() - started },
    };
  }

  async close(): Promise<void> {}
}
