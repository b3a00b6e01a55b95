/**
 * The engine on the bundled default, in one command: loads a model (a
 * generated random-weight one unless a path is given), transcribes the
 * recording shipped in the whisper.cpp tree in several encodings at once,
 * and prints each result with its timings.
 *
 *   npm run demo                       random weights: the words are noise
 *   npm run demo -- --model ggml-base.en.bin   a real whisper model
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { decodeAudio } from './engine/decode-audio.js';
import { loadModel, type Transcription } from './engine/model.js';
import type { TranscribeOptions } from './engine/options.js';
import { createLogger } from './logger.js';
import { ensureRandomModel } from './tools/random-model.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sampleRecording(): string {
  const require = createRequire(import.meta.url);
  const tree = path.join(path.dirname(require.resolve('nodejs-whisper/package.json')), 'cpp');
  return path.join(tree, 'whisper.cpp', 'samples', 'jfk.mp3');
}

async function chooseModel(explicit: string | undefined): Promise<{ path: string; kind: string }> {
  if (explicit) return { path: explicit, kind: 'given by path' };
  const dir = path.join(projectRoot, 'models', 'generated');
  const generated = await ensureRandomModel(dir, 'test', 1);
  return { path: generated, kind: 'generated, random weights: expect noise, not words' };
}

function asPcm(samples: Float32Array, format: 's16le' | 'f32le'): Buffer {
  if (format === 'f32le')
    return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const ints = Int16Array.from(samples, (x) =>
    Math.max(-32768, Math.min(32767, Math.round(x * 32767))),
  );
  return Buffer.from(ints.buffer);
}

function printResult(label: string, result: Transcription): void {
  const t = result.timings;
  console.log(
    `\n${label}  (${(result.audioMs / 1000).toFixed(1)} s of audio, ` +
      `decode ${t.decodeMs.toFixed(0)} ms, total ${t.totalMs.toFixed(0)} ms, ` +
      `waited ${t.queuedMs.toFixed(0)} ms for a state)`,
  );
  for (const segment of result.segments) {
    const from = (segment.startMs / 1000).toFixed(2).padStart(6);
    const to = (segment.endMs / 1000).toFixed(2).padStart(6);
    console.log(`  [${from} → ${to}] ${segment.text.trim()}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' } } });
  const logger = createLogger({ level: process.env.ASR_LOG_LEVEL ?? 'warn' });
  const model = await chooseModel(values.model ?? process.env.ASR_MODEL);
  console.log(`model: ${model.path} (${model.kind})`);

  const engine = await loadModel(model.path, { states: 2 }, logger);
  const info = engine.info();
  console.log(
    `backend: ${info.backend}, ${info.states} decoding states, ${info.threads} threads each`,
  );

  const mp3 = readFileSync(sampleRecording());
  const { samples } = await decodeAudio(mp3, { encoding: 'mp3' });
  const forms: Array<[string, Buffer, TranscribeOptions]> = [
    ['jfk.mp3 as MP3', mp3, { encoding: 'mp3' }],
    ['as raw s16le PCM', asPcm(samples, 's16le'), { encoding: 'pcm_s16le', sampleRate: 16000 }],
    ['as raw f32le PCM', asPcm(samples, 'f32le'), { encoding: 'pcm_f32le', sampleRate: 16000 }],
    ['as MP3 with a sized window', mp3, { encoding: 'mp3', audioCtx: 'auto' }],
  ];

  const results = await Promise.all(
    forms.map(([, audio, options]) => engine.transcribe(audio, options)),
  );
  results.forEach((result, i) => printResult(forms[i]![0], result));
  await engine.close();

  if (!values.model && !process.env.ASR_MODEL) {
    console.log(
      '\nFor real words, pass a whisper model: npm run demo -- --model path/to/ggml-base.en.bin',
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
