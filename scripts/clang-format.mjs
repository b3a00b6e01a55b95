#!/usr/bin/env node
// Runs clang-format (from the clang-format npm package, so every machine uses
// the same version) over native/. --check fails on any difference; --fix
// rewrites the files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const mode = process.argv[2];
if (mode !== '--check' && mode !== '--fix') {
  console.error('usage: clang-format.mjs --check | --fix');
  process.exit(2);
}

const nativeDir = path.join(root, 'native');
const files = readdirSync(nativeDir)
  .filter((name) => /\.(cc|h)$/.test(name))
  .map((name) => path.join(nativeDir, name));

const binary = path.join(path.dirname(require.resolve('clang-format/package.json')), 'index.js');
const args = mode === '--fix' ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const result = spawnSync(process.execPath, [binary, '--style=file', ...args], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
