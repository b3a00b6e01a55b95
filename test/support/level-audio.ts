/**
 * Audio for the silence-gate and VAD tests, as 16 kHz mono float samples:
 * white noise at an exact RMS level, digital silence, and espeak-ng speech
 * with silence around it.
 */
import { readFileSync } from 'node:fs';

import { seededRandom } from '../../src/seeded-random.js';
import { phrase, spokenForms } from './spoken-words.js';

export const RATE = 16000;

/** Options that tell the addon the bytes are 16 kHz mono float PCM. */
export const F32 = { encoding: 'pcm_f32le', sampleRate: RATE, channels: 1 } as const;

export function bytes(samples: Float32Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

export function silence(seconds: number): Float32Array {
  return new Float32Array(Math.round(seconds * RATE));
}

/** Uniform white noise whose RMS level is exactly `dbfs`. */
export function noise(dbfs: number, seconds: number, seed = 7): Float32Array {
  const random = seededRandom(seed);
  const samples = Float32Array.from({ length: Math.round(seconds * RATE) }, () => random() - 0.5);
  return scaleTo(samples, dbfs);
}

export function rmsDbfs(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return 10 * Math.log10(sum / samples.length);
}

export function scaleTo(samples: Float32Array, dbfs: number): Float32Array {
  const gain = 10 ** ((dbfs - rmsDbfs(samples)) / 20);
  return samples.map((sample) => sample * gain);
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** espeak-ng saying `text` (words the bundled micro model knows), as samples. */
export function spoken(id: string, text: string): Float32Array {
  const raw = readFileSync(spokenForms(phrase(id, text)).f32le16kMono);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}
