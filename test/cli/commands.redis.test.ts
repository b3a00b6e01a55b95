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
import { cleanQueue, connect, SHARED_REDIS_URL, uniqueQueue } from '../support/redis.js';
import { startTestWorker, type TestWorker } from '../worker/support.js';

/** Well inside the test timeout, so a command that hangs fails with what it printed. */
const CLI_TIMEOUT_MS = 100_000;

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
  const timer = setTimeout(() => {
    output += `\n[test: no exit after ${CLI_TIMEOUT_MS} ms; sending SIGTERM]\n`;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2_000);
  }, CLI_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** The demo's "said" and "heard" lines, paired. */
function saidAndHeard(output: string): Array<{ said: string; heard: string }> {
  const pairs = output.matchAll(/said {2}"([^"]*)".*\n\s+heard "([^"]*)"/g);
  return [...pairs].map(([, said, heard]) => ({ said: said!, heard: heard! }));
}

/** The demo's session part: each chunk's answer, the assembled segments, what was said. */
function sessionPart(output: string) {
  const chunks = [
    ...output.matchAll(/^ {2}chunk (\d+) \(([\d.]+)-([\d.]+) s\) answered by (\S+):/gm),
  ].map(([, index, from, to, worker]) => ({
    index: Number(index),
    from: Number(from),
    to: Number(to),
    worker: worker!,
  }));
  const segments = [...output.matchAll(/^ {4}\[ *([\d.]+)s - *([\d.]+)s\] (.*)$/gm)].map(
    ([, start, end, text]) => ({ start: Number(start), end: Number(end), text: text! }),
  );
  const said = /^ {2}said {6}"([^"]*)"$/m.exec(output)?.[1];
  const assembled = /^ {2}assembled "([^"]*)"/m.exec(output)?.[1];
  return { chunks, segments, said, assembled };
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

    // One recording in five chunks, pushed at once to two workers of one
    // decode each: both take chunks, and the pool assembles them in order.
    const session = sessionPart(output);
    expect(session.chunks.map((c) => c.index).sort(), output).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(session.chunks.map((c) => c.worker))).toEqual(
      new Set(['demo-worker-1', 'demo-worker-2']),
    );
    expect(session.said).toBe('go back home light on play music pause stop');
    expect(session.assembled).toBe(session.said);
    expect(output).toContain('✓ word for word');
    // Segment times are on the session's time line: in order, each inside the
    // chunk it came from (a chunk's own times would all start near 0).
    const starts = session.segments.map((s) => s.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    for (const segment of session.segments) {
      const chunk = session.chunks.find((c) => c.from <= segment.start && segment.start < c.to);
      expect(chunk, `segment at ${segment.start} s`).toBeDefined();
      expect(segment.end).toBeLessThanOrEqual(chunk!.to + 0.1);
    }
    expect(session.segments.at(-1)!.start).toBeGreaterThanOrEqual(
      session.chunks.find((c) => c.index === 4)!.from,
    );
  });

  it('adds real speech, whole and in chunks, when given a model', async () => {
    const { code, output } = await cli(['demo', '--model', await testModel('test')]);
    expect(code, output).toBe(0);
    // jfk.mp3 whole and as three 4 s chunks, beside the seven phrases.
    expect(output.match(/s audio, decode \d+ ms/g)).toHaveLength(4);
    expect(output).toContain('chunk 2 (final)');
    expect(saidAndHeard(output)).toHaveLength(7);
    // The session part runs too, whatever the model makes of the words.
    expect(sessionPart(output).chunks).toHaveLength(5);
    expect(output).toMatch(/^ {2}assembled "/m);
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

describe('asr-worker run', () => {
  it('names a missing model as the reason it could not start, not the Redis', async () => {
    const model = fixture('no-such-model.bin');
    const { code, output } = await cli([
      'run',
      '--no-http',
      '--redis',
      SHARED_REDIS_URL,
      '--queue',
      uniqueQueue('no-model'),
      '--model',
      model,
    ]);
    expect(code, output).toBe(1);
    expect(output).toContain(`could not start: no model file at '${model}'`);
    expect(output).toContain('[MODEL_NOT_FOUND]');
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

  /** `asr-worker enqueue <files> --queue <queue>` against the shared Redis. */
  function enqueueOnto(queue: string, ...files: string[]) {
    return cli(['enqueue', ...files, '--redis', SHARED_REDIS_URL, '--queue', queue]);
  }

  it('refuses an empty queue name', async () => {
    const wav = speechSets()[1]!.wav16k;
    for (const queue of ['', ' ']) {
      const { code, output } = await enqueueOnto(queue, wav);
      expect(code, output).toBe(1);
      expect(output).toContain('--queue must name a key');
      expect(await redis.exists(queue)).toBe(0);
    }
  });

  it('refuses a queue key that is not a list, saying what it holds', async () => {
    const wav = speechSets()[1]!.wav16k;
    const queue = `${worker.queue}:a-string`;
    await redis.set(queue, 'not a list');
    const { code, output } = await enqueueOnto(queue, wav);
    expect(code, output).toBe(1);
    expect(output).toContain(`queue key '${queue}' holds a string, expected a list`);
    expect(output).toContain('[QUEUE_WRONG_TYPE]');
    await redis.del(queue);
  });

  it('refuses an empty file before pushing anything', async () => {
    const empty = fixture('empty.wav');
    writeFileSync(empty, '');
    const queue = `${worker.queue}:never-pushed`;
    const { code, output } = await enqueueOnto(queue, empty);
    expect(code, output).toBe(1);
    expect(output).toContain(`${empty}: the file is empty`);
    expect(await redis.exists(queue)).toBe(0);
  });
});
