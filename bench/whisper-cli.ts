/**
 * whisper.cpp's own command-line program, built from the same tree and
 * libraries as the addon: the reference the engine is measured against.
 * It is run with the settings the addon is given (greedy, no temperature
 * fallback, English, the same threads), so both do the same work.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from './options.js';

export function referenceCliPath(backend: string): string {
  return path.join(PROJECT_ROOT, 'build-cmake', backend, 'reference', 'whisper-cli');
}

/** Builds the CLI (`npm run build:reference-cli`) when it is missing; a clean clone lacks it. */
export function ensureReferenceCli(backend: string): string {
  const cli = referenceCliPath(backend);
  if (existsSync(cli)) return cli;
  console.error(`building whisper.cpp's CLI for the ${backend} backend (once)...`);
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'scripts', 'build-native.mjs'), '--target', 'whisper-cli'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ASR_BACKEND: backend } },
  );
  return cli;
}

/** The flags that match the addon options in ENGINE_OPTIONS (engine-throughput.ts). */
function cliArgs(model: string, threads: number, files: readonly string[]): string[] {
  const inputs = files.flatMap((file) => ['-f', file]);
  return [
    '-m',
    model,
    '-t',
    String(threads),
    '-l',
    'en',
    '-bs',
    '1',
    '-bo',
    '1',
    '-nf',
    '-np',
  ].concat(inputs);
}

/** Runs the CLI once over `files` and returns its wall time in ms, spawn to exit. */
export async function runCli(
  cli: string,
  model: string,
  threads: number,
  files: readonly string[],
): Promise<number> {
  const start = performance.now();
  const child = spawn(cli, cliArgs(model, threads, files), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    // Only the tail matters when it fails; whisper.cpp logs a lot.
    stderr = (stderr + text).slice(-2000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`whisper-cli exited with ${code}:\n${stderr}`);
  return ms;
}
