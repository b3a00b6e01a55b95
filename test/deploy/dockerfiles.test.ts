import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { addonPathBuiltBy, addonPathIn } from './addon-layout.js';
import { findStage, isWithin, readStages, type Stage } from './dockerfile-stages.js';
import { isExcluded, parseDockerignore } from './dockerignore.js';
import { readRepoFile, repoPath } from './repo.js';

/** Each image's native builds, in build order; the CUDA image keeps a CPU one to fall back on. */
const DOCKERFILES = [
  { file: 'docker/cpu.Dockerfile', backends: ['cpu'] },
  { file: 'docker/cuda.Dockerfile', backends: ['cuda', 'cpu'] },
] as const;

/** What base images are known to hold, for a COPY --from an image or a bare image stage. */
const IMAGE_PATHS: Record<string, string[]> = {
  'node:20-bookworm-slim': ['/usr/local/bin/node', '/usr/local/lib/node_modules/npm'],
};

const ignorePatterns = parseDockerignore(readRepoFile('.dockerignore'));

/** Every file under a directory of the repository, relative to the repository root. */
function filesUnder(relativeDir: string): string[] {
  return readdirSync(repoPath(relativeDir), { withFileTypes: true }).flatMap((entry) => {
    const child = path.posix.join(relativeDir, entry.name);
    return entry.isDirectory() ? filesUnder(child) : [child];
  });
}

/** The image a stage ultimately starts from, through stages built on stages. */
function rootImageOf(stage: Stage): string {
  return stage.baseStage ? rootImageOf(stage.baseStage) : stage.base;
}

function pathsAvailableFrom(stages: Stage[], current: number, from: string): string[] {
  // Docker only lets a stage read stages defined before it.
  const source = findStage(stages.slice(0, current), from);
  if (!source) return IMAGE_PATHS[from] ?? [];
  return [...source.produced, ...(IMAGE_PATHS[rootImageOf(source)] ?? [])];
}

describe.each(DOCKERFILES)('$file', ({ file, backends }) => {
  const stages = readStages(readRepoFile(file));
  const finalStage = stages.at(-1)!;
  const inFinalImage = (relativePath: string) =>
    isWithin(path.posix.join(finalStage.workdir, relativePath), finalStage.produced);

  it('builds in stages, from base images pinned by tag', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages.filter((candidate) => !candidate.baseStage)) {
      const [, tag] = /^[^@]*?(?::([^/:@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(stage.base) ?? [];
      const pinned = (tag !== undefined && tag !== 'latest') || stage.base.includes('@sha256:');
      expect(pinned, `${stage.base} is not pinned by tag`).toBe(true);
    }
  });

  it('copies from the build context only files that exist and .dockerignore lets through', () => {
    const contextCopies = stages.flatMap((stage) => stage.copies.filter((copy) => !copy.from));
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      for (const source of copy.sources) {
        const relative = path.posix.normalize(source).replace(/\/+$/, '');
        const where = `line ${copy.line}: ${source}`;
        expect(existsSync(repoPath(relative)), `${where} is not in the repository`).toBe(true);
        const files = statSync(repoPath(relative)).isDirectory()
          ? filesUnder(relative)
          : [relative];
        expect(files.length, `${where} is an empty directory`).toBeGreaterThan(0);
        const ignored = files.filter((candidate) => isExcluded(ignorePatterns, candidate));
        expect(ignored, `${where}: .dockerignore keeps these out of the context`).toEqual([]);
      }
    }
  });

  it('copies from other stages and images only what they hold', () => {
    stages.forEach((stage, index) => {
      for (const copy of stage.copies.filter((candidate) => candidate.from !== undefined)) {
        const available = pathsAvailableFrom(stages, index, copy.from!);
        for (const source of copy.sources) {
          const absolute = path.posix.resolve('/', source);
          expect(
            isWithin(absolute, available),
            `line ${copy.line}: ${copy.from} does not produce ${source}; it has ${available.join(', ')}`,
          ).toBe(true);
        }
      }
    });
  });

  it(`builds the ${backends.join(' and ')} addons and ships each where build-native.mjs puts it`, () => {
    // Each native build forced to its backend rather than guessed.
    expect(stages.flatMap((stage) => stage.nativeBackends)).toEqual(backends);

    const addonCopies = finalStage.copies.filter((copy) =>
      copy.sources.some((source) => source.endsWith('asr_engine.node')),
    );
    expect(addonCopies).toHaveLength(backends.length);
    for (const backend of backends) {
      const addonPath = addonPathBuiltBy(backend);
      expect(addonPath).toBe(`build-cmake/${backend}/Release/asr_engine.node`);
      const copy = addonCopies.find((candidate) =>
        candidate.sources.some((source) => source.endsWith(addonPath)),
      );
      expect(copy, `no COPY of ${addonPath}`).toBeDefined();
      const builder = findStage(stages, copy!.from ?? '');
      expect(builder, 'the addon comes from a build stage').toBeDefined();
      expect(copy!.sources).toEqual([path.posix.join(builder!.workdir, addonPath)]);
      // The loader looks for it under the project root, which is the working directory.
      expect(copy!.destinations).toEqual([path.posix.join(finalStage.workdir, addonPath)]);
    }
  });

  it('runs as a user other than root', () => {
    expect(finalStage.user, 'the final stage sets no USER').toBeDefined();
    const [user] = finalStage.user!.split(':');
    expect(['root', '0']).not.toContain(user);
  });

  it('checks /readyz with node, on the port ASR_HTTP_PORT names, on every interface', () => {
    const port = finalStage.env.get('ASR_HTTP_PORT');
    expect(port, 'the final stage sets no ASR_HTTP_PORT').toMatch(/^\d+$/);
    expect(finalStage.env.get('ASR_HTTP_HOST')).toBe('0.0.0.0');
    expect(finalStage.exposed).toContain(port);

    const healthcheck = finalStage.healthcheck;
    expect(Array.isArray(healthcheck), 'the final stage has no HEALTHCHECK command').toBe(true);
    const command = healthcheck as string[];
    // Slim and CUDA runtime images have no curl or wget.
    expect(command[0]).toBe('node');
    const script = command.join(' ');
    expect(script).toContain('/readyz');
    expect(script).toMatch(new RegExp(`\\b${port}\\b`));
  });

  it('starts node dist/cli.js directly, so SIGTERM reaches the worker', () => {
    expect(finalStage.entrypoint).toEqual(['node', 'dist/cli.js']);
    expect(finalStage.cmd).toEqual(['run']);
    expect(finalStage.stopSignal).toBe('SIGTERM');
    const hasNode =
      rootImageOf(finalStage).startsWith('node:') ||
      finalStage.copies.some((copy) => copy.destinations.includes('/usr/local/bin/node'));
    expect(hasNode, 'node is neither in the base image nor copied in').toBe(true);
    expect(inFinalImage('dist/cli.js'), 'dist/ is not in the working directory').toBe(true);
  });

  it('ships what the worker reads at run time, without dev dependencies', () => {
    const needed = ['package.json', 'dist', 'node_modules', 'schemas', 'models/ggml-micro-en.bin'];
    expect(needed.filter((relativePath) => !inFinalImage(relativePath))).toEqual([]);

    const modulesCopy = finalStage.copies.find((copy) =>
      copy.destinations.includes(path.posix.join(finalStage.workdir, 'node_modules')),
    );
    const modulesStage = findStage(stages, modulesCopy?.from ?? '');
    const pruned = modulesStage?.runs.some((run) => /\bnpm prune\b.*--omit=dev/.test(run));
    expect(pruned, 'node_modules is copied from a stage that does not prune dev dependencies').toBe(
      true,
    );
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build outputs, fixtures and .git out of the build context', () => {
    const local = [
      'node_modules/ioredis/package.json',
      'dist/cli.js',
      'build-cmake/cpu/Release/asr_engine.node',
      'build/Release/asr_engine.node',
      'test/.fixtures/model.bin',
      'models/generated/tiny.bin',
      'bench/results/results.json',
      '.git/HEAD',
    ];
    expect(local.filter((relativePath) => !isExcluded(ignorePatterns, relativePath))).toEqual([]);
  });
});

describe('the addon layout read from build-native.mjs', () => {
  const script = readRepoFile('scripts/build-native.mjs');

  it('follows the script when its build directory moves', () => {
    const moved = script.replace("'build-cmake', backend", "'out', backend");
    expect(addonPathIn(moved, 'cuda')).toBe('out/cuda/Release/asr_engine.node');
  });

  it('refuses a script it can no longer read, rather than guessing', () => {
    const rewritten = script.replace('function addonPathFor', 'function addonFileFor');
    expect(() => addonPathIn(rewritten, 'cpu')).toThrow(/no longer defines/);
  });
});
