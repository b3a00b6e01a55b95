import { describe, expect, it } from 'vitest';

import { bannerMessage, type BannerFacts } from '../../src/health/banner.js';
import { assertQueueType, enqueuedAtOf, QueueTypeError } from '../../src/health/queue-probe.js';

describe('assertQueueType', () => {
  it('accepts a list, and a key that does not exist yet', () => {
    expect(() => assertQueueType('q', 'list')).not.toThrow();
    expect(() => assertQueueType('q', 'none')).not.toThrow();
  });

  it.each(['stream', 'string', 'hash', 'set', 'zset'])('refuses a %s, saying so', (type) => {
    let caught: unknown;
    try {
      assertQueueType('asr_chunk_queue', type);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QueueTypeError);
    expect((caught as QueueTypeError).code).toBe('QUEUE_WRONG_TYPE');
    expect((caught as Error).message).toContain(
      `'asr_chunk_queue' holds a ${type}, expected a list`,
    );
  });
});

describe('enqueuedAtOf', () => {
  it('reads enqueued_at from a whole task', () => {
    expect(enqueuedAtOf('{"task_id":"a","enqueued_at":1700000000123}')).toBe(1700000000123);
    expect(enqueuedAtOf('{"task_id":"a"}')).toBeUndefined();
    // Seconds, as Python's time.time() gives: not an age the worker would accept.
    expect(enqueuedAtOf('{"task_id":"a","enqueued_at":1794604691.745}')).toBeUndefined();
    expect(enqueuedAtOf('{"task_id":"a","enqueued_at":1794604691}')).toBeUndefined();
    expect(enqueuedAtOf('{"enqueued_at":"yesterday"}')).toBeUndefined();
    expect(enqueuedAtOf('null')).toBeUndefined();
  });

  it('finds it in the two ends of a task too large to fetch whole', () => {
    const ends = '{"task_id":"a","audio_b64":"AAAA' + 'AAAA","enqueued_at":1700000000999}';
    expect(enqueuedAtOf(ends)).toBe(1700000000999);
    expect(enqueuedAtOf('{"task_id":"a","audio_b64":"AAAA' + 'AAAA"}')).toBeUndefined();
  });
});

describe('bannerMessage', () => {
  const facts: BannerFacts = {
    redis: 'redis://:***@cache:6379/2',
    database: 2,
    queue: 'asr_chunk_queue',
    queueType: 'list',
    queueDepth: 17,
    results: 'asr_result_queue',
    channel: 'asr_results',
    sessionResults: 'asr_session_results',
    sessionChannel: 'asr_sessions',
    contextChars: 200,
    silenceFloorDbfs: -60,
    vadModel: '/models/ggml-silero-v5.1.2.bin',
    engine: {
      model: 'ggml-base.en.bin',
      modelShape: 'base',
      backend: 'cuda',
      device: 'gpu 0',
      threads: 4,
      states: 2,
    },
    slots: 2,
    version: '1.2.3',
    http: 'http://127.0.0.1:9464',
  };

  it('names the Redis, the key with its state, the results, the model and its gates', () => {
    expect(bannerMessage(facts)).toBe(
      "listening on Redis list 'asr_chunk_queue' (a list, 17 waiting) at redis://:***@cache:6379/2 db 2; " +
        "results to list 'asr_result_queue' and channel 'asr_results'; " +
        "sessions to list 'asr_session_results' and channel 'asr_sessions' (context 200 chars); " +
        'model ggml-base.en.bin (base, cuda, gpu 0, 4 threads, 2 states); ' +
        'silence gate -60 dBFS; VAD ggml-silero-v5.1.2.bin; 2 slots; ' +
        'version 1.2.3; health and metrics on http://127.0.0.1:9464',
    );
  });

  it('says when no silence gate and no VAD stand before the decoder', () => {
    const message = bannerMessage({ ...facts, silenceFloorDbfs: 'off', vadModel: undefined });
    expect(message).toContain('2 states); no silence gate; no VAD; 2 slots');
  });
});
