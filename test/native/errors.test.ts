/**
 * Every failure reaches JS as an EngineError with a stable code, from real
 * bad input, and the next call in the same process works.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineError, loadModel, type Model, type TranscribeOptions } from '../../src/index.js';
import { fixture, FIXTURES_DIR, JFK_MP3, speechSets, testModel } from '../support/fixtures.js';
import { SHAPES, writeRandomModel } from '../../src/tools/random-model.js';
import { damagedModel, type ModelFlaw } from '../support/model-surgery.js';
import { sinePcm, sineWav } from '../support/signals.js';

async function expectCode(promise: Promise<unknown>, code: string): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe(code);
  return error as EngineError;
}

describe('model errors', () => {
  let goodModel: string;
  beforeAll(async () => {
    goodModel = await testModel('test');
  });

  it('MODEL_NOT_FOUND for a missing file, and the error points at the caller', async () => {
    const error = await expectCode(loadModel(fixture('no-such-model.bin')), 'MODEL_NOT_FOUND');
    expect(error.message).toContain('no-such-model.bin');
    expect(error.stack).toContain('errors.test.ts');
  });

  it('MODEL_NOT_FOUND for a directory, saying so', async () => {
    const error = await expectCode(loadModel(FIXTURES_DIR), 'MODEL_NOT_FOUND');
    expect(error.message).toContain(`'${FIXTURES_DIR}' is a directory`);
  });

  it('MODEL_INVALID for f32 convolution kernels, which whisper.cpp would abort on', async () => {
    const f32Model = fixture('random-test-f32.bin');
    await writeRandomModel(f32Model, SHAPES.test, { seed: 1, ftype: 'f32' });
    const error = await expectCode(loadModel(f32Model), 'MODEL_INVALID');
    expect(error.message).toContain('f16 convolution kernels');
  });

  const flaws: ModelFlaw[] = [
    'bad-magic',
    'truncated',
    'lying-tensor-header',
    'no-space-token',
    'retired-weight-type',
    'weight-type-out-of-range',
    'weight-type-that-cannot-tile-rows',
  ];
  for (const flaw of flaws) {
    it(`MODEL_INVALID for a model with ${flaw}, then a good model loads`, async () => {
      const broken = damagedModel(goodModel, flaw, fixture(`broken-${flaw}.bin`));
      const error = await expectCode(loadModel(broken), 'MODEL_INVALID');
      expect(error.message).toContain(`model file '${broken}'`);

      const model = await loadModel(goodModel);
      await model.close();
    });
  }
});

describe('audio and call errors', () => {
  let model: Model;
  const speech = () => readFileSync(speechSets()[1]!.wav16k);

  beforeAll(async () => {
    model = await loadModel(await testModel('test'), { states: 2 });
  });
  afterAll(() => model.close());

  async function expectThenRecover(
    audio: Buffer,
    options: TranscribeOptions,
    code: string,
  ): Promise<void> {
    await expectCode(model.transcribe(audio, options), code);
    const ok = await model.transcribe(speech(), { encoding: 'wav' });
    expect(ok.audioMs).toBeGreaterThan(1000);
  }

  const cases: Array<[string, () => Buffer, TranscribeOptions, string]> = [
    ['an empty buffer', () => Buffer.alloc(0), {}, 'AUDIO_EMPTY'],
    ['a WAV with no frames', () => sineWav(1000, 16000, 1, '16', 0), {}, 'AUDIO_EMPTY'],
    [
      'random bytes',
      () => Buffer.from('definitely not audio, just text'.repeat(40)),
      {},
      'AUDIO_INVALID',
    ],
    ['a truncated WAV', () => sineWav(1000, 16000, 1, '16').subarray(0, 4000), {}, 'AUDIO_INVALID'],
    [
      'a WAV labelled as MP3',
      () => sineWav(1000, 16000, 1, '16'),
      { encoding: 'mp3' },
      'AUDIO_INVALID',
    ],
    [
      'raw PCM of a partial frame',
      () => Buffer.alloc(5),
      { encoding: 'pcm_s16le', sampleRate: 16000 },
      'AUDIO_INVALID',
    ],
    [
      'audio over the limit',
      () => sineWav(1000, 16000, 1, '16', 3),
      { maxAudioSeconds: 2 },
      'AUDIO_TOO_LONG',
    ],
    [
      'an encoding we do not know',
      () => Buffer.alloc(100),
      { encoding: 'ogg' } as unknown as TranscribeOptions,
      'UNSUPPORTED_ENCODING',
    ],
    [
      'a misspelled option',
      () => Buffer.alloc(100),
      { beamsize: 2 } as unknown as TranscribeOptions,
      'INVALID_ARGUMENT',
    ],
  ];
  for (const [what, audio, options, code] of cases) {
    it(`${code} for ${what}`, () => expectThenRecover(audio(), options, code));
  }

  it('AUDIO_INVALID for a WAV header that claims hours the bytes do not hold', async () => {
    const wav = Buffer.from(sineWav(1000, 16000, 1, '16'));
    const dataSize = wav.indexOf('data', 0, 'latin1') + 4;
    wav.writeUInt32LE(0x7ffffff0, dataSize);
    await expectThenRecover(wav, {}, 'AUDIO_INVALID');
  });

  // What ffmpeg writes to a pipe and `espeak-ng --stdout` writes: a header
  // whose sizes could not be filled in afterwards.
  it.each([0xffffffff, 0x7ffff000])(
    'reads a streamed WAV whose data size is the placeholder %i',
    async (placeholder) => {
      const wav = Buffer.from(sineWav(1000, 16000, 1, '16'));
      const dataSize = wav.indexOf('data', 0, 'latin1') + 4;
      wav.writeUInt32LE(placeholder, dataSize);
      wav.writeUInt32LE(placeholder, 4);

      const result = await model.transcribe(wav, {});
      expect(result.audioMs).toBe(1000);
    },
  );

  it('AUDIO_TOO_LONG for raw PCM past the default limit of 600 s', async () => {
    const elevenMinutesAt1kHz = Buffer.alloc(1000 * 660 * 2);
    await expectThenRecover(
      elevenMinutesAt1kHz,
      { encoding: 'pcm_s16le', sampleRate: 1000 },
      'AUDIO_TOO_LONG',
    );
  });

  it('INVALID_SAMPLES for NaN in raw float PCM and Inf in a float WAV', async () => {
    const pcm = sinePcm(1000, 16000, 1, 'f32le');
    pcm.writeFloatLE(Number.NaN, 400);
    await expectThenRecover(pcm, { encoding: 'pcm_f32le', sampleRate: 16000 }, 'INVALID_SAMPLES');

    const wav = Buffer.from(sineWav(1000, 16000, 1, '32f'));
    const data = wav.indexOf('data', 0, 'latin1') + 8;
    wav.writeFloatLE(Number.POSITIVE_INFINITY, data + 800);
    await expectThenRecover(wav, { encoding: 'wav' }, 'INVALID_SAMPLES');
  });

  it('INVALID_SAMPLES for integer-scaled data sent as float PCM', async () => {
    const pcm = sinePcm(1000, 16000, 1, 'f32le');
    pcm.writeFloatLE(1e30, 800);
    const error = await expectCode(
      model.transcribe(pcm, { encoding: 'pcm_f32le', sampleRate: 16000 }),
      'INVALID_SAMPLES',
    );
    expect(error.message).toContain('sample 200');
  });

  it('INVALID_ARGUMENT for a language whisper does not know or this model cannot speak', async () => {
    const unknown = await expectCode(
      model.transcribe(speech(), { language: 'xx' }),
      'INVALID_ARGUMENT',
    );
    expect(unknown.message).toContain('"xx"');
    const german = await expectCode(
      model.transcribe(speech(), { language: 'de' }),
      'INVALID_ARGUMENT',
    );
    expect(german.message).toContain('English-only');
  });

  it("reports English for language 'auto' on an English-only model", async () => {
    const result = await model.transcribe(speech(), { language: 'auto' });
    expect(result.language).toBe('en');
    expect(model.info()).toMatchObject({ multilingual: false, useGpu: false, backend: 'cpu' });
  });

  it('ABORTED when the caller aborts, before or during the call', async () => {
    await expectThenRecover(speech(), { signal: AbortSignal.abort() }, 'ABORTED');

    const controller = new AbortController();
    const call = model.transcribe(speech(), { signal: controller.signal });
    controller.abort();
    await expectCode(call, 'ABORTED');
  });

  it('CLOSED after close(), while a fresh model still works', async () => {
    const other = await loadModel(await testModel('test'));
    await other.close();
    await expectCode(other.transcribe(readFileSync(JFK_MP3)), 'CLOSED');
    expect(() => other.info()).toThrow(EngineError);
    await other.close(); // idempotent
  });

  it('INVALID_ARGUMENT for an encoder window wider than the model and a timeout setTimeout cannot hold', async () => {
    const limit = model.info().audioContext;
    const wide = await expectCode(
      model.transcribe(speech(), { audioCtx: limit + 1 }),
      'INVALID_ARGUMENT',
    );
    expect(wide.message).toContain(`at most ${limit}`);
    await expectThenRecover(speech(), { timeoutMs: 2 ** 31 }, 'INVALID_ARGUMENT');
  });

  it('ADDON_NOT_FOUND for an explicit addon path that does not load, with no fallback', async () => {
    const error = await expectCode(
      loadModel(await testModel('test'), { addonPath: fixture('no-such-addon.node') }),
      'ADDON_NOT_FOUND',
    );
    expect(error.message).toContain(`${fixture('no-such-addon.node')} (explicit): no file there`);
    expect(error.message).not.toContain('build-cmake');
  });

  it('rejects a wrong audio type with INVALID_ARGUMENT', async () => {
    await expectCode(model.transcribe('a string' as unknown as Buffer), 'INVALID_ARGUMENT');
  });
});
