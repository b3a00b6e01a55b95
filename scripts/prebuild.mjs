#!/usr/bin/env node
// Builds a prebuilt addon to ship in the package, with prebuildify, into the
// layout the loader reads through node-gyp-build:
//
//   prebuilt/<variant>/prebuilds/<platform>-<arch>/asr_engine[.glibc|.musl].node
//
//   node scripts/prebuild.mjs                 CPU, compiled by node-gyp from binding.gyp
//   ASR_BACKEND=cuda node scripts/prebuild.mjs    CUDA 12 (variant cuda12), through CMake
//   ASR_BACKEND=metal node scripts/prebuild.mjs   Metal (variant metal), through CMake
//
// GPU backends only build with CMake, so for them prebuildify drives
// scripts/cmake-as-node-gyp.mjs in place of node-gyp: prebuildify keeps the
// naming and the stripping, CMake keeps the build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(projectRoot, 'package.json'));

// The CUDA major the cuda12 variant is built for: the runtime that the CUDA
// image and most GPU hosts carry, and the one the loader looks for.
const CUDA_MAJOR = '12';
const VARIANTS = { cpu: 'cpu', cuda: `cuda${CUDA_MAJOR}`, metal: 'metal' };

function fail(message) {
  console.error(`asr-stream-worker prebuild: ${message}`);
  process.exit(1);
}

function chosenBackend() {
  const backend = (process.env.ASR_BACKEND ?? 'cpu').trim().toLowerCase();
  if (!(backend in VARIANTS)) {
    fail(`ASR_BACKEND='${backend}' has no prebuilt variant; expected one of cpu, cuda, metal.`);
  }
  return backend;
}

function nvccMajor() {
  const probe = spawnSync('nvcc', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) fail('ASR_BACKEND=cuda needs nvcc on PATH.');
  return /release (\d+)\./.exec(probe.stdout)?.[1];
}

// node-gyp reads Node's headers from npm_config_nodedir; point it at the
// running Node's own when they are there, so the build works offline.
function headersEnv() {
  const ownHeaders = path.resolve(process.execPath, '..', '..');
  const haveOwn = existsSync(path.join(ownHeaders, 'include', 'node', 'common.gypi'));
  return !process.env.npm_config_nodedir && haveOwn ? { npm_config_nodedir: ownHeaders } : {};
}

function builder(backend) {
  if (backend === 'cpu') return require.resolve('node-gyp/bin/node-gyp.js');
  return path.join(projectRoot, 'scripts', 'cmake-as-node-gyp.mjs');
}

function main() {
  const backend = chosenBackend();
  if (backend === 'cuda' && nvccMajor() !== CUDA_MAJOR) {
    fail(
      `the prebuilt CUDA variant is built with CUDA ${CUDA_MAJOR}, and nvcc here is ` +
        `CUDA ${nvccMajor() ?? 'of an unknown version'}. For a local build on this ` +
        "toolkit use 'ASR_BACKEND=cuda npm run build:native'.",
    );
  }

  const out = path.join(projectRoot, 'prebuilt', VARIANTS[backend]);
  const platformDir = path.join(out, 'prebuilds', `${process.platform}-${process.arch}`);
  rmSync(platformDir, { recursive: true, force: true });

  const args = [
    require.resolve('prebuildify/bin.js'),
    '--napi',
    '--tag-libc',
    '--strip',
    '--name',
    'asr_engine',
    '--out',
    out,
    '--node-gyp',
    builder(backend),
  ];
  const env = {
    ...process.env,
    ...headersEnv(),
    ASR_BACKEND: backend,
    JOBS: process.env.ASR_BUILD_JOBS ?? String(os.availableParallelism()),
  };
  console.error(`asr-stream-worker prebuild: ${backend} into ${platformDir}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: projectRoot, env });
  if (result.status !== 0) fail(`prebuildify failed for ${backend} (its output is above).`);

  for (const file of readdirSync(platformDir)) {
    console.error(`asr-stream-worker prebuild: wrote ${path.join(platformDir, file)}`);
  }
}

main();
