/**
 * The package as a user gets it: packed, installed into a fresh folder by
 * npm with no compiler, CMake or make on the PATH, and transcribing with
 * the CPU prebuild it carries. The prebuild must exist first
 * ('npm run prebuild:addon'); CI builds it and sets ASR_EXPECT_PREBUILD=1,
 * so a missing one fails there, and elsewhere the test skips saying why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CPU_PREBUILD_DIR } from '../support/fixtures.js';
import { phrase, spokenForms } from '../support/spoken-words.js';
import { cleanEnv, npm, pack, PACKAGE_NAME } from './npm.js';

const PREBUILD_DIR = CPU_PREBUILD_DIR;
const PREBUILT = existsSync(PREBUILD_DIR);
const REQUIRED = process.env.ASR_EXPECT_PREBUILD === '1';
const TITLE = 'packed, installed without compilers, transcribing with the prebuild';

const HIDDEN_TOOLS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'clang++', 'cmake', 'make', 'ninja'];

/** A PATH with Node.js and a shell (npm runs scripts through sh) and no compiler. */
function nodeOnlyPath(dir: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  symlinkSync('/bin/sh', path.join(bin, 'sh'));
  return bin;
}

/** Runs in the installed app: load the bundled model through the package, transcribe one file. */
const TRANSCRIBE = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadModel } from '${PACKAGE_NAME}';

const root = path.dirname(createRequire(import.meta.url).resolve('${PACKAGE_NAME}/package.json'));
const model = await loadModel(path.join(root, 'models', 'ggml-micro-en.bin'));
const result = await model.transcribe(readFileSync(process.argv[2]), { encoding: 'wav' });
console.log(JSON.stringify({ text: result.text, info: model.info() }));
await model.close();
`;

describe.skipIf(!PREBUILT && !REQUIRED)(
  PREBUILT || REQUIRED
    ? TITLE
    : `${TITLE} (skipped: ${PREBUILD_DIR} is not built; 'npm run prebuild:addon' builds it, ` +
        'ASR_EXPECT_PREBUILD=1 requires it)',
  () => {
    let dir: string;
    let app: string;
    let env: NodeJS.ProcessEnv;
    let installLog: string;

    beforeAll(() => {
      if (!PREBUILT) {
        throw new Error(
          `ASR_EXPECT_PREBUILD=1, but ${PREBUILD_DIR} does not exist: ` +
            "build it with 'npm run prebuild:addon' before the tests.",
        );
      }
      dir = mkdtempSync(path.join(os.tmpdir(), 'asr-pack-install-'));
      app = path.join(dir, 'app');
      mkdirSync(app);
      writeFileSync(
        path.join(app, 'package.json'),
        JSON.stringify({
          name: 'asr-user-app',
          version: '1.0.0',
          private: true,
          type: 'module',
        }),
      );
      env = cleanEnv({ PATH: nodeOnlyPath(dir) });

      const tarball = pack(dir);
      installLog = npm(
        ['install', tarball, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        app,
        env,
      );
    });

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('installs with no compiler, CMake or make reachable', () => {
      const reachable = HIDDEN_TOOLS.filter((tool) =>
        env.PATH!.split(path.delimiter).some((entry) => existsSync(path.join(entry, tool))),
      );
      expect(reachable).toEqual([]);

      const installed = path.join(app, 'node_modules', PACKAGE_NAME);
      expect(installLog).toContain(
        `using the prebuilt addon ${path.join(installed, 'prebuilt', 'cpu', 'prebuilds')}`,
      );
      expect(existsSync(path.join(installed, 'build-cmake'))).toBe(false);
      expect(existsSync(path.join(installed, 'build'))).toBe(false);
    });

    it('transcribes speech with the prebuilt addon', () => {
      const audio = spokenForms(phrase('fixed-greeting', 'hello world')).wav16kMono;
      const script = path.join(app, 'transcribe.mjs');
      writeFileSync(script, TRANSCRIBE);

      const output = execFileSync(process.execPath, [script, audio], {
        cwd: app,
        env,
        encoding: 'utf8',
      });
      const { text, info } = JSON.parse(output) as {
        text: string;
        info: { addonPath: string; backend: string };
      };

      expect(
        text
          .trim()
          .toLowerCase()
          .replace(/[^a-z ]/g, ''),
      ).toBe('hello world');
      expect(info.backend).toBe('cpu');
      const installedPrebuilds = path.join(app, 'node_modules', PACKAGE_NAME, 'prebuilt', 'cpu');
      expect(path.dirname(info.addonPath)).toBe(
        path.join(installedPrebuilds, 'prebuilds', path.basename(PREBUILD_DIR)),
      );
    });

    it('puts the command line on the PATH of npm scripts', () => {
      const help = execFileSync(path.join(app, 'node_modules', '.bin', 'asr-worker'), ['--help'], {
        cwd: app,
        env,
        encoding: 'utf8',
      });
      expect(help).toMatch(/run\b[\s\S]*enqueue\b[\s\S]*demo\b[\s\S]*doctor\b/);
    });
  },
);
