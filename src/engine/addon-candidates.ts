/**
 * Where an asr_engine addon may be, in the order the loader tries them: an
 * explicit path, then what was built in this checkout, then the prebuilt
 * binaries the package ships. GPU builds come first on hosts that have the
 * GPU's driver and are left out, with the reason, on hosts that do not.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const requireCjs = createRequire(import.meta.url);
const nodeGypBuild = requireCjs('node-gyp-build') as { path(dir: string): string };

export type Gpu = 'nvidia' | 'apple';

/** What the candidate order depends on; detected, or given by tests. */
export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  gpus: ReadonlySet<Gpu>;
}

export interface AddonCandidate {
  /** Who made it, for messages: "explicit", "cmake build (cuda)", "prebuilt (cpu)". */
  origin: string;
  backend: string;
  /** The GPU it needs, if any. */
  gpu: Gpu | undefined;
  /** Where it was looked for: the file, or the prebuilds folder. */
  location: string;
  /** The file to load; throws with the reason when there is none. */
  resolve(): string;
}

/**
 * Prebuilt trees, each laid out as prebuildify writes them
 * (`prebuilt/<variant>/prebuilds/<platform>-<arch>/asr_engine.<libc>.node`),
 * so node-gyp-build picks the file for this platform, architecture and libc.
 */
const PREBUILT_VARIANTS = [
  { variant: 'cuda12', backend: 'cuda', gpu: 'nvidia' },
  { variant: 'metal', backend: 'metal', gpu: 'apple' },
  { variant: 'cpu', backend: 'cpu', gpu: undefined },
] as const;

const LOCAL_BACKENDS = [
  { backend: 'cuda', gpu: 'nvidia' },
  { backend: 'metal', gpu: 'apple' },
  // Vulkan has no cheap driver probe; a local Vulkan build was asked for.
  { backend: 'vulkan', gpu: undefined },
  { backend: 'cpu', gpu: undefined },
] as const;

/** Files whose presence means the NVIDIA driver is installed (and, in a container, mounted). */
const NVIDIA_DRIVER_MARKERS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/proc/driver/nvidia/version'],
  win32: [path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'nvcuda.dll')],
};

export function detectHost(): HostFacts {
  const gpus = new Set<Gpu>();
  const markers = NVIDIA_DRIVER_MARKERS[process.platform] ?? [];
  if (markers.some((marker) => existsSync(marker))) gpus.add('nvidia');
  if (process.platform === 'darwin' && process.arch === 'arm64') gpus.add('apple');
  return { platform: process.platform, arch: process.arch, gpus };
}

function fileCandidate(
  file: string,
  origin: string,
  backend: string,
  gpu: Gpu | undefined,
): AddonCandidate {
  return {
    origin,
    backend,
    gpu,
    location: file,
    resolve() {
      if (!existsSync(file)) throw new Error(origin === 'explicit' ? 'no file there' : 'not built');
      return file;
    },
  };
}

function prebuiltCandidate(
  root: string,
  host: HostFacts,
  variant: (typeof PREBUILT_VARIANTS)[number],
): AddonCandidate {
  const variantRoot = path.join(root, 'prebuilt', variant.variant);
  return {
    origin: `prebuilt (${variant.variant})`,
    backend: variant.backend,
    gpu: variant.gpu,
    location: path.join(variantRoot, 'prebuilds', `${host.platform}-${host.arch}`),
    resolve() {
      try {
        return nodeGypBuild.path(variantRoot);
      } catch {
        throw new Error(`no prebuilt for ${host.platform}-${host.arch} in the package`);
      }
    },
  };
}

export interface CandidateList {
  candidates: AddonCandidate[];
  /** GPU builds passed over, each with why: "…: no NVIDIA driver on this host". */
  passedOver: string[];
}

const GPU_MISSING: Record<Gpu, string> = {
  nvidia: 'skipped, no NVIDIA driver on this host',
  apple: 'skipped, Metal needs macOS on Apple silicon',
};

export function addonCandidates(
  root: string,
  host: HostFacts,
  explicitPath: string | undefined,
): CandidateList {
  if (explicitPath) {
    const file = path.resolve(explicitPath);
    return { candidates: [fileCandidate(file, 'explicit', 'unknown', undefined)], passedOver: [] };
  }

  const local = LOCAL_BACKENDS.map(({ backend, gpu }) =>
    fileCandidate(
      path.join(root, 'build-cmake', backend, 'Release', 'asr_engine.node'),
      `cmake build (${backend})`,
      backend,
      gpu,
    ),
  );
  const gyp = fileCandidate(
    path.join(root, 'build', 'Release', 'asr_engine.node'),
    'node-gyp build (cpu)',
    'cpu',
    undefined,
  );
  const prebuilt = PREBUILT_VARIANTS.map((variant) => prebuiltCandidate(root, host, variant));

  // Both lists name GPU backends first, so a usable GPU build wins over the CPU.
  const all = [...local, gyp, ...prebuilt];
  const fits = (candidate: AddonCandidate) => !candidate.gpu || host.gpus.has(candidate.gpu);
  return {
    candidates: all.filter(fits),
    passedOver: all
      .filter((candidate) => !fits(candidate))
      .map(
        (candidate) =>
          `${candidate.location} (${candidate.origin}): ${GPU_MISSING[candidate.gpu!]}`,
      ),
  };
}
