/**
 * The right words come out of the whole path: speech the bundled model never
 * heard in training goes in through Redis in every form a backend sends
 * (16 kHz WAV, 22.05 kHz stereo WAV, 44.1 kHz MP3, raw s16le and f32le PCM)
 * and comes back as text. Differential tests cannot see a wrong sample rate
 * or channel layout that both sides share; these can, and the last test shows
 * that they do.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { wordsOf } from '../../src/cli/demo-speech.js';
import type { TaskResult } from '../../src/protocol/result.js';
import { MICRO_MODEL } from '../support/fixtures.js';
import { cleanQueue, connect } from '../support/redis.js';
import {
  phrase,
  spokenForms,
  unheardUtterances,
  wordAccuracy,
  type SpokenForms,
  type Utterance,
} from '../support/spoken-words.js';
import { byId, push, readResults, startTestWorker, type TestWorker } from '../worker/support.js';

interface Form {
  name: string;
  task: (forms: SpokenForms) => object;
}

const wav = (file: string) => ({
  audio_b64: readFileSync(file).toString('base64'),
  encoding: 'wav',
});
const raw = (file: string, encoding: string, sampleRate: number, channels: number) => ({
  audio_b64: readFileSync(file).toString('base64'),
  encoding,
  sample_rate: sampleRate,
  channels,
});

const FORMS: Form[] = [
  { name: '16 kHz mono WAV', task: (f) => wav(f.wav16kMono) },
  { name: '22.05 kHz stereo WAV', task: (f) => wav(f.wav22kStereo) },
  {
    name: '44.1 kHz stereo MP3',
    task: (f) => ({ audio_b64: readFileSync(f.mp344kStereo).toString('base64'), encoding: 'mp3' }),
  },
  { name: '16 kHz raw s16le', task: (f) => raw(f.s16le16kMono, 'pcm_s16le', 16000, 1) },
  { name: '16 kHz raw f32le', task: (f) => raw(f.f32le16kMono, 'pcm_f32le', 16000, 1) },
];

/** 22.05 kHz stereo samples declared as 16 kHz mono: what a producer bug sends. */
const MISLABELLED: Form = {
  name: '22.05 kHz stereo sent as 16 kHz mono',
  task: (f) => raw(f.s16le22kStereo, 'pcm_s16le', 16000, 1),
};

const UTTERANCES = unheardUtterances(48);
const FIXED_PHRASES = [
  phrase('fixed-digits-a', 'one two three four five'),
  phrase('fixed-digits-b', 'six seven eight nine zero'),
  phrase('fixed-greeting', 'hello world'),
  phrase('fixed-colours', 'red green blue'),
  phrase('fixed-command', 'play music'),
];
const MINIMUM_WORD_ACCURACY = 0.9;

describe('word accuracy through Redis and the addon (bundled micro model)', () => {
  const redis = connect();
  let worker: TestWorker;
  let results: Map<string, TaskResult>;

  const taskId = (utterance: Utterance, form: Form) => `${utterance.id}|${form.name}`;
  const heard = (utterance: Utterance, form: Form) => {
    const result = results.get(taskId(utterance, form));
    expect(result?.status, JSON.stringify(result?.error)).toBe('done');
    return wordsOf(result!.text ?? '');
  };

  beforeAll(async () => {
    worker = await startTestWorker('accuracy', { model: MICRO_MODEL, concurrency: 2, threads: 1 });
    const tasks = [];
    for (const utterance of [...UTTERANCES, ...FIXED_PHRASES]) {
      const forms = spokenForms(utterance);
      for (const form of [...FORMS, MISLABELLED]) {
        tasks.push({ task_id: taskId(utterance, form), ...form.task(forms) });
      }
    }
    await push(redis, worker.queue, tasks);
    results = byId(await readResults(redis, worker.results, tasks.length, 400_000));
  }, 600_000);

  afterAll(async () => {
    await worker?.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  it.each(FORMS)(`recognises at least 90% of the words in $name`, (form) => {
    const pairs = UTTERANCES.map((u) => ({ said: u.words, heard: heard(u, form) }));
    expect(wordAccuracy(pairs)).toBeGreaterThanOrEqual(MINIMUM_WORD_ACCURACY);
  });

  it.each(FORMS)('gives the exact text of the fixed phrases in $name', (form) => {
    for (const utterance of FIXED_PHRASES) {
      expect(heard(utterance, form).join(' ')).toBe(utterance.words.join(' '));
    }
  });

  it('collapses when the audio is labelled with the wrong rate and channel count', () => {
    const pairs = UTTERANCES.map((u) => ({ said: u.words, heard: heard(u, MISLABELLED) }));
    const rightlyLabelled = UTTERANCES.map((u) => ({
      said: u.words,
      heard: heard(u, FORMS[0]!),
    }));

    expect(wordAccuracy(pairs)).toBeLessThan(0.5);
    expect(wordAccuracy(rightlyLabelled)).toBeGreaterThanOrEqual(MINIMUM_WORD_ACCURACY);
  });
});
