/**
 * The tarball holds what a user runs or builds from, and nothing of the
 * repository's own working material: no tests, no build trees, no
 * generated models, no training data.
 */
import { describe, expect, it } from 'vitest';

import { packedFiles } from './npm.js';

const ALLOWED = [
  /^(package\.json|README\.md|LICENSE)$/,
  /^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/,
  /^schemas\/[a-z]+\.v\d+\.json$/,
  /^docs\/[a-z-]+\.md$/,
  /^models\/(ggml-micro-en\.bin|README\.md)$/,
  /^prebuilt\/(cpu|cuda12|metal)\/prebuilds\/[a-z0-9]+-[a-z0-9]+\/asr_engine(\.glibc|\.musl)?\.node$/,
  /^native\/[a-z_]+\.(cc|h)$/,
  /^cmake\/[A-Za-z]+\.cmake$/,
  /^(CMakeLists\.txt|binding\.gyp|scripts\/build-native\.mjs)$/,
];

/** What a user needs: the worker, its default model and contract, and the source build. */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'dist/cli.js',
  'dist/index.js',
  'dist/index.d.ts',
  'models/ggml-micro-en.bin',
  'schemas/task.v1.json',
  'schemas/result.v1.json',
  'docs/protocol.md',
  'native/addon.cc',
  'CMakeLists.txt',
  'cmake/Backend.cmake',
  'binding.gyp',
  'scripts/build-native.mjs',
];

describe('npm pack', () => {
  const files = packedFiles().map((file) => file.path);

  it('holds only files a user runs or builds from', () => {
    const stray = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
    expect(stray).toEqual([]);
  });

  it('holds everything the worker and a source build need', () => {
    expect(REQUIRED.filter((file) => !files.includes(file))).toEqual([]);
  });

  it('holds no tests, build trees, generated models or training material', () => {
    const unwanted =
      /^(test|bench|src|tools|build|build-cmake|models\/generated|\.github|docker|deploy)\//;
    expect(files.filter((file) => unwanted.test(file))).toEqual([]);
  });
});
