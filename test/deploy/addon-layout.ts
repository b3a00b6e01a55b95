/**
 * Where scripts/build-native.mjs puts the addon it builds, read from the
 * script itself: the Dockerfiles copy that file by path, so a change to the
 * script's layout has to show up here as a failure, not as an image whose
 * loader finds nothing.
 */
import { readRepoFile } from './repo.js';

const BUILD_SCRIPT = 'scripts/build-native.mjs';

// The two lines of the script that fix the layout: the per-backend build
// directory, and the file cmake-js's Release configuration leaves in it.
const BUILD_DIR_LINE =
  /function buildDirFor\(backend\) \{\s*return path\.join\(projectRoot, ([^)]*)\);/;
const ADDON_FILE_LINE =
  /function addonPathFor\(backend\) \{\s*return path\.join\(buildDirFor\(backend\), ([^)]*)\);/;

function pathParts(joinArguments: string, backend: string): string[] {
  return joinArguments.split(',').map((argument) => {
    const part = argument.trim();
    if (part === 'backend') return backend;
    const literal = /^'([^']*)'$/.exec(part);
    if (!literal) throw new Error(`${BUILD_SCRIPT}: cannot read the path part ${part}`);
    return literal[1]!;
  });
}

/** The addon's path relative to the project root, as the given build script lays it out. */
export function addonPathIn(script: string, backend: string): string {
  const buildDir = BUILD_DIR_LINE.exec(script);
  const addonFile = ADDON_FILE_LINE.exec(script);
  if (!buildDir || !addonFile) {
    throw new Error(
      `${BUILD_SCRIPT} no longer defines buildDirFor() and addonPathFor() as this test ` +
        'reads them; find where it now puts asr_engine.node and update the Dockerfiles ' +
        'and test/deploy/addon-layout.ts together.',
    );
  }
  return [...pathParts(buildDir[1]!, backend), ...pathParts(addonFile[1]!, backend)].join('/');
}

/** Where scripts/build-native.mjs puts the addon, e.g. build-cmake/cpu/Release/asr_engine.node. */
export function addonPathBuiltBy(backend: string): string {
  return addonPathIn(readRepoFile(BUILD_SCRIPT), backend);
}
