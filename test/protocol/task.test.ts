import { describe, expect, it } from 'vitest';

import { decodeAudioB64 } from '../../src/protocol/base64.js';
import { readSchema } from '../../src/protocol/schema-files.js';
import { parseTask, TASK_ENCODINGS, type TaskParse } from '../../src/protocol/task.js';
import { leadingTaskId } from '../../src/protocol/task-id.js';

const limits = { maxPayloadBytes: 64 * 1024 };
const audio = Buffer.from('RIFF....WAVEfmt fake audio bytes');
const audioB64 = audio.toString('base64');

function parse(task: unknown, options = limits): TaskParse {
  return parseTask(typeof task === 'string' ? task : JSON.stringify(task), options);
}

function rejection(task: unknown, options = limits) {
  const parsed = parse(task, options);
  if (parsed.ok) throw new Error(`expected a rejection, got ${JSON.stringify(parsed.task)}`);
  return parsed;
}

describe('parseTask: valid tasks', () => {
  it('accepts the smallest task and fills in the defaults', () => {
    expect(parse({ task_id: 't1', audio_b64: audioB64 })).toEqual({
      ok: true,
      task: { task_id: 't1', audio_b64: audioB64, encoding: 'wav', channels: 1 },
    });
  });

  it('keeps every field of a full task', () => {
    const task = {
      version: 1,
      task_id: 'session-42-chunk-0007',
      audio_key: 'audio:session-42:0007',
      encoding: 'pcm_s16le',
      sample_rate: 48000,
      channels: 2,
      session_id: 'session-42',
      chunk_index: 7,
      is_final: true,
      language: 'auto',
      translate: true,
      prompt: 'Redis, whisper.cpp',
      reply_to: 'asr_result:backend-7',
      enqueued_at: 1733238000000.5,
    };
    // version is checked, not kept: the parsed task is always version 1.
    const expected: Record<string, unknown> = { ...task };
    delete expected.version;
    expect(parse(task)).toEqual({ ok: true, task: expected });
  });

  it.each(TASK_ENCODINGS)('accepts encoding %s', (encoding) => {
    const parsed = parse({ task_id: 't', audio_b64: audioB64, encoding, sample_rate: 16000 });
    expect(parsed.ok && parsed.task.encoding).toBe(encoding);
  });

  it('needs no sample_rate for containers', () => {
    expect(parse({ task_id: 't', audio_b64: audioB64, encoding: 'mp3' }).ok).toBe(true);
  });

  it('accepts fields it does not know, and leaves them out of the task', () => {
    const parsed = parse({ task_id: 't', audio_b64: audioB64, trace_id: 'abc', meta: { a: 1 } });
    expect(parsed).toEqual({
      ok: true,
      task: { task_id: 't', audio_b64: audioB64, encoding: 'wav', channels: 1 },
    });
  });

  it('reads an optional null as absent, as Go pointers and Python None send it', () => {
    const parsed = parse({
      task_id: 't',
      audio_b64: null,
      audio_key: 'k',
      encoding: null,
      channels: null,
      sample_rate: null,
      language: null,
      version: null,
    });
    expect(parsed).toEqual({
      ok: true,
      task: { task_id: 't', audio_key: 'k', encoding: 'wav', channels: 1 },
    });
  });

  it('accepts empty audio: that is the decoder to report, as AUDIO_EMPTY', () => {
    expect(parse({ task_id: 't', audio_b64: '' }).ok).toBe(true);
  });

  it('accepts the examples in the schema file', () => {
    const examples = readSchema('task.v1.json').examples as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(parse(example).ok).toBe(true);
  });

  it('accepts a payload exactly at the limit', () => {
    const raw = JSON.stringify({ task_id: 't', audio_b64: audioB64 });
    expect(parseTask(raw, { maxPayloadBytes: Buffer.byteLength(raw) }).ok).toBe(true);
  });
});

describe('parseTask: input that is not a task object', () => {
  it.each([
    ['not JSON', 'hello', /^not JSON: /],
    ['truncated JSON', '{"task_id":"t1","audio_b64":"QU', /^not JSON: /],
    ['empty string', '', /^not JSON: /],
    ['an array', '[{"task_id":"t1"}]', /^task must be a JSON object, got an array$/],
    ['a number', '42', /^task must be a JSON object, got 42$/],
    ['a string', '"t1"', /^task must be a JSON object, got "t1"$/],
    ['null', 'null', /^task must be a JSON object, got null$/],
    [
      'a task encoded twice',
      JSON.stringify(JSON.stringify({ task_id: 't1' })),
      /got "\{.*\(a string holding JSON: the task was JSON-encoded twice; push the object itself\)$/,
    ],
  ])('refuses %s as INVALID_TASK with no task id', (_name, raw, message) => {
    const parsed = rejection(raw);
    expect(parsed.code).toBe('INVALID_TASK');
    expect(parsed.message).toMatch(message);
    expect(parsed.taskId).toBeUndefined();
  });
});

describe('parseTask: a byte order mark', () => {
  it('is passed over, as RFC 8259 allows', () => {
    const parsed = parse(`\uFEFF${JSON.stringify({ task_id: 't1', audio_b64: audioB64 })}`);
    expect(parsed.ok).toBe(true);
  });
});

describe('parseTask: task_id', () => {
  it('is required, and no id is reported', () => {
    const parsed = rejection({ audio_b64: audioB64 });
    expect(parsed).toMatchObject({ code: 'INVALID_TASK', message: "field 'task_id' is required" });
    expect(parsed.taskId).toBeUndefined();
  });

  it('names a differently spelled field that was probably meant', () => {
    expect(rejection({ taskId: 't1', audio_b64: audioB64 }).message).toBe(
      "field 'task_id' is required (found 'taskId'; field names are snake_case)",
    );
    expect(rejection({ TaskID: 't1', audio_b64: audioB64 }).message).toContain("found 'TaskID'");
  });

  it.each([
    [42, "field 'task_id' must be string, got 42"],
    [null, "field 'task_id' must be string, got null"],
    [['t1'], "field 'task_id' must be string, got an array"],
    ['', 'field \'task_id\' must not be empty, got ""'],
  ])('refuses %j', (taskId, message) => {
    const parsed = rejection({ task_id: taskId, audio_b64: audioB64 });
    expect(parsed).toMatchObject({ code: 'INVALID_TASK', message });
    expect(parsed.taskId).toBeUndefined();
  });

  it('allows 256 characters, counted as code points, and no more', () => {
    expect(parse({ task_id: 'x'.repeat(256), audio_b64: audioB64 }).ok).toBe(true);
    expect(parse({ task_id: '😀'.repeat(256), audio_b64: audioB64 }).ok).toBe(true);

    const parsed = rejection({ task_id: 'x'.repeat(257), audio_b64: audioB64 });
    expect(parsed.message).toBe(
      `field 'task_id' must have at most 256 characters, got "${'x'.repeat(40)}"... (257 characters)`,
    );
    expect(parsed.taskId).toBeUndefined();
  });

  it('is reported whenever it is readable, with the fields that can be echoed', () => {
    const parsed = rejection({
      task_id: 't1',
      session_id: 's',
      chunk_index: 3,
      is_final: false,
      reply_to: 'replies',
      sample_rate: 'x',
      audio_b64: audioB64,
    });
    expect(parsed).toMatchObject({ taskId: 't1' });
    expect(parsed.echo).toEqual({
      session_id: 's',
      chunk_index: 3,
      is_final: false,
      reply_to: 'replies',
    });
  });

  it('echoes only the fields that are valid themselves', () => {
    const parsed = rejection({ task_id: 't1', chunk_index: -1, reply_to: '', session_id: 's' });
    expect(parsed.echo).toEqual({ session_id: 's' });
  });
});

describe('parseTask: the audio source', () => {
  it('refuses a task with neither audio_b64 nor audio_key', () => {
    expect(rejection({ task_id: 't1' })).toMatchObject({
      code: 'INVALID_TASK',
      message: "exactly one of 'audio_b64' and 'audio_key' must be given, got neither",
      taskId: 't1',
    });
  });

  it('counts null as not given', () => {
    expect(rejection({ task_id: 't1', audio_b64: null, audio_key: null }).message).toMatch(
      /got neither$/,
    );
  });

  it('names a differently spelled audio field', () => {
    expect(rejection({ task_id: 't1', audioB64: audioB64 }).message).toBe(
      "exactly one of 'audio_b64' and 'audio_key' must be given, got neither" +
        " (found 'audioB64'; field names are snake_case)",
    );
  });

  it('refuses a task with both', () => {
    expect(rejection({ task_id: 't1', audio_b64: audioB64, audio_key: 'k' })).toMatchObject({
      code: 'INVALID_TASK',
      message: "exactly one of 'audio_b64' and 'audio_key' must be given, got both",
      taskId: 't1',
    });
  });

  it('reports a wrongly typed audio field as such', () => {
    expect(rejection({ task_id: 't1', audio_b64: [1, 2] }).message).toBe(
      "field 'audio_b64' must be string, got an array",
    );
    expect(rejection({ task_id: 't1', audio_key: '' }).message).toBe(
      'field \'audio_key\' must not be empty, got ""',
    );
  });

  it.each([
    ['URL-safe alphabet', 'ab-_', 'character "-" at offset 2 (that is the URL-safe alphabet'],
    [
      'a line break',
      `${audioB64.slice(0, 8)}\n${audioB64.slice(8)}`,
      'character "\\n" at offset 8',
    ],
    ['a space', 'QUJD REVG', 'character " " at offset 4'],
    ['missing padding', 'QUI', 'its length 3 is not a multiple of 4'],
    ['padding in the middle', 'QQ==QUJD', 'character "=" at offset 2'],
    ['three padding characters', 'Q===', 'character "=" at offset 1'],
    ['a character outside any alphabet', 'QUJ*', 'character "*" at offset 3'],
    [
      'a data: URL prefix',
      `data:audio/wav;base64,${audioB64}`,
      'it starts with a data: URL prefix (send only the base64 after the comma)',
    ],
  ])('refuses audio_b64 with %s', (_name, b64, detail) => {
    const parsed = rejection({ task_id: 't1', audio_b64: b64, reply_to: 'r' });
    expect(parsed).toMatchObject({ code: 'INVALID_TASK', taskId: 't1', echo: { reply_to: 'r' } });
    expect(parsed.message).toMatch(/^audio_b64 is not standard base64: /);
    expect(parsed.message).toContain(detail);
  });
});

describe('parseTask: encoding and PCM format', () => {
  it.each(['ogg', 'WAV', 'auto', 'opus'])(
    'answers encoding %j with UNSUPPORTED_ENCODING',
    (encoding) => {
      expect(rejection({ task_id: 't1', audio_b64: audioB64, encoding })).toEqual({
        ok: false,
        code: 'UNSUPPORTED_ENCODING',
        message: `encoding "${encoding}" is not supported; use one of wav, mp3, flac, pcm_s16le, pcm_f32le`,
        taskId: 't1',
        echo: {},
      });
    },
  );

  it('answers an encoding that is not a string with INVALID_TASK', () => {
    expect(rejection({ task_id: 't1', audio_b64: audioB64, encoding: 16 })).toMatchObject({
      code: 'INVALID_TASK',
      message: "field 'encoding' must be string, got 16",
    });
  });

  it('reports another error ahead of an unsupported encoding', () => {
    expect(rejection({ task_id: 't1', encoding: 'ogg' })).toMatchObject({
      code: 'INVALID_TASK',
      message: "exactly one of 'audio_b64' and 'audio_key' must be given, got neither",
    });
  });

  it.each(['pcm_s16le', 'pcm_f32le'])('requires sample_rate for %s', (encoding) => {
    const message = `field 'sample_rate' is required when encoding is '${encoding}'`;
    expect(rejection({ task_id: 't1', audio_b64: audioB64, encoding })).toMatchObject({
      code: 'INVALID_TASK',
      message,
      taskId: 't1',
    });
    expect(
      rejection({ task_id: 't1', audio_b64: audioB64, encoding, sample_rate: null }).message,
    ).toBe(message);
    expect(
      rejection({ task_id: 't1', audio_b64: audioB64, encoding, sampleRate: 16000 }).message,
    ).toBe(`${message} (found 'sampleRate'; field names are snake_case)`);
  });

  it('reports a wrongly typed sample_rate as a type error, PCM or not', () => {
    const message = 'field \'sample_rate\' must be integer, got "16k"';
    for (const encoding of ['pcm_s16le', 'wav']) {
      expect(
        rejection({ task_id: 't1', audio_b64: audioB64, encoding, sample_rate: '16k' }).message,
      ).toBe(message);
    }
  });
});

describe('parseTask: field types and ranges', () => {
  it.each([
    [{ sample_rate: 16000.5 }, "field 'sample_rate' must be integer, got 16000.5"],
    [{ sample_rate: 999 }, "field 'sample_rate' must be >= 1000, got 999"],
    [{ sample_rate: 400000 }, "field 'sample_rate' must be <= 384000, got 400000"],
    [{ channels: 0 }, "field 'channels' must be >= 1, got 0"],
    [{ channels: '2' }, 'field \'channels\' must be integer, got "2"'],
    [{ chunk_index: -1 }, "field 'chunk_index' must be >= 0, got -1"],
    [{ chunk_index: 1.5 }, "field 'chunk_index' must be integer, got 1.5"],
    [{ is_final: 'true' }, 'field \'is_final\' must be boolean, got "true"'],
    [{ translate: 1 }, "field 'translate' must be boolean, got 1"],
    [{ session_id: 42 }, "field 'session_id' must be string, got 42"],
    [{ language: 'English' }, 'field \'language\' must match ^(auto|[a-z]{2,3})$, got "English"'],
    [{ prompt: { text: 'x' } }, "field 'prompt' must be string, got an object"],
    [{ reply_to: '' }, 'field \'reply_to\' must not be empty, got ""'],
    [{ enqueued_at: '2024-12-03' }, 'field \'enqueued_at\' must be number, got "2024-12-03"'],
    [
      { enqueued_at: -5 },
      "field 'enqueued_at' must be Unix milliseconds, from 100000000000 to 9999999999999, got -5",
    ],
    [{ version: 2 }, "field 'version' must be 1, got 2"],
  ])('refuses %j', (field, message) => {
    expect(rejection({ task_id: 't1', audio_b64: audioB64, ...field })).toMatchObject({
      code: 'INVALID_TASK',
      message,
      taskId: 't1',
    });
  });

  it('allows a prompt of 4096 characters and no more', () => {
    expect(parse({ task_id: 't', audio_b64: audioB64, prompt: 'p'.repeat(4096) }).ok).toBe(true);
    expect(
      rejection({ task_id: 't', audio_b64: audioB64, prompt: 'p'.repeat(4097) }).message,
    ).toMatch(/^field 'prompt' must have at most 4096 characters/);
  });
});

describe('parseTask: enqueued_at', () => {
  const withTime = (enqueuedAt: number) => ({
    task_id: 't1',
    audio_b64: audioB64,
    enqueued_at: enqueuedAt,
  });

  it('accepts Unix milliseconds, from 1973 to 2286', () => {
    for (const ms of [Date.now(), 1e11, 9_999_999_999_999, 1733238000000.5]) {
      expect(parse(withTime(ms)).ok, String(ms)).toBe(true);
    }
  });

  it.each([
    ["Python's time.time()", 1794604691.745, 'seconds (multiply by 1000)'],
    ['whole seconds', 1794604691, 'seconds (multiply by 1000)'],
    ['microseconds', 1794604691745123, 'microseconds (divide by 1000)'],
    ["Python's time.time_ns()", 1794604691745123000, 'nanoseconds (divide by 1000000)'],
  ])('refuses %s, naming the unit the value looks like', (_name, value, unit) => {
    expect(rejection(withTime(value))).toMatchObject({
      code: 'INVALID_TASK',
      taskId: 't1',
      message:
        "field 'enqueued_at' must be Unix milliseconds, from 100000000000 to 9999999999999, " +
        `got ${value}: that looks like ${unit}`,
    });
  });

  it('refuses 0 without guessing a unit', () => {
    expect(rejection(withTime(0)).message).toBe(
      "field 'enqueued_at' must be Unix milliseconds, from 100000000000 to 9999999999999, got 0",
    );
  });
});

describe('parseTask: payload size', () => {
  const small = { maxPayloadBytes: 200 };
  const big = JSON.stringify({ task_id: 't-big', audio_b64: 'A'.repeat(400) });

  it('refuses a payload over the limit before parsing it, with its leading task_id', () => {
    expect(parseTask(big, small)).toEqual({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      message: `task is ${big.length} bytes, over the limit of 200 bytes`,
      taskId: 't-big',
    });
  });

  it('counts bytes, not characters', () => {
    const raw = JSON.stringify({ task_id: 't', audio_key: 'k', prompt: 'ü'.repeat(100) });
    expect(raw.length).toBeLessThan(200);
    expect(parseTask(raw, small)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', taskId: 't' });
  });

  it('refuses an oversize payload even when it is not JSON', () => {
    expect(parseTask('x'.repeat(201), small)).toEqual({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'task is 201 bytes, over the limit of 200 bytes',
    });
  });
});

describe('leadingTaskId', () => {
  it('reads task_id when it is the first key, unescaping it as JSON does', () => {
    expect(leadingTaskId(' \n{ "task_id" : "a\\"b\\u00e9", "audio_b64": "')).toBe('a"bé');
  });

  it('reads it past escapes that cannot spell another task_id key', () => {
    expect(leadingTaskId('{"task_id":"t1","prompt":"M\\u00fcller \\"Tasks\\"\\n"}')).toBe('t1');
  });

  it.each([
    ['a later key', '{"audio_b64":"QUJD","task_id":"t1"}'],
    ['a nested key', '{"meta":{"task_id":"t1"},"audio_b64":"QUJD"}'],
    ['a key that ends in task_id', '{"x\\"task_id": "t1"}'],
    ['a non-string id', '{"task_id": 42}'],
    ['an empty id', '{"task_id": ""}'],
    ['an id cut off by the peek window', `{"task_id": "${'x'.repeat(5000)}"}`],
    ['an invalid escape', '{"task_id": "a\\qb"}'],
    ['a raw control character', '{"task_id": "a\u0001b"}'],
    ['not an object', '["task_id", "t1"]'],
    // JSON.parse keeps the last of duplicate keys: the leading one is not the id.
    ['a duplicate key', '{"task_id":"c15","task_id":"c15b"}'],
    ['a duplicate key spelled with escapes', '{"task_id":"c15","t\\u0061sk_id":"c15b"}'],
  ])('gives up on %s', (_name, raw) => {
    expect(leadingTaskId(raw)).toBeUndefined();
  });
});

describe('decodeAudioB64', () => {
  it('decodes standard base64', () => {
    expect(decodeAudioB64(audioB64)).toEqual(audio);
    expect(decodeAudioB64('+/+/')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    expect(decodeAudioB64('')).toEqual(Buffer.alloc(0));
  });

  it.each(['-_-_', 'QUI', 'QU I=', 'QUJD\n', 'Q===', '=QUJ'])('refuses %j', (b64) => {
    expect(decodeAudioB64(b64)).toBeUndefined();
  });

  it('checks a large string without running out of stack', () => {
    const large = Buffer.alloc(12_000_000, 7).toString('base64');
    expect(decodeAudioB64(large)?.length).toBe(12_000_000);
    expect(decodeAudioB64(`${large.slice(0, -4)}-AAA`)).toBeUndefined();
  });
});

describe('the task schema file', () => {
  it('lists exactly the encodings the parser knows', () => {
    const schema = readSchema('task.v1.json') as {
      properties: { encoding: { enum: unknown[] } };
    };
    expect(schema.properties.encoding.enum.filter((value) => value !== null)).toEqual([
      ...TASK_ENCODINGS,
    ]);
  });

  it('documents every field it names', () => {
    const schema = readSchema('task.v1.json') as {
      properties: Record<string, { description?: string; examples?: unknown[] }>;
    };
    for (const [name, property] of Object.entries(schema.properties)) {
      expect(property.description, name).toBeTruthy();
      expect(property.examples, name).toBeTruthy();
    }
  });
});
