/**
 * A GPU prebuild that is there but cannot load (here: not a shared object at
 * all, as a CUDA build is to a host without the CUDA runtime) must give way
 * to the CPU prebuild, and the reason must reach the log.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HostFacts } from '../../src/engine/addon-candidates.js';
import { findAddon, loadAddon, reportGpuFallbacks } from '../../src/engine/binding.js';
import { EngineError } from '../../src/engine/engine-error.js';

const NVIDIA_HOST: HostFacts = {
  platform: process.platform,
  arch: process.arch,
  gpus: new Set(['nvidia']),
};
const PREBUILT_NAME = process.platform === 'linux' ? 'asr_engine.glibc.node' : 'asr_engine.node';

function prebuildFolder(root: string, variant: string): string {
  const folder = path.join(
    root,
    'prebuilt',
    variant,
    'prebuilds',
    `${process.platform}-${process.arch}`,
  );
  mkdirSync(folder, { recursive: true });
  return folder;
}

describe('GPU prebuild that does not load', () => {
  let root: string;
  let brokenCuda: string;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'asr-addon-fallback-'));
    brokenCuda = path.join(prebuildFolder(root, 'cuda12'), PREBUILT_NAME);
    writeFileSync(brokenCuda, 'not a shared object');
    // The CPU prebuild: a copy of the addon this test run already loads.
    cpSync(loadAddon().path, path.join(prebuildFolder(root, 'cpu'), PREBUILT_NAME));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('falls back to the CPU prebuild and keeps why the GPU one failed', () => {
    const loaded = findAddon({ root, host: NVIDIA_HOST });

    expect(loaded.origin).toBe('prebuilt (cpu)');
    expect(loaded.addon.versions.backend).toBe('cpu');
    expect(loaded.gpuFallbacks).toHaveLength(1);
    expect(loaded.gpuFallbacks[0]).toContain(`${brokenCuda} (prebuilt (cuda12)): `);
    // After the candidate comes the dynamic loader's own reason (wording varies by OS).
    expect(loaded.gpuFallbacks[0]!.length).toBeGreaterThan(
      `${brokenCuda} (prebuilt (cuda12)): `.length,
    );
  });

  it('warns once, naming the addon in use and the reason', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().trim().split('\n'));
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const loaded = findAddon({ root, host: NVIDIA_HOST });

    reportGpuFallbacks(loaded, logger);
    reportGpuFallbacks(loaded, logger);

    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as { level: number; msg: string; addon: string };
    expect(record.level).toBe(40);
    expect(record.addon).toBe(loaded.path);
    expect(record.msg).toContain('a GPU build of the addon did not load');
    expect(record.msg).toContain(brokenCuda);
  });

  it('without a GPU driver, the GPU prebuild is not tried at all', () => {
    const loaded = findAddon({ root, host: { ...NVIDIA_HOST, gpus: new Set() } });

    expect(loaded.origin).toBe('prebuilt (cpu)');
    expect(loaded.gpuFallbacks).toEqual([]);
  });
});

describe('no addon anywhere', () => {
  it('ADDON_NOT_FOUND names the runtime, every place looked at, and the fix', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'asr-addon-none-'));
    const host: HostFacts = { platform: 'linux', arch: 'x64', gpus: new Set() };

    let error: EngineError | undefined;
    try {
      findAddon({ root: empty, host });
    } catch (failure) {
      error = failure as EngineError;
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    expect(error).toBeInstanceOf(EngineError);
    expect(error!.code).toBe('ADDON_NOT_FOUND');
    expect(error!.message).toContain(`Node.js ${process.version} on linux-x64`);
    for (const place of [
      path.join(empty, 'build-cmake', 'cpu', 'Release', 'asr_engine.node'),
      path.join(empty, 'build', 'Release', 'asr_engine.node'),
      path.join(empty, 'prebuilt', 'cpu', 'prebuilds', 'linux-x64'),
      path.join(empty, 'prebuilt', 'cuda12', 'prebuilds', 'linux-x64'),
    ]) {
      expect(error!.message).toContain(place);
    }
    expect(error!.message).toContain(`'npm run build:native' in ${empty}`);
  });
});
