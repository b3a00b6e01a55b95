/**
 * Runs whisper.cpp's own CLI (built from the same tree as the addon) and
 * reads its JSON output, for side-by-side comparison with the addon.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REFERENCE_CLI } from './fixtures.js';

export interface CliSegment {
  startMs: number;
  endMs: number;
  text: string;
}

interface CliJson {
  transcription: Array<{ offsets: { from: number; to: number }; text: string }>;
}

/** Greedy decoding without temperature fallback: deterministic on both sides. */
export function runReferenceCli(
  modelPath: string,
  audioPath: string,
  threads: number,
): CliSegment[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-cli-'));
  try {
    const prefix = path.join(dir, 'out');
    execFileSync(
      REFERENCE_CLI,
      ['-m', modelPath, '-f', audioPath, '-t', String(threads), '-l', 'en'].concat([
        '-bs',
        '1',
        '-bo',
        '1',
        '-nf',
        '-oj',
        '-of',
        prefix,
        '-np',
      ]),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const json = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as CliJson;
    return json.transcription.map((segment) => ({
      startMs: segment.offsets.from,
      endMs: segment.offsets.to,
      text: segment.text,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The addon options that match runReferenceCli's flags. */
export const REFERENCE_OPTIONS = {
  threads: 2,
  language: 'en',
  beamSize: 1,
  bestOf: 1,
  temperatureIncrement: 0,
  timestamps: true,
} as const;
