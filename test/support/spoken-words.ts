/**
 * Speech in the bundled model's vocabulary, synthesised at test time with
 * espeak-ng in voices the model never heard in training, and converted with
 * ffmpeg into each form a backend might send. Files are cached in
 * test/.fixtures/spoken/ and made once.
 */
import { editDistance } from '../../src/edit-distance.js';
import { seededRandom } from '../../src/seeded-random.js';
import { makeOnce, ffmpeg, run } from './fixtures.js';

/** Everything the bundled model can say (models/README.md). */
export const VOCABULARY = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'start', 'stop', 'yes', 'no', 'hello', 'world', 'red', 'green', 'blue', 'yellow',
  'white', 'black', 'left', 'right', 'up', 'down', 'go', 'on', 'off', 'open',
  'close', 'play', 'pause', 'next', 'back', 'light', 'music', 'call', 'home', 'help',
] as const; // prettier-ignore

/**
 * The model trained on espeak-ng's six English accents with the variants
 * "", m1-m6 and f1-f3; the variants +m7 and +f4 were held out of training.
 */
const UNHEARD_VOICES = [
  'en-us+m7',
  'en-gb-x-rp+f4',
  'en-029+m7',
  'en+f4',
  'en-gb-scotland+f4',
  'en-gb-x-gbclan+m7',
];
const SPEEDS_WPM = [135, 165, 195];

export interface Utterance {
  id: string;
  words: string[];
  voice: string;
  speedWpm: number;
}

/** The forms of one utterance, each a file path. */
export interface SpokenForms {
  wav16kMono: string;
  wav22kStereo: string;
  mp344kStereo: string;
  s16le16kMono: string;
  f32le16kMono: string;
  /** 22.05 kHz stereo samples with no header, for the mislabelling check. */
  s16le22kStereo: string;
}

/** `count` utterances of one to five words, the same on every run. */
export function unheardUtterances(count: number, seed = 20261203): Utterance[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

  return Array.from({ length: count }, (_, index) => ({
    id: `utt${String(index).padStart(3, '0')}`,
    words: Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(VOCABULARY)),
    voice: UNHEARD_VOICES[index % UNHEARD_VOICES.length]!,
    speedWpm: SPEEDS_WPM[Math.floor(index / UNHEARD_VOICES.length) % SPEEDS_WPM.length]!,
  }));
}

/** A fixed phrase in espeak-ng's default American voice. */
export function phrase(id: string, text: string): Utterance {
  return { id, words: text.split(' '), voice: 'en-us', speedWpm: 150 };
}

export function spokenForms(utterance: Utterance): SpokenForms {
  const name = (suffix: string) =>
    `spoken/${utterance.id}-${utterance.voice}-${utterance.speedWpm}.${suffix}`;
  const espeak = makeOnce(name('22k.wav'), (tmp) =>
    run('espeak-ng', [
      '-v',
      utterance.voice,
      '-s',
      String(utterance.speedWpm),
      '-w',
      tmp,
      utterance.words.join(' '),
    ]),
  );
  const convert = (suffix: string, args: string[]) =>
    makeOnce(name(suffix), (tmp) => ffmpeg(['-i', espeak, ...args, tmp]));

  return {
    wav16kMono: convert('16k.wav', ['-ar', '16000', '-ac', '1']),
    wav22kStereo: convert('22k-stereo.wav', ['-ar', '22050', '-ac', '2']),
    mp344kStereo: convert('44k.mp3', ['-ar', '44100', '-ac', '2', '-b:a', '128k']),
    s16le16kMono: convert('16k.s16le', ['-ar', '16000', '-ac', '1', '-f', 's16le']),
    f32le16kMono: convert('16k.f32le', ['-ar', '16000', '-ac', '1', '-f', 'f32le']),
    s16le22kStereo: convert('22k-stereo.s16le', ['-ar', '22050', '-ac', '2', '-f', 's16le']),
  };
}

/** Word accuracy over a set: 1 - (substitutions + deletions + insertions) / words said. */
export function wordAccuracy(pairs: Array<{ said: string[]; heard: string[] }>): number {
  const said = pairs.reduce((sum, pair) => sum + pair.said.length, 0);
  const errors = pairs.reduce((sum, pair) => sum + editDistance(pair.said, pair.heard), 0);
  return 1 - errors / said;
}
