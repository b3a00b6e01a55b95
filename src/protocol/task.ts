/**
 * Reads a task string from the queue into a typed Task, or says precisely why
 * it cannot, with the task id whenever one could be read so the caller can
 * answer with a failed result instead of dead-lettering.
 *
 * Validation is schemas/task.v1.json itself: what the worker accepts is
 * exactly what other teams validate their producers against.
 */
import type { ErrorObject } from 'ajv';

import { base64Problem } from './base64.js';
import { describeEnqueuedAt, isEnqueuedAtRange } from './enqueued-at.js';
import { compileProperty, compileSchema } from './schema-files.js';
import { describeSchemaError, describeValue, fieldOf, renamedHint } from './schema-errors.js';
import { isUsableTaskId, leadingTaskId } from './task-id.js';

export { decodeAudioB64 } from './base64.js';

export const TASK_ENCODINGS = ['wav', 'mp3', 'flac', 'pcm_s16le', 'pcm_f32le'] as const;
export type TaskEncoding = (typeof TASK_ENCODINGS)[number];

export interface Task {
  task_id: string;
  audio_b64?: string;
  audio_key?: string;
  encoding: TaskEncoding;
  sample_rate?: number;
  channels: number;
  session_id?: string;
  chunk_index?: number;
  is_final?: boolean;
  offset_ms?: number;
  language?: string;
  translate?: boolean;
  prompt?: string;
  reply_to?: string;
  enqueued_at?: number;
}

/**
 * The fields of a rejected task that were valid on their own, so its failed
 * result can still echo them and still reach the producer's `reply_to` list.
 */
export type TaskEcho = Partial<Pick<Task, 'session_id' | 'chunk_index' | 'is_final' | 'reply_to'>>;

export type TaskParse =
  | { ok: true; task: Task }
  | {
      ok: false;
      code: 'INVALID_TASK' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_ENCODING';
      message: string;
      taskId?: string;
      echo?: TaskEcho;
    };

export interface TaskLimits {
  maxPayloadBytes: number;
}

type RejectionCode = Extract<TaskParse, { ok: false }>['code'];

// A task as the schema admits it: any optional field may be null, meaning absent.
type WireTask = { [Field in keyof Task]?: Task[Field] | null } & { task_id: string };

const OPTIONAL_FIELDS = [
  'audio_b64',
  'audio_key',
  'sample_rate',
  'session_id',
  'chunk_index',
  'is_final',
  'offset_ms',
  'language',
  'translate',
  'prompt',
  'reply_to',
  'enqueued_at',
] as const satisfies readonly (keyof Task)[];

const ECHO_FIELDS = [
  'session_id',
  'chunk_index',
  'is_final',
  'reply_to',
] as const satisfies readonly (keyof TaskEcho)[];

const AUDIO_FIELDS = ['audio_b64', 'audio_key'] as const;

// Compiled at import, so a broken or missing schema file stops the worker at
// startup rather than failing its first task.
const validateTask = compileSchema<WireTask>('task.v1.json');
const validateEchoField = new Map(
  ECHO_FIELDS.map((field) => [field, compileProperty('task.v1.json', field)]),
);

export function parseTask(raw: string, limits: TaskLimits): TaskParse {
  // Measured before parsing: parsing is the cost the limit exists to avoid.
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > limits.maxPayloadBytes) {
    return rejected(
      'PAYLOAD_TOO_LARGE',
      `task is ${bytes} bytes, over the limit of ${limits.maxPayloadBytes} bytes`,
      leadingTaskId(raw),
    );
  }

  let value: unknown;
  try {
    // A byte order mark is no part of JSON, but Windows tools and some
    // encoders write one; RFC 8259 lets a parser ignore it, so this one does.
    value = JSON.parse(raw.startsWith('\uFEFF') ? raw.slice(1) : raw);
  } catch (error) {
    return rejected('INVALID_TASK', `not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return rejected(
      'INVALID_TASK',
      `task must be a JSON object, got ${describeValue(value)}${doubleEncodedHint(value)}`,
    );
  }

  const fields = value as Record<string, unknown>;
  const taskId = isUsableTaskId(fields.task_id) ? fields.task_id : undefined;
  if (!validateTask(fields)) {
    const { code, message } = explain(validateTask.errors ?? [], fields);
    return rejected(code, message, taskId, echoOf(fields));
  }

  const b64Problem =
    typeof fields.audio_b64 === 'string' ? base64Problem(fields.audio_b64) : undefined;
  if (b64Problem !== undefined) {
    return rejected(
      'INVALID_TASK',
      `audio_b64 is not standard base64: ${b64Problem}`,
      taskId,
      echoOf(fields),
    );
  }

  return { ok: true, task: toTask(fields) };
}

/** The task id a parse found: the task's, or a rejected task's when it was usable. */
export function parsedTaskId(parsed: TaskParse): string | undefined {
  return parsed.ok ? parsed.task.task_id : parsed.taskId;
}

/**
 * Picks the one error worth reporting. ajv also reports the composite
 * keywords around a failure ("must match exactly one schema in oneOf", "must
 * match "then" schema"); the failure inside, or the task itself, says more.
 */
function explain(
  errors: ErrorObject[],
  fields: Record<string, unknown>,
): { code: RejectionCode; message: string } {
  const specific = errors.filter(
    (error) =>
      error.keyword !== 'if' && error.keyword !== 'oneOf' && !error.schemaPath.includes('/oneOf/'),
  );
  const unknownEncoding = specific.find((error) => isUnknownEncoding(error, fields));
  const invalid = specific.filter((error) => error !== unknownEncoding);

  const taskIdError = invalid.find((error) => fieldOf(error) === 'task_id');
  if (taskIdError)
    return { code: 'INVALID_TASK', message: describeSchemaError(taskIdError, fields) };

  // With exactly one audio field given, a oneOf failure is that field's type
  // error, reported below with its value.
  const audioGiven = AUDIO_FIELDS.filter((field) => isGiven(fields[field]));
  if (errors.some((error) => error.keyword === 'oneOf') && audioGiven.length !== 1) {
    return { code: 'INVALID_TASK', message: audioChoiceMessage(audioGiven, fields) };
  }

  // A field's own error says more than the pcm rule's error about the same field.
  const fieldError = invalid.find((error) => !isPcmRule(error)) ?? invalid[0];
  if (fieldError) return { code: 'INVALID_TASK', message: describeFieldError(fieldError, fields) };

  if (unknownEncoding) {
    const encoding = String(fields.encoding);
    return {
      code: 'UNSUPPORTED_ENCODING',
      message: `encoding ${describeValue(encoding)} is not supported; use one of ${TASK_ENCODINGS.join(', ')}`,
    };
  }

  // Unreachable while the schema has only the rules above; kept so a new rule
  // can never turn into an unexplained rejection.
  return { code: 'INVALID_TASK', message: errors[0]?.message ?? 'task does not match the schema' };
}

function describeFieldError(error: ErrorObject, fields: Record<string, unknown>): string {
  if (isPcmRule(error)) {
    return (
      `field 'sample_rate' is required when encoding is '${String(fields.encoding)}'` +
      renamedHint('sample_rate', fields)
    );
  }
  if (isEnqueuedAtRange(error)) return describeEnqueuedAt(fields.enqueued_at);
  return describeSchemaError(error, fields);
}

function isUnknownEncoding(error: ErrorObject, fields: Record<string, unknown>): boolean {
  return (
    error.keyword === 'enum' &&
    error.instancePath === '/encoding' &&
    typeof fields.encoding === 'string'
  );
}

function isPcmRule(error: ErrorObject): boolean {
  return error.schemaPath.includes('/then/');
}

function audioChoiceMessage(given: readonly string[], fields: Record<string, unknown>): string {
  const expected = `exactly one of 'audio_b64' and 'audio_key' must be given`;
  if (given.length > 1) return `${expected}, got both`;
  const hints = AUDIO_FIELDS.map((field) => renamedHint(field, fields)).join('');
  return `${expected}, got neither${hints}`;
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function echoOf(fields: Record<string, unknown>): TaskEcho {
  const echo: Record<string, unknown> = {};
  for (const [field, validate] of validateEchoField) {
    const value = fields[field];
    if (isGiven(value) && validate(value)) echo[field] = value;
  }
  return echo as TaskEcho;
}

/** Drops nulls and unknown fields, and fills in the defaults. */
function toTask(wire: WireTask): Task {
  const task: Task = {
    task_id: wire.task_id,
    encoding: wire.encoding ?? 'wav',
    channels: wire.channels ?? 1,
  };
  const optional = task as unknown as Record<string, unknown>;
  for (const field of OPTIONAL_FIELDS) {
    const value = wire[field];
    if (isGiven(value)) optional[field] = value;
  }
  return task;
}

function rejected(
  code: RejectionCode,
  message: string,
  taskId?: string,
  echo?: TaskEcho,
): TaskParse {
  return {
    ok: false,
    code,
    message,
    ...(taskId !== undefined && { taskId }),
    ...(echo !== undefined && { echo }),
  };
}

/** A JSON string that itself holds a JSON object: the producer encoded the task twice. */
function doubleEncodedHint(value: unknown): string {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return '';
  return ' (a string holding JSON: the task was JSON-encoded twice; push the object itself)';
}
