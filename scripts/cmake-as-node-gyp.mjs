#!/usr/bin/env node
// Stands in for node-gyp when prebuildify makes a GPU prebuild (see
// scripts/prebuild.mjs): prebuildify calls `<this> rebuild --target=…
// --arch=… --release` and then takes the .node file from build/Release.
// The CMake build knows the backend from ASR_BACKEND; of node-gyp's
// arguments only the architecture matters, and it must be the host's.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  console.error(`asr-stream-worker prebuild: ${message}`);
  process.exit(1);
}

const archArg = process.argv.find((arg) => arg.startsWith('--arch='));
if (archArg && archArg.slice('--arch='.length) !== process.arch) {
  fail(`the CMake build does not cross-compile: asked for ${archArg}, host is ${process.arch}.`);
}

const backend = process.env.ASR_BACKEND;
if (!backend) fail('ASR_BACKEND is not set; run scripts/prebuild.mjs, not this script.');

const build = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build-native.mjs')], {
  stdio: 'inherit',
  cwd: projectRoot,
});
if (build.status !== 0) process.exit(build.status ?? 1);

const built = path.join(projectRoot, 'build-cmake', backend, 'Release', 'asr_engine.node');
const handedOver = path.join(projectRoot, 'build', 'Release');
mkdirSync(handedOver, { recursive: true });
copyFileSync(built, path.join(handedOver, 'asr_engine.node'));
