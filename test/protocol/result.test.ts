import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import { RESULT_ERROR_CODES } from '../../src/protocol/codes.js';
import {
  doneResult,
  expiredResult,
  failedResult,
  serializeResult,
  type DoneResultInput,
  type TaskResult,
} from '../../src/protocol/result.js';
import { AJV_OPTIONS, readSchema } from '../../src/protocol/schema-files.js';
import type { Task } from '../../src/protocol/task.js';

// Compiled here, apart from the code under test, the way a consumer in another
// language would validate what it receives.
const resultSchema = readSchema('result.v1.json');
const validateResult = new Ajv(AJV_OPTIONS).compile(resultSchema);

function expectValid(result: TaskResult): void {
  // Validated as a consumer receives it: serialized, then parsed.
  const received: unknown = JSON.parse(serializeResult(result));
  const valid = validateResult(received);
  expect(validateResult.errors ?? [], JSON.stringify(received)).toEqual([]);
  expect(valid).toBe(true);
}

const task: Task = {
  task_id: 'session-42-chunk-0007',
  audio_b64: 'UklGRg==',
  encoding: 'wav',
  channels: 1,
  session_id: 'session-42',
  chunk_index: 7,
  is_final: false,
  reply_to: 'replies',
};

const transcript: DoneResultInput = {
  text: ' Hello there.',
  segments: [
    { startMs: 0, endMs: 1200, text: ' Hello' },
    { startMs: 1200, endMs: 2480, text: ' there.' },
  ],
  language: 'en',
  audioMs: 2500,
  queuedMs: 35,
  decodeMs: 412.7,
  totalMs: 430.2,
  model: 'ggml-base.en.bin',
  workerId: 'host-a:4711',
  attempt: 1,
  now: 1733238000470,
};

describe('doneResult', () => {
  it('echoes the task and carries the transcript, in whole milliseconds', () => {
    expect(doneResult(task, transcript)).toEqual({
      version: 1,
      task_id: 'session-42-chunk-0007',
      status: 'done',
      session_id: 'session-42',
      chunk_index: 7,
      is_final: false,
      text: ' Hello there.',
      segments: [
        { start_ms: 0, end_ms: 1200, text: ' Hello' },
        { start_ms: 1200, end_ms: 2480, text: ' there.' },
      ],
      language: 'en',
      audio_ms: 2500,
      timings: { queued_ms: 35, decode_ms: 413, total_ms: 430 },
      model: 'ggml-base.en.bin',
      worker_id: 'host-a:4711',
      attempt: 1,
      finished_at: 1733238000470,
    });
  });

  it('validates against the result schema', () => {
    expectValid(doneResult(task, transcript));
  });

  it('validates with no segments and only the required task fields', () => {
    const bare: Task = { task_id: 't', audio_key: 'k', encoding: 'wav', channels: 1 };
    const result = doneResult(bare, { ...transcript, text: '', segments: [], attempt: 3 });
    expect(result).not.toHaveProperty('session_id');
    expect(result).not.toHaveProperty('chunk_index');
    expect(result).not.toHaveProperty('is_final');
    expectValid(result);
  });

  it('never reports negative or non-finite times, which a skewed producer clock or a bug can cause', () => {
    const result = doneResult(task, { ...transcript, queuedMs: -1500, totalMs: Number.NaN });
    expect(result.timings).toEqual({ queued_ms: 0, decode_ms: 413, total_ms: 0 });
    expectValid(result);
  });

  it('stamps the current time when none is given', () => {
    const before = Date.now();
    const result = doneResult(task, { ...transcript, now: undefined });
    expect(result.finished_at).toBeGreaterThanOrEqual(before);
    expect(result.finished_at).toBeLessThanOrEqual(Date.now());
  });
});

describe('failedResult', () => {
  const failure = { message: 'boom', workerId: 'host-a:4711', attempt: 2, now: 1733238000012 };

  it('answers with the code and message, echoing what is known of the task', () => {
    expect(
      failedResult(
        { task_id: 't1', chunk_index: 0, reply_to: 'replies' },
        { ...failure, code: 'AUDIO_INVALID', model: 'ggml-base.en.bin' },
      ),
    ).toEqual({
      version: 1,
      task_id: 't1',
      status: 'failed',
      chunk_index: 0,
      model: 'ggml-base.en.bin',
      worker_id: 'host-a:4711',
      attempt: 2,
      error: { code: 'AUDIO_INVALID', message: 'boom' },
      finished_at: 1733238000012,
    });
  });

  it.each(RESULT_ERROR_CODES)('validates against the result schema with code %s', (code) => {
    expectValid(failedResult({ task_id: 't1' }, { ...failure, code }));
    expectValid(failedResult(task, { ...failure, code, model: 'm' }));
  });
});

describe('expiredResult', () => {
  it('answers without an error and validates against the result schema', () => {
    const result = expiredResult(task, { workerId: 'w', attempt: 1, now: 5 });
    expect(result).toMatchObject({ status: 'expired', task_id: task.task_id, finished_at: 5 });
    expect(result).not.toHaveProperty('error');
    expectValid(result);
  });
});

describe('serializeResult', () => {
  it('writes one line of JSON that reads back unchanged', () => {
    const result = doneResult(task, { ...transcript, text: 'line one\nline two' });
    const text = serializeResult(result);
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(result);
  });
});

describe('the result schema file', () => {
  const done = doneResult(task, transcript);
  const failed = failedResult(task, { code: 'TIMEOUT', message: 'm', workerId: 'w', attempt: 1 });

  it.each([
    ['an unknown status', { ...done, status: 'finished' }],
    ['a status of the wrong type', { ...done, status: 1 }],
    ['a failed result without an error', { ...failed, error: undefined }],
    ['a done result with an error', { ...done, error: { code: 'INTERNAL', message: 'm' } }],
    ['a done result without text', { ...done, text: undefined }],
    ['an unknown error code', { ...failed, error: { code: 'ABORTED', message: 'm' } }],
    ['another version', { ...done, version: 2 }],
    ['an attempt of 0', { ...done, attempt: 0 }],
    ['fractional milliseconds', { ...done, audio_ms: 2500.5 }],
    ['no task_id', { ...done, task_id: undefined }],
  ])('refuses %s', (_name, result) => {
    expect(validateResult(JSON.parse(JSON.stringify(result)))).toBe(false);
  });

  it('accepts fields it does not know', () => {
    expect(validateResult({ ...done, trace_id: 'abc' })).toBe(true);
  });

  it('lists exactly the error codes the code knows', () => {
    const schema = resultSchema as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    expect(schema.properties.error.properties.code.enum).toEqual([...RESULT_ERROR_CODES]);
  });

  it('accepts its own examples', () => {
    const examples = resultSchema.examples as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(validateResult(example)).toBe(true);
  });

  it('documents every field it names', () => {
    const schema = resultSchema as { properties: Record<string, { description?: string }> };
    for (const [name, property] of Object.entries(schema.properties)) {
      expect(property.description, name).toBeTruthy();
    }
  });
});
