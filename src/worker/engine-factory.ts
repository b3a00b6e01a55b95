/**
 * Picks the engine a worker runs: a whisper model by path, the bundled
 * micro model, or the no-op engine for load tests.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from 'pino';

import { loadModel } from '../engine/model.js';
import { NoopEngine } from '../engine/noop-engine.js';
import type { Transcriber } from '../engine/transcriber.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EngineChoice {
  engine: 'whisper' | 'noop';
  model?: string | undefined;
  concurrency?: number | undefined;
  threads?: number | undefined;
  useGpu: boolean;
  /** Silero VAD model for whisper.cpp's voice activity detection. */
  vadModel?: string | undefined;
}

/**
 * The model that ships with the project: trained on synthetic speech, it
 * knows forty words (digits and commands; models/README.md). Enough to see
 * the whole path give the right words; for real speech pass a whisper model.
 */
export const BUNDLED_MODEL_PATH = path.join(projectRoot, 'models', 'ggml-micro-en.bin');

export async function createEngine(choice: EngineChoice, logger: Logger): Promise<Transcriber> {
  if (choice.engine === 'noop') {
    logger.warn('engine: no-op (answers every task with empty text; for load tests only)');
    return new NoopEngine(choice.concurrency ?? 64);
  }

  let modelPath = choice.model;
  if (modelPath === undefined) {
    modelPath = BUNDLED_MODEL_PATH;
    logger.warn(
      { model: modelPath },
      'no model given: using the bundled micro model, which knows only forty words (digits ' +
        'and commands); pass --model or ASR_MODEL with a real whisper model for real speech',
    );
  }

  const model = await loadModel(
    modelPath,
    {
      states: choice.concurrency ?? 1,
      ...(choice.threads !== undefined && { threads: choice.threads }),
      useGpu: choice.useGpu,
      ...(choice.vadModel !== undefined && { vadModelPath: choice.vadModel }),
    },
    logger,
  );
  const info = model.info();
  logger.info(
    {
      model: modelPath,
      backend: info.backend,
      states: info.states,
      threads: info.threads,
      ...(choice.vadModel !== undefined && { vad_model: choice.vadModel }),
    },
    `model loaded: ${info.type === 'unknown' ? 'a custom' : info.type} shape, ${info.backend} backend`,
  );
  return model;
}
