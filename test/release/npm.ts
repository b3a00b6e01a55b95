/**
 * npm as the package tests run it: the CLI beside this Node.js, with the
 * npm_* variables of an outer `npm test` removed, so each call behaves as
 * a user's would in a fresh shell.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../support/fixtures.js';

export const PACKAGE_NAME = 'asr-stream-worker';

export function npmCli(): string {
  const candidates = [
    process.env.npm_execpath,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'bin',
      'npm-cli.js',
    ),
  ].filter((candidate): candidate is string => Boolean(candidate?.endsWith('npm-cli.js')));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`npm-cli.js not found; looked at ${candidates.join(', ')}`);
  return found;
}

export function cleanEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)),
  );
  return { ...env, ...overrides };
}

function runNpm(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [npmCli(), ...args], {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `npm ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

/** Runs npm; returns what it printed on stdout and stderr, in that order. */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): string {
  const { stdout, stderr } = runNpm(args, cwd, env);
  return stdout + stderr;
}

/** For commands whose stdout alone is the answer (--json). */
function npmJson(args: string[], cwd: string): unknown {
  return JSON.parse(runNpm(args, cwd, cleanEnv()).stdout);
}

export interface PackedFile {
  path: string;
  size: number;
}

/**
 * What `npm pack` puts in the tarball. Scripts stay off: `prepare` would
 * rebuild dist/ under tests that run it at the same time; dist/ must be
 * built already (npm ci and npm run build do it), and fresh.
 */
export function packedFiles(): PackedFile[] {
  assertDistIsFresh();
  const report = npmJson(['pack', '--dry-run', '--json', '--ignore-scripts'], PROJECT_ROOT);
  return (report as Array<{ files: PackedFile[] }>)[0]!.files;
}

export function pack(destination: string): string {
  assertDistIsFresh();
  const report = npmJson(
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
    PROJECT_ROOT,
  );
  return path.join(destination, (report as Array<{ filename: string }>)[0]!.filename);
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function assertDistIsFresh(): void {
  const cli = path.join(PROJECT_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error("dist/ is not built: run 'npm run build' first");
  if (newestMtimeMs(path.join(PROJECT_ROOT, 'src')) > statSync(cli).mtimeMs) {
    throw new Error("dist/ is older than src/: run 'npm run build' first");
  }
}
