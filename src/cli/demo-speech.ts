/**
 * The demo's speech: phrases in the bundled model's forty-word vocabulary,
 * synthesised on the spot with espeak-ng in several voices, and sent in the
 * forms backends send: espeak-ng's own 22.05 kHz WAV (the worker resamples
 * it), a stereo WAV, and raw 16-bit and float PCM.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import wavefile from 'wavefile';

import { decodeAudio } from '../engine/decode-audio.js';
import { clip, toF32le, toS16le } from './pcm.js';
import type { OutgoingTask } from './producer.js';

export interface DemoUtterance {
  /** What was said, as the bundled model writes it. */
  said: string;
  /** The espeak-ng voice and the form the audio travels in, for people. */
  how: string;
  task: OutgoingTask;
}

type Form = 'wav-22k-mono' | 'wav-16k-stereo' | 'pcm_s16le' | 'pcm_f32le';

const PHRASES: ReadonlyArray<{ said: string; voice: string; form: Form }> = [
  { said: 'one two three four five', voice: 'en-us', form: 'wav-22k-mono' },
  { said: 'six seven eight nine zero', voice: 'en-gb-x-rp', form: 'wav-16k-stereo' },
  { said: 'hello world', voice: 'en-us+f2', form: 'pcm_s16le' },
  { said: 'play music', voice: 'en-029', form: 'pcm_f32le' },
  { said: 'next light off', voice: 'en-us+f1', form: 'wav-16k-stereo' },
  { said: 'red green blue', voice: 'en-us+m3', form: 'wav-22k-mono' },
  { said: 'call home', voice: 'en-gb-scotland', form: 'pcm_s16le' },
];

const FORM_NAMES: Record<Form, string> = {
  'wav-22k-mono': '22.05 kHz mono WAV',
  'wav-16k-stereo': '16 kHz stereo WAV',
  pcm_s16le: '16 kHz raw s16le PCM',
  pcm_f32le: '16 kHz raw f32le PCM',
};

export class SpeechSynthesisError extends Error {
  override readonly name = 'SpeechSynthesisError';
  readonly code = 'ESPEAK_UNAVAILABLE';
}

/** Every demo phrase as a task; throws SpeechSynthesisError without espeak-ng. */
export async function demoUtterances(extra: Partial<OutgoingTask>): Promise<DemoUtterance[]> {
  const utterances: DemoUtterance[] = [];
  for (const phrase of PHRASES) {
    const wav = speak(phrase.said, phrase.voice);
    const audio = await inForm(wav, phrase.form);
    utterances.push({
      said: phrase.said,
      how: `espeak-ng ${phrase.voice}, ${FORM_NAMES[phrase.form]}`,
      task: { task_id: randomUUID(), enqueued_at: Date.now(), ...audio, ...extra },
    });
  }
  return utterances;
}

/** The words of a transcript, lowercase and without punctuation, as the bundled model writes them. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/** espeak-ng's WAV (22.05 kHz mono) of `text`; throws SpeechSynthesisError without it. */
export function speak(text: string, voice: string): Buffer {
  const spoken = spawnSync('espeak-ng', ['-v', voice, '-s', '150', '--stdout', text], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (spoken.error || spoken.status !== 0) {
    const why = spoken.error?.message ?? spoken.stderr.toString().trim();
    throw new SpeechSynthesisError(
      `the demo makes its speech with espeak-ng, which did not run (${why}); install it ` +
        '(apt-get install espeak-ng, or brew install espeak-ng) or transcribe your own ' +
        'files with: asr-worker enqueue <file.wav> --wait',
    );
  }
  return spoken.stdout;
}

type TaskAudio = Pick<OutgoingTask, 'audio_b64' | 'encoding' | 'sample_rate' | 'channels'>;

async function inForm(wav: Buffer, form: Form): Promise<TaskAudio> {
  if (form === 'wav-22k-mono') return { audio_b64: wav.toString('base64'), encoding: 'wav' };

  const { samples } = await decodeAudio(wav, { encoding: 'wav' });
  if (form === 'wav-16k-stereo') {
    const file = new wavefile.WaveFile();
    const pcm = Array.from(samples, (x) => Math.round(clip(x) * 32767));
    file.fromScratch(2, 16000, '16', [pcm, pcm]);
    return { audio_b64: Buffer.from(file.toBuffer()).toString('base64'), encoding: 'wav' };
  }

  const raw = form === 'pcm_s16le' ? toS16le(samples) : toF32le(samples);
  return {
    audio_b64: raw.toString('base64'),
    encoding: form,
    sample_rate: 16000,
    channels: 1,
  };
}
