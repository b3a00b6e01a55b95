/**
 * Producing tasks exactly as a backend would (one RPUSH of a JSON string
 * each) and waiting for their results on a private reply list.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { RedisClient } from '../queue/redis.js';

import { decodeAudio } from '../engine/decode-audio.js';
import type { TaskResult } from '../protocol/result.js';
import { toS16le } from './pcm.js';

export interface OutgoingTask {
  task_id: string;
  audio_b64: string;
  encoding: string;
  sample_rate?: number;
  channels?: number;
  session_id?: string;
  chunk_index?: number;
  is_final?: boolean;
  language?: string;
  reply_to?: string;
  enqueued_at: number;
}

type Container = 'wav' | 'mp3' | 'flac';
const CONTAINERS: Record<string, Container> = { '.wav': 'wav', '.mp3': 'mp3', '.flac': 'flac' };

export function encodingOf(file: string): Container {
  const encoding = CONTAINERS[path.extname(file).toLowerCase()];
  if (!encoding) {
    throw new Error(`${file}: expected a .wav, .mp3 or .flac file`);
  }
  return encoding;
}

/** One task for a whole file, its bytes sent as they are. */
export function fileTask(file: string, extra: Partial<OutgoingTask> = {}): OutgoingTask {
  const encoding = encodingOf(file);
  const bytes = readFileSync(file);
  // The worker would answer it AUDIO_EMPTY; better not to send it at all.
  if (bytes.length === 0) throw new Error(`${file}: the file is empty`);
  return {
    task_id: randomUUID(),
    audio_b64: bytes.toString('base64'),
    encoding,
    enqueued_at: Date.now(),
    ...extra,
  };
}

/**
 * The chunks of one session: the file decoded to 16 kHz mono and cut into
 * pieces of `chunkSeconds`, each sent as raw 16-bit PCM.
 */
export async function chunkTasks(
  file: string,
  chunkSeconds: number,
  extra: Partial<OutgoingTask> = {},
): Promise<OutgoingTask[]> {
  const { samples } = await decodeAudio(readFileSync(file), { encoding: encodingOf(file) });
  const chunkSamples = Math.round(chunkSeconds * 16000);
  const sessionId = randomUUID();
  const count = Math.max(1, Math.ceil(samples.length / chunkSamples));

  return Array.from({ length: count }, (_, index) => {
    const piece = samples.subarray(index * chunkSamples, (index + 1) * chunkSamples);
    return {
      task_id: `${sessionId}:${index}`,
      audio_b64: toS16le(piece).toString('base64'),
      encoding: 'pcm_s16le',
      sample_rate: 16000,
      channels: 1,
      session_id: sessionId,
      chunk_index: index,
      is_final: index === count - 1,
      enqueued_at: Date.now(),
      ...extra,
    };
  });
}

export async function pushTasks(
  redis: RedisClient,
  queue: string,
  tasks: OutgoingTask[],
): Promise<void> {
  for (const task of tasks) await redis.rpush(queue, JSON.stringify(task));
}

/** Blocks on the reply list until `count` results came or the time is up. */
export async function collectResults(
  redis: RedisClient,
  replyTo: string,
  count: number,
  timeoutMs: number,
  onResult: (result: TaskResult) => void,
): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  const deadline = Date.now() + timeoutMs;
  while (results.length < count) {
    const leftSeconds = (deadline - Date.now()) / 1000;
    if (leftSeconds <= 0) break;
    const popped = await redis.blpop(replyTo, Math.min(leftSeconds, 2));
    if (popped === null) continue;
    const result = JSON.parse(popped[1]) as TaskResult;
    results.push(result);
    onResult(result);
  }
  return results;
}

export function describeResult(result: TaskResult): string {
  const where =
    result.chunk_index === undefined
      ? ''
      : ` chunk ${result.chunk_index}${result.is_final ? ' (final)' : ''}`;
  if (result.status !== 'done') {
    return `${result.task_id}${where}: ${result.status} ${result.error?.code}: ${result.error?.message}`;
  }
  const t = result.timings;
  const timing = t
    ? ` [${((result.audio_ms ?? 0) / 1000).toFixed(1)} s audio, decode ${t.decode_ms.toFixed(0)} ms, total ${t.total_ms.toFixed(0)} ms]`
    : '';
  return `${result.task_id}${where}:${timing}\n    ${result.text?.trim() || '(no words)'}`;
}
