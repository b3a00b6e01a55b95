/**
 * This package's version, for the start-up banner, the heartbeat and
 * /metrics: an operator comparing workers needs to know which build each runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/health/ and dist/health/ are both two levels below the package root.
const packageJson = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'package.json',
);

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  return cached;
}
