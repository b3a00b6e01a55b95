/**
 * Once per native test run: build whisper.cpp's reference CLI (incremental,
 * from the same build tree as the addon) and generate the shared fixtures,
 * so test files never race to create them.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { PROJECT_ROOT, speechSets, testModel } from '../support/fixtures.js';

export default async function setup(): Promise<void> {
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'scripts', 'build-native.mjs'), '--target', 'whisper-cli'],
    { stdio: 'inherit' },
  );
  await testModel('test');
  speechSets();
}
