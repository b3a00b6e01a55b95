import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { addonCandidates, type Gpu, type HostFacts } from '../../src/engine/addon-candidates.js';

const ROOT = path.join(path.sep, 'pkg');

function host(platform: NodeJS.Platform, arch: string, gpus: Gpu[] = []): HostFacts {
  return { platform, arch, gpus: new Set(gpus) };
}

function origins(facts: HostFacts, explicitPath?: string): string[] {
  return addonCandidates(ROOT, facts, explicitPath).candidates.map((c) => c.origin);
}

describe('addon candidates', () => {
  it('tries an explicit path alone, so a wrong one is never papered over', () => {
    const list = addonCandidates(ROOT, host('linux', 'x64', ['nvidia']), 'custom/asr.node');

    expect(list.candidates.map((c) => [c.origin, c.location])).toEqual([
      ['explicit', path.resolve('custom/asr.node')],
    ]);
    expect(list.passedOver).toEqual([]);
  });

  it('on an NVIDIA host: local builds, CUDA first, then the CUDA prebuild before the CPU one', () => {
    expect(origins(host('linux', 'x64', ['nvidia']))).toEqual([
      'cmake build (cuda)',
      'cmake build (vulkan)',
      'cmake build (cpu)',
      'node-gyp build (cpu)',
      'prebuilt (cuda12)',
      'prebuilt (cpu)',
    ]);
  });

  it('without a GPU driver: GPU builds are left out, and the reason is kept for the error', () => {
    const list = addonCandidates(ROOT, host('linux', 'arm64'), undefined);

    expect(list.candidates.map((c) => c.origin)).toEqual([
      'cmake build (vulkan)',
      'cmake build (cpu)',
      'node-gyp build (cpu)',
      'prebuilt (cpu)',
    ]);
    expect(list.passedOver).toEqual([
      `${path.join(ROOT, 'build-cmake', 'cuda', 'Release', 'asr_engine.node')} (cmake build (cuda)): skipped, no NVIDIA driver on this host`,
      `${path.join(ROOT, 'build-cmake', 'metal', 'Release', 'asr_engine.node')} (cmake build (metal)): skipped, Metal needs macOS on Apple silicon`,
      `${path.join(ROOT, 'prebuilt', 'cuda12', 'prebuilds', 'linux-arm64')} (prebuilt (cuda12)): skipped, no NVIDIA driver on this host`,
      `${path.join(ROOT, 'prebuilt', 'metal', 'prebuilds', 'linux-arm64')} (prebuilt (metal)): skipped, Metal needs macOS on Apple silicon`,
    ]);
  });

  it('on Apple silicon: Metal before the CPU, locally and prebuilt', () => {
    expect(origins(host('darwin', 'arm64', ['apple']))).toEqual([
      'cmake build (metal)',
      'cmake build (vulkan)',
      'cmake build (cpu)',
      'node-gyp build (cpu)',
      'prebuilt (metal)',
      'prebuilt (cpu)',
    ]);
  });

  it('looks for prebuilds in the folder named for the platform and architecture', () => {
    const cpu = addonCandidates(ROOT, host('darwin', 'arm64', ['apple']), undefined).candidates.at(
      -1,
    );

    expect(cpu?.location).toBe(path.join(ROOT, 'prebuilt', 'cpu', 'prebuilds', 'darwin-arm64'));
    expect(() => cpu?.resolve()).toThrow('no prebuilt for darwin-arm64 in the package');
  });
});
