/**
 * Finds and loads the native addon from the candidates in addon-candidates.ts.
 * The first that loads wins. A GPU build that is there but does not load
 * (a missing CUDA runtime, say) is passed for the next candidate and
 * remembered as a warning; when nothing loads, one error names every path
 * tried and the fix.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from 'pino';

import { addonCandidates, detectHost, type HostFacts } from './addon-candidates.js';
import { EngineError } from './engine-error.js';
import { ensureNativeLogs } from './native-logs.js';
import type { NativeAddon } from './native-types.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireNative = createRequire(import.meta.url);

export interface LoadedAddon {
  addon: NativeAddon;
  path: string;
  origin: string;
  /** GPU builds that were found but did not load, each with the loader's reason. */
  gpuFallbacks: string[];
}

export interface FindAddonOptions {
  explicitPath?: string | undefined;
  /** The package root holding build-cmake/, build/ and prebuilt/. */
  root?: string;
  host?: HostFacts;
}

export function findAddon(options: FindAddonOptions = {}): LoadedAddon {
  const root = options.root ?? projectRoot;
  const host = options.host ?? detectHost();
  const explicitPath = options.explicitPath ?? process.env.ASR_ADDON_PATH;
  const { candidates, passedOver } = addonCandidates(root, host, explicitPath);

  const failures: string[] = [];
  const gpuFallbacks: string[] = [];
  for (const candidate of candidates) {
    let file: string;
    try {
      file = candidate.resolve();
    } catch (missing) {
      failures.push(`  ${candidate.location} (${candidate.origin}): ${(missing as Error).message}`);
      continue;
    }

    try {
      const addon = requireNative(file) as NativeAddon;
      ensureNativeLogs(addon);
      return { addon, path: file, origin: candidate.origin, gpuFallbacks };
    } catch (error) {
      const reason = `${file} (${candidate.origin}): ${(error as Error).message}`;
      failures.push(`  ${reason}`);
      if (candidate.gpu) gpuFallbacks.push(reason);
    }
  }

  throw notFound(
    root,
    host,
    failures,
    passedOver,
    explicitPath !== undefined && explicitPath !== '',
  );
}

function notFound(
  root: string,
  host: HostFacts,
  failures: string[],
  passedOver: string[],
  explicit: boolean,
): EngineError {
  const tried = [...failures, ...passedOver.map((line) => `  ${line}`)].join('\n');
  // An explicit choice that fails is an error, never a silent fallback.
  const fix = explicit
    ? 'Fix or unset the explicit path (addonPath option or ASR_ADDON_PATH).'
    : `This package has no prebuilt addon for ${host.platform}-${host.arch}. Build one from ` +
      `the pinned whisper.cpp source: 'npm run build:native' in ${root} (needs CMake and a ` +
      'C++17 compiler), or point ASR_ADDON_PATH at a built asr_engine.node.';
  return new EngineError(
    'ADDON_NOT_FOUND',
    `no usable asr_engine addon for Node.js ${process.version} on ` +
      `${host.platform}-${host.arch}. Tried:\n${tried}\n${fix}`,
  );
}

let cached: LoadedAddon | undefined;

/** The addon for this process: found once, then reused. */
export function loadAddon(explicitPath?: string): LoadedAddon {
  if (cached && (explicitPath === undefined || cached.path === path.resolve(explicitPath))) {
    return cached;
  }
  cached = findAddon({ explicitPath });
  return cached;
}

const reportedFallbacks = new WeakSet<LoadedAddon>();

/** Says once per process why a GPU build was passed over for the one in use. */
export function reportGpuFallbacks(binding: LoadedAddon, logger: Logger | undefined): void {
  if (binding.gpuFallbacks.length === 0 || reportedFallbacks.has(binding)) return;
  reportedFallbacks.add(binding);

  const message =
    `a GPU build of the addon did not load; using ${binding.path} (${binding.origin}) ` +
    `instead. ${binding.gpuFallbacks.join('; ')}`;
  if (logger) logger.warn({ addon: binding.path, gpuFallbacks: binding.gpuFallbacks }, message);
  else process.emitWarning(message, { code: 'ASR_GPU_FALLBACK' });
}
