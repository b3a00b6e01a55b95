/**
 * Finds and loads the native addon. Candidates, in order: an explicit path
 * (option or ASR_ADDON_PATH), then local builds, GPU backends first. The
 * first that loads wins; when none does, one error names every path tried
 * and the fix.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { EngineError } from './engine-error.js';
import { ensureNativeLogs } from './native-logs.js';
import type { NativeAddon } from './native-types.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireNative = createRequire(import.meta.url);

const BACKEND_PREFERENCE = ['cuda', 'metal', 'vulkan', 'cpu'] as const;

export interface AddonCandidate {
  path: string;
  origin: string;
}

export function addonCandidates(explicitPath?: string): AddonCandidate[] {
  const candidates: AddonCandidate[] = [];
  const override = explicitPath ?? process.env.ASR_ADDON_PATH;
  if (override) candidates.push({ path: path.resolve(override), origin: 'explicit' });

  for (const backend of BACKEND_PREFERENCE) {
    candidates.push({
      path: path.join(projectRoot, 'build-cmake', backend, 'Release', 'asr_engine.node'),
      origin: `cmake build (${backend})`,
    });
  }
  candidates.push({
    path: path.join(projectRoot, 'build', 'Release', 'asr_engine.node'),
    origin: 'node-gyp build (cpu)',
  });
  return candidates;
}

export interface LoadedAddon {
  addon: NativeAddon;
  path: string;
  origin: string;
}

let cached: LoadedAddon | undefined;

export function loadAddon(explicitPath?: string): LoadedAddon {
  if (cached && (explicitPath === undefined || cached.path === path.resolve(explicitPath))) {
    return cached;
  }

  const failures: string[] = [];
  for (const candidate of addonCandidates(explicitPath)) {
    if (!existsSync(candidate.path)) {
      failures.push(`  ${candidate.path} (${candidate.origin}): not built`);
      // An explicit choice that fails is an error, never a silent fallback.
      if (candidate.origin === 'explicit') break;
      continue;
    }
    try {
      const addon = requireNative(candidate.path) as NativeAddon;
      ensureNativeLogs(addon);
      cached = { addon, ...candidate };
      return cached;
    } catch (error) {
      failures.push(`  ${candidate.path} (${candidate.origin}): ${(error as Error).message}`);
      if (candidate.origin === 'explicit') break;
    }
  }

  throw new EngineError(
    'ADDON_NOT_FOUND',
    `no usable asr_engine addon for Node.js ${process.version} on ` +
      `${process.platform}-${process.arch}. Tried:\n${failures.join('\n')}\n` +
      "Build it with 'npm run build:native' (needs CMake and a C++17 compiler), " +
      'or point ASR_ADDON_PATH at a built asr_engine.node.',
  );
}
