/**
 * binding.gyp is the second build path (CPU only): hosts without CMake use
 * it, and the CPU prebuild that ships in the package is made with it. Its
 * addon must compute exactly what the CMake CPU addon computes: the same
 * samples from the same file, the same segments from the same model. A flag
 * that differs between the builds (-ffp-contract, an instruction set, NDEBUG)
 * shows up here first.
 *
 * The gyp addon is 'npm run build:gyp''s build/Release one or, when that was
 * moved into the package by 'npm run prebuild:addon', the CPU prebuild. CI
 * makes the prebuild before the tests and sets ASR_EXPECT_GYP_BUILD=1, so a
 * missing build fails there; elsewhere it skips, saying so in its name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeAudio, loadModel, type Model } from '../../src/index.js';
import { CPU_PREBUILD_DIR, JFK_MP3, PROJECT_ROOT, testModel } from '../support/fixtures.js';

const GYP_BUILD = path.join(PROJECT_ROOT, 'build', 'Release', 'asr_engine.node');

function gypAddon(): string {
  if (existsSync(GYP_BUILD) || !existsSync(CPU_PREBUILD_DIR)) return GYP_BUILD;
  const prebuilt = readdirSync(CPU_PREBUILD_DIR).find((name) => name.endsWith('.node'));
  return prebuilt ? path.join(CPU_PREBUILD_DIR, prebuilt) : GYP_BUILD;
}

const GYP_ADDON = gypAddon();
const CMAKE_ADDON = path.join(PROJECT_ROOT, 'build-cmake', 'cpu', 'Release', 'asr_engine.node');

const GYP_BUILT = existsSync(GYP_ADDON);
const GYP_REQUIRED = process.env.ASR_EXPECT_GYP_BUILD === '1';
const TITLE = 'node-gyp addon against the CMake addon';

/** Greedy, no temperature fallback: deterministic for both addons. */
const OPTIONS = {
  threads: 2,
  language: 'en',
  beamSize: 1,
  bestOf: 1,
  temperatureIncrement: 0,
} as const;

/** Index of the first sample that differs in value or bits, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const length = Math.min(a.length, b.length);
  const aBits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const bBits = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < length; i++) {
    if (aBits[i] !== bBits[i]) return i;
  }
  return a.length === b.length ? -1 : length;
}

describe.skipIf(!GYP_BUILT && !GYP_REQUIRED)(
  GYP_BUILT || GYP_REQUIRED
    ? TITLE
    : `${TITLE} (skipped: neither build/Release/asr_engine.node nor a CPU prebuild is built; ` +
        "'npm run build:gyp' or 'npm run prebuild:addon' builds one, ASR_EXPECT_GYP_BUILD=1 requires it)",
  () => {
    const models: Model[] = [];
    let gyp: Model;
    let cmake: Model;

    beforeAll(async () => {
      if (!GYP_BUILT) {
        throw new Error(
          `ASR_EXPECT_GYP_BUILD=1, but ${GYP_ADDON} does not exist: ` +
            "build it with 'npm run build:gyp' or 'npm run prebuild:addon' before the tests.",
        );
      }
      if (!existsSync(CMAKE_ADDON)) {
        throw new Error(
          `${CMAKE_ADDON} does not exist: build it with 'ASR_BACKEND=cpu npm run build:native'.`,
        );
      }
      const modelPath = await testModel('test');
      gyp = await loadModel(modelPath, { states: 1, threads: 2, addonPath: GYP_ADDON });
      models.push(gyp);
      cmake = await loadModel(modelPath, { states: 1, threads: 2, addonPath: CMAKE_ADDON });
      models.push(cmake);
    });

    afterAll(async () => {
      await Promise.all(models.map((model) => model.close()));
    });

    it('loads the gyp build and the CMake build side by side', () => {
      expect(gyp.info()).toMatchObject({ addonPath: GYP_ADDON, backend: 'cpu' });
      expect(cmake.info()).toMatchObject({ addonPath: CMAKE_ADDON, backend: 'cpu' });
    });

    it('decodes the MP3 to the same samples', async () => {
      const audio = readFileSync(JFK_MP3);
      const fromGyp = await decodeAudio(audio, {}, GYP_ADDON);
      const fromCmake = await decodeAudio(audio, {}, CMAKE_ADDON);

      expect(fromGyp.samples.length).toBeGreaterThan(16000);
      expect(fromGyp.samples.length).toBe(fromCmake.samples.length);
      expect(firstDifference(fromGyp.samples, fromCmake.samples)).toBe(-1);
      expect({ ...fromGyp, samples: undefined }).toEqual({ ...fromCmake, samples: undefined });
    });

    it('transcribes the MP3 to the same segments', async () => {
      const audio = readFileSync(JFK_MP3);
      const fromGyp = await gyp.transcribe(audio, OPTIONS);
      const fromCmake = await cmake.transcribe(audio, OPTIONS);

      expect(fromCmake.segments.length).toBeGreaterThan(0);
      expect(fromCmake.text.trim()).not.toBe('');
      expect(fromGyp.segments).toEqual(fromCmake.segments);
      expect(fromGyp.text).toBe(fromCmake.text);
      expect(fromGyp.language).toBe(fromCmake.language);
    });
  },
);
