/**
 * The command line as a user runs it: `demo` end to end on a private Redis,
 * and `enqueue --wait` against a running worker, exit codes included.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixture, PROJECT_ROOT, speechSets, testModel } from '../support/fixtures.js';
import { cleanQueue, connect, SHARED_REDIS_URL } from '../support/redis.js';
import { startTestWorker, type TestWorker } from '../worker/support.js';

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli.ts'), ...args],
    { cwd: PROJECT_ROOT, stdio: 'pipe', env },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

/** The demo's "said" and "heard" lines, paired. */
function saidAndHeard(output: string): Array<{ said: string; heard: string }> {
  const pairs = output.matchAll(/said {2}"([^"]*)".*\n\s+heard "([^"]*)"/g);
  return [...pairs].map(([, said, heard]) => ({ said: said!, heard: heard! }));
}

describe('asr-worker demo', () => {
  it('says the right words with the bundled model, through a private Redis', async () => {
    const { code, output } = await cli(['demo']);
    expect(code, output).toBe(0);
    expect(output).toContain('started a private redis-server');

    const pairs = saidAndHeard(output);
    expect(pairs.length, output).toBe(7);
    for (const { said, heard } of pairs) expect(heard).toBe(said);
    expect(output).toContain('7 of 7 synthesised phrases transcribed word for word');
    // Each form a backend might send arrived and was read.
    for (const form of ['22.05 kHz mono WAV', '16 kHz stereo WAV', 's16le PCM', 'f32le PCM']) {
      expect(output).toContain(form);
    }
    expect(output).toContain('asr-worker demo --model path/to/ggml-base.en.bin');
  });

  it('adds real speech, whole and in chunks, when given a model', async () => {
    const { code, output } = await cli(['demo', '--model', await testModel('test')]);
    expect(code, output).toBe(0);
    // jfk.mp3 whole and as three 4 s chunks, beside the seven phrases.
    expect(output.match(/s audio, decode \d+ ms/g)).toHaveLength(4);
    expect(output).toContain('chunk 2 (final)');
    expect(saidAndHeard(output)).toHaveLength(7);
  });

  it('says how to get espeak-ng when it is missing, before starting anything', async () => {
    const emptyPath = mkdtempSync(path.join(os.tmpdir(), 'no-espeak-'));
    const { code, output } = await cli(['demo'], { ...process.env, PATH: emptyPath });
    expect(code).toBe(1);
    expect(output).toContain('apt-get install espeak-ng');
    expect(output).toContain('[ESPEAK_UNAVAILABLE]');
    expect(output).not.toContain('started a private redis-server');
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
    // Each result names the file it came from.
    expect(output.split(`${wav}: `)).toHaveLength(4);
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
