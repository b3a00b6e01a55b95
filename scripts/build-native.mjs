#!/usr/bin/env node
// Builds the asr_engine addon from the pinned whisper.cpp source.
//
//   node scripts/build-native.mjs                 best backend for this host
//   node scripts/build-native.mjs --if-missing    npm's install step: CPU, only
//                                                 when no addon is built and no
//                                                 prebuilt one matches this host
//   node scripts/build-native.mjs --gyp           the CPU addon through node-gyp
//   node scripts/build-native.mjs --target whisper-cli
//                                                 the reference CLI for tests
//
// ASR_BACKEND=cpu|cuda|metal|vulkan forces a backend, ASR_NATIVE=1 tunes the
// CPU code for this host, ASR_BUILD_JOBS sets the parallel compile jobs.
// Plain JavaScript on purpose: it runs at install time, before (or without)
// the project's dev dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(projectRoot, 'package.json'));

// The npm package that carries the whisper.cpp tree, and the release inside.
const SOURCE_PACKAGE = 'nodejs-whisper';
const SOURCE_PACKAGE_VERSION = '0.3.1';
const SOURCE_SUBDIR = path.join('cpp', 'whisper.cpp');
const BACKENDS = ['cpu', 'cuda', 'metal', 'vulkan'];

function fail(message) {
  console.error(`asr-stream-worker: ${message}`);
  process.exit(1);
}

function say(message) {
  console.error(`asr-stream-worker: ${message}`);
}

function parseArgs(argv) {
  const args = { ifMissing: false, gyp: false, target: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--if-missing') args.ifMissing = true;
    else if (argv[i] === '--gyp') args.gyp = true;
    else if (argv[i] === '--target') args.target = argv[++i];
    else fail(`unknown argument '${argv[i]}' (expected --if-missing, --gyp or --target NAME)`);
  }
  return args;
}

function locateWhisperSource() {
  let manifestPath;
  try {
    manifestPath = require.resolve(`${SOURCE_PACKAGE}/package.json`);
  } catch {
    fail(
      `the whisper.cpp source package ${SOURCE_PACKAGE}@${SOURCE_PACKAGE_VERSION} ` +
        `is not installed; run 'npm ci' (or 'npm install') first.`,
    );
  }

  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.version !== SOURCE_PACKAGE_VERSION) {
    fail(
      `${SOURCE_PACKAGE} is ${manifest.version}, expected ${SOURCE_PACKAGE_VERSION}; ` +
        `reinstall with 'npm ci' so the lockfile pin applies.`,
    );
  }

  const sourceDir = path.join(path.dirname(manifestPath), SOURCE_SUBDIR);
  if (!existsSync(path.join(sourceDir, 'include', 'whisper.h'))) {
    fail(`${sourceDir} does not contain whisper.cpp (include/whisper.h missing).`);
  }
  return sourceDir;
}

function commandExists(command) {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

function hasCublas() {
  const roots = [process.env.CUDA_PATH, process.env.CUDAToolkit_ROOT, '/usr/local/cuda']
    .filter(Boolean)
    .flatMap((root) => [path.join(root, 'lib64'), path.join(root, 'lib')]);
  const systemDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64'];
  return [...roots, ...systemDirs].some(
    (dir) => existsSync(path.join(dir, 'libcublas.so')) || existsSync(path.join(dir, 'cublas.lib')),
  );
}

// The best backend this host can build when the user does not force one.
function detectBackend() {
  if (process.platform === 'darwin' && process.arch === 'arm64') return 'metal';
  if (commandExists('nvcc') && hasCublas()) return 'cuda';
  return 'cpu';
}

function forcedBackend() {
  const forced = process.env.ASR_BACKEND?.trim().toLowerCase();
  if (forced && !BACKENDS.includes(forced)) {
    fail(`ASR_BACKEND='${forced}' is not one of ${BACKENDS.join(', ')}.`);
  }
  return forced || undefined;
}

function chooseBackend(ifMissing) {
  const forced = forcedBackend();
  if (forced) return forced;
  // Installs stay on the CPU: a GPU build takes far longer and needs a
  // toolkit; 'npm run build:native' opts into it.
  return ifMissing ? 'cpu' : detectBackend();
}

function buildDirFor(backend) {
  return path.join(projectRoot, 'build-cmake', backend);
}

function addonPathFor(backend) {
  return path.join(buildDirFor(backend), 'Release', 'asr_engine.node');
}

// Where binding.gyp's build puts the CPU addon (node-gyp's default place).
const GYP_ADDON_PATH = path.join(projectRoot, 'build', 'Release', 'asr_engine.node');

function anyAddonBuilt() {
  if (process.env.ASR_ADDON_PATH && existsSync(process.env.ASR_ADDON_PATH)) return true;
  if (existsSync(GYP_ADDON_PATH)) return true;
  return BACKENDS.some((backend) => existsSync(addonPathFor(backend)));
}

// The package's CPU prebuild for this platform, architecture and libc, found
// the way the loader finds it (node-gyp-build over prebuildify's layout).
// GPU prebuilds are chosen at load time, where the driver can be seen.
function matchingPrebuild() {
  try {
    return require('node-gyp-build').path(path.join(projectRoot, 'prebuilt', 'cpu'));
  } catch {
    return undefined;
  }
}

// node-gyp itself: the project's dev dependency when installed, else the copy
// npm bundles (end users get no dev dependencies). npm_execpath is npm's
// bin/npm-cli.js while npm runs this script; without it, npm is looked for
// beside this Node.js (lib/node_modules/npm, or node_modules\npm on Windows).
function locateNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not installed in the project; try npm's own below
  }
  const nodeDir = path.dirname(process.execPath);
  const npmDirs = [
    ...(process.env.npm_execpath
      ? [path.resolve(path.dirname(process.env.npm_execpath), '..')]
      : []),
    path.join(nodeDir, '..', 'lib', 'node_modules', 'npm'),
    path.join(nodeDir, 'node_modules', 'npm'),
  ];
  return npmDirs
    .map((dir) => path.join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
    .find((candidate) => existsSync(candidate));
}

// The CPU addon through binding.gyp, for hosts without CMake.
function runNodeGyp(reason) {
  const nodeGyp = locateNodeGyp();
  if (!nodeGyp) {
    fail(
      'CMake is not installed, and neither is node-gyp (not in node_modules, not ' +
        'bundled with npm). Install CMake (Debian: apt-get install cmake).',
    );
  }

  const jobs = process.env.ASR_BUILD_JOBS ?? String(os.availableParallelism());
  const args = [nodeGyp, 'rebuild', '--jobs', jobs];
  // node-gyp downloads Node's headers unless told where they are. Outside npm
  // (no npm_config_nodedir), use the running Node's own when it ships them,
  // so the build works offline.
  const ownHeaders = path.resolve(process.execPath, '..', '..');
  if (
    !process.env.npm_config_nodedir &&
    process.platform !== 'win32' &&
    existsSync(path.join(ownHeaders, 'include', 'node', 'common.gypi'))
  ) {
    args.push(`--nodedir=${ownHeaders}`);
  }
  if (process.env.ASR_NATIVE === '1') say('ASR_NATIVE=1 applies to CMake builds only; ignored.');

  say(`${reason}; building the CPU addon with node-gyp (${jobs} jobs)`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: projectRoot });
  if (result.status !== 0) {
    fail(
      'the node-gyp build failed (see its output above). It needs a C++17 compiler ' +
        'and make (Debian: apt-get install g++ make); with CMake too (apt-get install ' +
        'cmake) the main build runs instead.',
    );
  }
  say(`built ${GYP_ADDON_PATH}`);
}

function runCmakeJs(backend, sourceDir, target) {
  if (!commandExists('cmake')) {
    if (backend === 'cpu' && !target) {
      runNodeGyp('CMake not found');
      // Done: main()'s closing line would name the CMake build's path.
      process.exit(0);
    }
    fail(
      `CMake is not installed, and ${target ?? `the ${backend} backend`} needs it. ` +
        'Install it (Debian: apt-get install cmake)' +
        (target ? '.' : "; or build the CPU addon through node-gyp: 'npm run build:gyp'."),
    );
  }

  const jobs = process.env.ASR_BUILD_JOBS ?? String(os.availableParallelism());
  const native = process.env.ASR_NATIVE === '1' ? 'ON' : 'OFF';
  const args = [
    require.resolve('cmake-js/bin/cmake-js'),
    'build',
    '--directory',
    projectRoot,
    '--out',
    buildDirFor(backend),
    '--config',
    'Release',
    '--parallel',
    jobs,
    `--CDWHISPER_SOURCE_DIR=${sourceDir}`,
    `--CDASR_BACKEND=${backend}`,
    `--CDASR_NATIVE=${native}`,
  ];
  if (target) args.push('--target', target);

  say(`building ${target ?? 'the addon'} for ${backend} (${jobs} jobs) in ${buildDirFor(backend)}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: projectRoot });
  if (result.status !== 0) {
    fail(
      `the ${backend} build failed (see the CMake output above for the cause). ` +
        (backend === 'cpu' ? '' : 'ASR_BACKEND=cpu builds without a GPU toolkit.'),
    );
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));

  if (args.ifMissing && anyAddonBuilt()) {
    say('native addon already built; skipping (npm run build:native rebuilds it).');
    return;
  }
  if (args.ifMissing) {
    const prebuild = matchingPrebuild();
    if (prebuild) {
      say(`using the prebuilt addon ${prebuild}; nothing to compile.`);
      return;
    }
    say(
      `no prebuilt addon in this package for ${process.platform}-${process.arch}; ` +
        'building it from the pinned whisper.cpp source (needs CMake or node-gyp, and a C++17 compiler).',
    );
  }

  const sourceDir = locateWhisperSource();
  if (args.gyp) {
    runNodeGyp('requested with --gyp');
    return;
  }
  // A target (the reference CLI) joins an existing build tree: CPU unless forced.
  const backend = args.target ? (forcedBackend() ?? 'cpu') : chooseBackend(args.ifMissing);
  runCmakeJs(backend, sourceDir, args.target);

  if (!args.target) say(`built ${addonPathFor(backend)}`);
}

main();
