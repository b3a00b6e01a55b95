/**
 * The demo's second part: one recording cut into chunks, pushed as a session,
 * taken by two workers, and assembled by the pool into one transcript on the
 * session's time line.
 */
import { randomUUID } from 'node:crypto';

import { decodeAudio } from '../engine/decode-audio.js';
import type { TaskResult } from '../protocol/result.js';
import type { RedisClient } from '../queue/redis.js';
import type { SessionComplete, SessionMessage } from '../sessions/messages.js';
import { speak, wordsOf } from './demo-speech.js';
import { toS16le } from './pcm.js';
import { collectResults, type OutgoingTask } from './producer.js';

const SAMPLE_RATE = 16000;
const VOICE = 'en-gb-x-rp';
const PHRASES = ['go back home', 'light on', 'play music', 'pause', 'stop'];
const PAUSE_SECONDS = 0.4;
const SESSION_TIMEOUT_MS = 30_000;

export interface SessionRecording {
  /** What was said, as the bundled model writes it. */
  said: string;
  /** The pieces the recording is cut into, 16 kHz mono, in order. */
  chunks: Float32Array[];
}

export interface SessionDemoOptions {
  queue: string;
  replyTo: string;
  /** The list the workers push each session's terminal message onto. */
  sessionResults: string;
  resultsTimeoutMs: number;
}

/** The phrases spoken one after another with a pause between, cut at the pauses. */
export async function sessionRecording(): Promise<SessionRecording> {
  const phrases: Float32Array[] = [];
  for (const phrase of PHRASES) {
    const { samples } = await decodeAudio(speak(phrase, VOICE), { encoding: 'wav' });
    phrases.push(samples);
  }

  // The cut points are known here because the recording is built from its
  // phrases: each chunk is one phrase with half of the pause on either side,
  // so no word is split. A real backend cuts at silences it detects, or at
  // fixed lengths (the bundled model needs whole words in under 8 s).
  const halfPause = new Float32Array(Math.round((PAUSE_SECONDS / 2) * SAMPLE_RATE));
  const last = phrases.length - 1;
  const chunks = phrases.map((phrase, i) =>
    concat([i > 0 ? halfPause : undefined, phrase, i < last ? halfPause : undefined]),
  );
  return { said: PHRASES.join(' '), chunks };
}

/** Pushes the recording as one session and prints what the workers and the pool make of it. */
export async function runSessionDemo(
  redis: RedisClient,
  recording: SessionRecording,
  options: SessionDemoOptions,
): Promise<void> {
  const tasks = sessionTasks(recording.chunks, options.replyTo);
  const sessionId = tasks[0]!.session_id!;
  const seconds = recording.chunks.reduce((sum, chunk) => sum + chunk.length, 0) / SAMPLE_RATE;
  console.log(
    `\nOne recording, cut into chunks, two workers, one transcript:\n` +
      `  espeak-ng ${VOICE} says ${PHRASES.length} phrases, ${PAUSE_SECONDS} s apart ` +
      `(${seconds.toFixed(1)} s in all)\n` +
      `  cut at the pauses into ${tasks.length} chunks of one session, ` +
      `pushed onto '${options.queue}'`,
  );
  // One RPUSH: both workers are waiting on the queue, so each takes a chunk
  // at once, and whichever finishes first takes the next.
  await redis.rpush(options.queue, ...tasks.map((task) => JSON.stringify(task)));

  const starts = chunkStarts(recording.chunks);
  const results = await collectResults(
    redis,
    options.replyTo,
    tasks.length,
    options.resultsTimeoutMs,
    (result) => console.log(describeChunk(result, starts)),
  );
  if (results.length < tasks.length) {
    throw new Error(
      `only ${results.length} of ${tasks.length} chunk results arrived in ` +
        `${options.resultsTimeoutMs / 1000} s`,
    );
  }
  console.log(`  ${perWorker(results)}`);

  const message = await awaitSessionEnd(redis, options.sessionResults, sessionId);
  if (message.type !== 'session_complete') {
    throw new Error(
      `session ${sessionId} ended incomplete: chunks ${message.missing_chunks.join(', ')} ` +
        'never got a result',
    );
  }
  console.log(describeSession(message, recording.said, options.sessionResults));
}

function sessionTasks(chunks: Float32Array[], replyTo: string): OutgoingTask[] {
  const sessionId = randomUUID();
  return chunks.map((chunk, index) => ({
    task_id: `${sessionId}:${index}`,
    audio_b64: toS16le(chunk).toString('base64'),
    encoding: 'pcm_s16le',
    sample_rate: SAMPLE_RATE,
    channels: 1,
    session_id: sessionId,
    chunk_index: index,
    is_final: index === chunks.length - 1,
    reply_to: replyTo,
    enqueued_at: Date.now(),
  }));
}

/**
 * Waits for this session's terminal message. The list is the demo's own;
 * with `demo --model` it also receives the real-speech session's, skipped here.
 */
async function awaitSessionEnd(
  redis: RedisClient,
  list: string,
  sessionId: string,
): Promise<Exclude<SessionMessage, { type: 'session_update' }>> {
  const deadline = Date.now() + SESSION_TIMEOUT_MS;
  for (;;) {
    const leftSeconds = (deadline - Date.now()) / 1000;
    if (leftSeconds <= 0) {
      throw new Error(
        `every chunk was answered, but session ${sessionId} did not complete: nothing ` +
          `came on '${list}' within ${SESSION_TIMEOUT_MS / 1000} s`,
      );
    }
    const popped = await redis.blpop(list, Math.min(leftSeconds, 2));
    if (popped === null) continue;
    const message = JSON.parse(popped[1]) as SessionMessage;
    if (message.session_id === sessionId && message.type !== 'session_update') return message;
  }
}

function describeChunk(result: TaskResult, starts: number[]): string {
  const index = result.chunk_index ?? -1;
  const from = (starts[index] ?? 0).toFixed(1);
  const to = (starts[index + 1] ?? 0).toFixed(1);
  const answer =
    result.status === 'done'
      ? `"${wordsOf(result.text ?? '').join(' ')}"`.replace('""', '(no words)')
      : `${result.status} ${result.error?.code ?? ''}`;
  return `  chunk ${index} (${from}-${to} s) answered by ${result.worker_id}: ${answer}`;
}

function describeSession(message: SessionComplete, said: string, list: string): string {
  const lines = [`  session_complete on '${list}', times on the session's time line:`];
  for (const segment of message.segments) {
    const text = segment.text.trim();
    const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
    lines.push(`    [${secondsOf(segment.start_ms)} - ${secondsOf(segment.end_ms)}] ${shown}`);
  }
  if (message.unanswered_chunks.length > 0) {
    lines.push(`  unanswered chunks (no text): ${message.unanswered_chunks.join(', ')}`);
  }
  if (message.withheld_segments > 0) {
    lines.push(`  segments left out as likely hallucinated: ${message.withheld_segments}`);
  }

  const assembled = wordsOf(message.text).join(' ');
  const verdict = assembled === said ? '✓ word for word' : '✗ not what was said';
  lines.push(`  said      "${said}"`, `  assembled "${assembled}"  ${verdict}`);
  return lines.join('\n');
}

/** "demo-worker-1 took chunks 0, 2, 4; demo-worker-2 took chunks 1, 3" */
function perWorker(results: TaskResult[]): string {
  const taken = new Map<string, number[]>();
  for (const result of results) {
    taken.set(result.worker_id, [...(taken.get(result.worker_id) ?? []), result.chunk_index!]);
  }
  return [...taken.keys()]
    .sort()
    .map(
      (worker) =>
        `${worker} took chunks ${taken
          .get(worker)!
          .sort((a, b) => a - b)
          .join(', ')}`,
    )
    .join('; ');
}

/** Where each chunk starts in the recording, in seconds, and where the last one ends. */
function chunkStarts(chunks: Float32Array[]): number[] {
  const starts = [0];
  for (const chunk of chunks) starts.push(starts.at(-1)! + chunk.length / SAMPLE_RATE);
  return starts;
}

function secondsOf(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(4)}s`;
}

function concat(parts: Array<Float32Array | undefined>): Float32Array {
  const present = parts.filter((part): part is Float32Array => part !== undefined);
  const joined = new Float32Array(present.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of present) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
