/**
 * Paths and makers for what the native tests need: generated models, the
 * reference CLI, and speech audio in every encoding. Everything lands in the
 * git-ignored test/.fixtures folder and is made once, then reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureRandomModel } from '../../src/tools/random-model.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'test', '.fixtures');

const require = createRequire(import.meta.url);
export const WHISPER_TREE = path.join(
  path.dirname(require.resolve('nodejs-whisper/package.json')),
  'cpp',
  'whisper.cpp',
);
export const JFK_MP3 = path.join(WHISPER_TREE, 'samples', 'jfk.mp3');
export const REFERENCE_CLI = path.join(
  PROJECT_ROOT,
  'build-cmake',
  process.env.ASR_BACKEND ?? 'cpu',
  'reference',
  'whisper-cli',
);

/** A sentence espeak-ng says clearly; its words are not in any training set of ours. */
export const SPEECH_TEXT = 'The quick brown fox jumps over the lazy dog near the river bank.';

/**
 * The bundled micro model, trained on synthetic speech (40 words). Unlike
 * random weights, its output follows the audio, which cross-talk checks and
 * word-accuracy tests need.
 */
export const MICRO_MODEL = path.join(PROJECT_ROOT, 'models', 'ggml-micro-en.bin');

/** Where 'npm run prebuild:addon' puts this host's CPU prebuild (the node-gyp build). */
export const CPU_PREBUILD_DIR = path.join(
  PROJECT_ROOT,
  'prebuilt',
  'cpu',
  'prebuilds',
  `${process.platform}-${process.arch}`,
);

export function fixture(name: string): string {
  return path.join(FIXTURES_DIR, name);
}

export async function testModel(shape: 'test' | 'tiny.en' = 'test', seed = 1): Promise<string> {
  mkdirSync(FIXTURES_DIR, { recursive: true });
  return ensureRandomModel(FIXTURES_DIR, shape, seed);
}

export function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs `make(tmp)` and renames the result into place, so readers never see half a file. */
export function makeOnce(name: string, make: (tmpPath: string) => void): string {
  const target = fixture(name);
  if (existsSync(target)) return target;
  mkdirSync(path.dirname(target), { recursive: true });
  const ext = path.extname(name);
  const tmp = `${target.slice(0, target.length - ext.length)}.${process.pid}.tmp${ext}`;
  make(tmp);
  renameSync(tmp, target);
  return target;
}

export function ffmpeg(args: string[]): void {
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

export interface SpeechSet {
  name: string;
  /** The recording as an MP3 file. */
  mp3: string;
  /** 16 kHz mono 16-bit WAV made from the same samples as `s16le`. */
  wav16k: string;
  /** Raw 16 kHz mono signed 16-bit little-endian PCM. */
  s16le: string;
  /** The `s16le` samples as 32-bit floats (x / 32768). */
  f32le: string;
}

/** Both recordings the differential tests use: jfk.mp3 and synthesised speech. */
export function speechSets(): SpeechSet[] {
  const espeakWav = makeOnce('espeak-22k.wav', (tmp) =>
    run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', tmp, SPEECH_TEXT]),
  );
  const espeakMp3 = makeOnce('espeak.mp3', (tmp) =>
    ffmpeg(['-i', espeakWav, '-ar', '44100', '-ac', '2', '-b:a', '128k', tmp]),
  );
  return [deriveForms('jfk', JFK_MP3, JFK_MP3), deriveForms('espeak', espeakMp3, espeakWav)];
}

/** The synthesised speech as FLAC, for the worker's encodings test. */
export function speechFlac(): string {
  const wav = speechSets()[1]!.wav16k;
  return makeOnce('espeak.flac', (tmp) => ffmpeg(['-i', wav, '-c:a', 'flac', tmp]));
}

function deriveForms(name: string, mp3: string, source: string): SpeechSet {
  const s16le = makeOnce(`${name}-16k.s16le`, (tmp) =>
    ffmpeg(['-i', source, '-ar', '16000', '-ac', '1', '-f', 's16le', '-c:a', 'pcm_s16le', tmp]),
  );
  const wav16k = makeOnce(`${name}-16k.wav`, (tmp) =>
    ffmpeg(['-f', 's16le', '-ar', '16000', '-ac', '1', '-i', s16le, '-c:a', 'pcm_s16le', tmp]),
  );
  const f32le = makeOnce(`${name}-16k.f32le`, (tmp) => {
    const raw = readFileSync(s16le);
    const ints = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    const floats = Float32Array.from(ints, (value) => value / 32768);
    writeFileSync(tmp, Buffer.from(floats.buffer));
  });
  return { name, mp3, wav16k, s16le, f32le };
}
