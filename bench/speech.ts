/**
 * The real speech every part decodes or sends: pieces of whisper.cpp's
 * sample recording (a man reading, 11 s) and of a passage spoken by
 * espeak-ng, cut with ffmpeg into 16 kHz mono 16-bit WAV files that the
 * addon and whisper-cli both read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Chunk {
  name: string;
  /** A 16 kHz mono s16le WAV file. */
  path: string;
  seconds: number;
}

const require = createRequire(import.meta.url);
const WHISPER_SAMPLES = path.join(
  path.dirname(require.resolve('nodejs-whisper/package.json')),
  'cpp',
  'whisper.cpp',
  'samples',
);
const JFK_MP3 = path.join(WHISPER_SAMPLES, 'jfk.mp3');
const JFK_SECONDS = 11;

const PASSAGE =
  'The morning train left the station a few minutes late. Most of the ' +
  'passengers were reading, and a child near the window counted the bridges ' +
  'as they went by. At the second stop a man with a heavy coat got on and ' +
  'asked whether this was the train to the coast. Nobody was quite sure, so ' +
  'the conductor checked the timetable and told him it was.';

/**
 * One WAV per requested length, taken in turn from the recording and the
 * synthesised passage, at offsets that keep every piece inside its source.
 */
export function speechChunks(dir: string, lengths: readonly number[]): Chunk[] {
  mkdirSync(dir, { recursive: true });
  const passage = synthesisedPassage(dir);
  const passageSeconds = wavSeconds(passage);

  return lengths.map((seconds, index) => {
    const fromRecording = index % 2 === 0;
    const source = fromRecording ? JFK_MP3 : passage;
    const sourceSeconds = fromRecording ? JFK_SECONDS : passageSeconds;
    if (seconds > sourceSeconds) {
      throw new Error(`a ${seconds} s chunk is longer than its ${sourceSeconds} s source`);
    }
    // Spread the starting points so equal lengths are different speech.
    const offset = ((index * 1.7) % (sourceSeconds - seconds + 0.001)).toFixed(2);
    const name = `${fromRecording ? 'jfk' : 'espeak'}-${index}-${seconds}s`;
    const file = path.join(dir, `${name}.wav`);
    makeOnce(file, (tmp) =>
      ffmpeg(['-ss', offset, '-t', String(seconds), '-i', source, ...PCM16K, tmp]),
    );
    return { name, path: file, seconds };
  });
}

/** `seconds` of the recording as raw 16 kHz mono s16le, as a backend would send it. */
export function speechPcm(dir: string, seconds: number): Buffer {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `jfk-${seconds}s.s16le`);
  makeOnce(file, (tmp) =>
    ffmpeg(['-t', String(seconds), '-i', JFK_MP3, '-ar', '16000', '-ac', '1', '-f', 's16le', tmp]),
  );
  return readFileSync(file);
}

const PCM16K = ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le'];

function synthesisedPassage(dir: string): string {
  const file = path.join(dir, 'espeak-passage-16k.wav');
  const raw = path.join(dir, 'espeak-passage.wav');
  makeOnce(raw, (tmp) => run('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', tmp, PASSAGE]));
  makeOnce(file, (tmp) => ffmpeg(['-i', raw, ...PCM16K, tmp]));
  return file;
}

/** Length of a 16 kHz mono 16-bit WAV written by ffmpeg (44-byte header). */
function wavSeconds(file: string): number {
  return (statSync(file).size - 44) / 2 / 16000;
}

function makeOnce(target: string, make: (tmp: string) => void): void {
  if (existsSync(target)) return;
  const ext = path.extname(target);
  const tmp = `${target.slice(0, target.length - ext.length)}.${process.pid}.tmp${ext}`;
  make(tmp);
  renameSync(tmp, target);
}

function ffmpeg(args: string[]): void {
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
