/**
 * Hundreds of transcriptions in a loop leave resident memory flat. The
 * bound: after a warm-up (allocator pools and whisper's buffers reach their
 * steady size), 300 more calls may add at most 40 MB. A leak of even the
 * 16 kHz float copy of each 11 s chunk (704 kB) would add over 200 MB.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model } from '../../src/index.js';
import { JFK_MP3, testModel } from '../support/fixtures.js';

const MB = 1024 * 1024;

describe('memory', () => {
  let model: Model;
  let jfk: Buffer;

  beforeAll(async () => {
    model = await loadModel(await testModel('test'), { states: 2 });
    jfk = readFileSync(JFK_MP3);
  });
  afterAll(() => model.close());

  async function batch(count: number): Promise<void> {
    for (let i = 0; i < count; i += 2) {
      await Promise.all([
        model.transcribe(jfk, { threads: 1, audioCtx: 'auto' }),
        model.transcribe(jfk, { threads: 1, audioCtx: 'auto', maxTokens: 8 }),
      ]);
    }
  }

  it('keeps RSS within 40 MB over 300 transcriptions after warm-up', async () => {
    await batch(40);
    const before = process.memoryUsage().rss;
    await batch(300);
    const after = process.memoryUsage().rss;
    expect((after - before) / MB).toBeLessThan(40);
  });
});
