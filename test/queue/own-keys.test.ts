import { describe, expect, it } from 'vitest';

import { queueKeys } from '../../src/queue/keys.js';
import { describeOwnKey } from '../../src/queue/own-keys.js';

describe('describeOwnKey', () => {
  const keys = queueKeys('asr_chunk_queue');

  it.each([
    ['asr_chunk_queue', 'the task queue'],
    ['{asr_chunk_queue}:dead', 'the dead-letter list'],
    ['{asr_chunk_queue}:deliveries', 'the delivery-count hash'],
    ['{asr_chunk_queue}:first-seen', 'the first-seen hash'],
    ['{asr_chunk_queue}:sessions', 'the open-session index'],
    ['{asr_chunk_queue}:processing:host-a:4711', 'a processing list'],
    ['{asr_chunk_queue}:task:t1', 'a task status key'],
    ['{asr_chunk_queue}:publishing:t1', 'a publishing marker'],
    ['{asr_chunk_queue}:answered:t1', 'an answered-task fingerprint'],
    ['{asr_chunk_queue}:session:call-42', 'a session state'],
    ['{asr_chunk_queue}:session-status:call-42', 'a session status key'],
    ['{asr_chunk_queue}:worker:host-a:4711', 'a worker heartbeat'],
  ])('names %s as %s', (key, what) => {
    expect(describeOwnKey(keys, key)).toBe(what);
  });

  it.each([
    'asr_result_queue',
    'asr_chunk_queue:replies',
    '{asr_chunk_queue}:replies:backend-7',
    '{other_queue}:dead',
    'asr_chunk_queue2',
  ])('leaves %s to the producer', (key) => {
    expect(describeOwnKey(keys, key)).toBeUndefined();
  });
});
