/**
 * The command line as a user runs it: `demo` end to end on a private Redis,
 * and `enqueue --wait` against a running worker, exit codes included.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixture, PROJECT_ROOT, speechSets, testModel } from '../support/fixtures.js';
import { cleanQueue, connect, SHARED_REDIS_URL } from '../support/redis.js';
import { startTestWorker, type TestWorker } from '../worker/support.js';

function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli.ts'), ...args],
    {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('asr-worker demo', () => {
  it('transcribes real speech through a private Redis and shuts everything down', async () => {
    const { code, output } = await cli(['demo', '--model', await testModel('test')]);
    expect(code, output).toBe(0);
    expect(output).toContain('started a private redis-server');
    // jfk.mp3 whole, three 4 s chunks, and the espeak-ng sentence.
    expect(output.match(/s audio, decode \d+ ms/g)).toHaveLength(5);
    expect(output).toContain('chunk 2 (final)');
  });
});

describe('asr-worker enqueue', () => {
  const redis = connect();
  let worker: TestWorker;

  beforeAll(async () => {
    worker = await startTestWorker('enqueue', { model: await testModel('test') });
  });
  afterAll(async () => {
    await worker.stop();
    await cleanQueue(redis, worker.queue);
    redis.disconnect();
  });

  it('pushes a recording as chunks of one session and prints their results', async () => {
    const wav = speechSets()[1]!.wav16k;
    const { code, output } = await cli(
      ['enqueue', wav, '--chunk-seconds', '1.5', '--wait'].concat([
        '--redis',
        SHARED_REDIS_URL,
        '--queue',
        worker.queue,
      ]),
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/pushed 3 task\(s\)/);
    expect(output).toContain('chunk 2 (final)');
  });

  it('exits 1 when a result comes back failed', async () => {
    const notAudio = fixture('not-audio.wav');
    writeFileSync(notAudio, 'this is text with a .wav name'.repeat(20));
    const { code, output } = await cli(
      ['enqueue', notAudio, '--wait'].concat([
        '--redis',
        SHARED_REDIS_URL,
        '--queue',
        worker.queue,
      ]),
    );
    expect(code, output).toBe(1);
    expect(output).toContain('failed AUDIO_INVALID');
  });
});
