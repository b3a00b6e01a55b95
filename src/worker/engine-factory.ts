/**
 * Picks the engine a worker runs: a whisper model by path, the project's
 * default model, or the no-op engine for load tests.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from 'pino';

import { loadModel } from '../engine/model.js';
import { NoopEngine } from '../engine/noop-engine.js';
import type { Transcriber } from '../engine/transcriber.js';
import { ensureRandomModel } from '../tools/random-model.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EngineChoice {
  engine: 'whisper' | 'noop';
  model?: string | undefined;
  concurrency?: number | undefined;
  threads?: number | undefined;
  useGpu: boolean;
}

/**
 * Until the project bundles a trained model, the default is a generated
 * random-weight model: it exercises the whole path, and its words are noise.
 */
export async function defaultModelPath(): Promise<string> {
  return ensureRandomModel(path.join(projectRoot, 'models', 'generated'), 'test', 1);
}

export async function createEngine(choice: EngineChoice, logger: Logger): Promise<Transcriber> {
  if (choice.engine === 'noop') {
    logger.warn('engine: no-op (answers every task with empty text; for load tests only)');
    return new NoopEngine(choice.concurrency ?? 64);
  }

  let modelPath = choice.model;
  if (modelPath === undefined) {
    modelPath = await defaultModelPath();
    logger.warn(
      { model: modelPath },
      'no model given: using the default generated model (random weights, its words are ' +
        'noise); pass --model or ASR_MODEL with a real whisper model',
    );
  }

  const model = await loadModel(
    modelPath,
    {
      states: choice.concurrency ?? 1,
      ...(choice.threads !== undefined && { threads: choice.threads }),
      useGpu: choice.useGpu,
    },
    logger,
  );
  const info = model.info();
  logger.info(
    { model: modelPath, backend: info.backend, states: info.states, threads: info.threads },
    `model loaded: ${info.type} shape, ${info.backend} backend`,
  );
  return model;
}
