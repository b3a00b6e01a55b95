/**
 * What the queue key holds right now: its type, its depth and when its
 * oldest task was queued. Read at start-up (to refuse a key of the wrong
 * type) and by the stall check.
 */
import { createHash } from 'node:crypto';

import { isUnixMillis } from '../protocol/enqueued-at.js';
import type { RedisClient } from '../queue/redis.js';

export interface QueueSample {
  /** Redis's TYPE: 'list', 'none' (absent), 'stream', 'string', ... */
  type: string;
  /** LLEN; 0 unless the key is a list. */
  depth: number;
  /** enqueued_at of the task at the head, when it has one. */
  oldestEnqueuedAtMs?: number;
  /**
   * Tells head tasks apart (a digest of the task's two ends): unchanged
   * between two samples means nobody took from the list in between.
   */
  headId?: string;
}

export class QueueTypeError extends Error {
  override readonly name = 'QueueTypeError';
  readonly code = 'QUEUE_WRONG_TYPE';
}

/**
 * Explains a key a producer can never have filled with RPUSH. A stream is
 * the common case: some producers XADD, and a list consumer would wait on it
 * forever.
 */
export function assertQueueType(queue: string, type: string): void {
  if (type === 'list' || type === 'none') return;
  const hint =
    type === 'stream'
      ? ' (producers that XADD need a stream consumer; this worker takes from a list filled with RPUSH)'
      : '';
  throw new QueueTypeError(
    `queue key '${queue}' holds a ${type}, expected a list (or no key yet)${hint}; ` +
      'point --queue at the list your producers RPUSH to, or remove the key',
  );
}

/** Bytes of each end of the head task that come back, when it is larger. */
const HEAD_EXCERPT_BYTES = 4096;

// One round trip, and never the whole head task: one with inline audio can
// be megabytes. enqueued_at may sit at either end (Go writes struct fields in
// order, and puts the audio before it), so both ends come back.
const SAMPLE_SCRIPT = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'list' then return {kind, 0} end
local head = redis.call('LINDEX', KEYS[1], 0)
local n = tonumber(ARGV[1])
if head and #head > 2 * n then head = string.sub(head, 1, n) .. string.sub(head, -n) end
return {kind, redis.call('LLEN', KEYS[1]), head}
`;

export async function sampleQueue(redis: RedisClient, queue: string): Promise<QueueSample> {
  const [type, depth, head] = (await redis.eval(SAMPLE_SCRIPT, 1, queue, HEAD_EXCERPT_BYTES)) as [
    string,
    number,
    string | null | undefined,
  ];
  if (typeof head !== 'string') return { type, depth };
  const enqueuedAt = enqueuedAtOf(head);
  return {
    type,
    depth,
    headId: createHash('sha1').update(head).digest('hex'),
    ...(enqueuedAt !== undefined && { oldestEnqueuedAtMs: enqueuedAt }),
  };
}

/**
 * enqueued_at from a whole task or from its two ends, or undefined. A value
 * the task schema refuses (seconds, say) is no age at all: the worker answers
 * such a task INVALID_TASK at once rather than leaving it decades old.
 */
export function enqueuedAtOf(text: string): number | undefined {
  let value: unknown;
  try {
    value = (JSON.parse(text) as { enqueued_at?: unknown }).enqueued_at;
  } catch {
    const match = /"enqueued_at"\s*:\s*(\d{1,16})(?!\d)/.exec(text);
    value = match ? Number(match[1]) : undefined;
  }
  return isUnixMillis(value) ? value : undefined;
}
