/**
 * The Redis side of the queue benchmark: the keys it uses, task strings as
 * a backend would push them, releasing a backlog all at once, counting the
 * commands a server ran, and timing round trips one task at a time.
 */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

export const KEYS = {
  queue: 'bench:queue',
  staging: 'bench:staging',
  results: 'bench:results',
  channel: 'bench:results',
  reply: 'bench:reply',
  processing: 'bench:processing',
};

/** A task as a backend sends it: raw 16 kHz PCM in base64, a fresh id. */
export function taskString(pcm: Buffer, replyTo?: string): string {
  return JSON.stringify({
    task_id: randomUUID(),
    audio_b64: pcm.toString('base64'),
    encoding: 'pcm_s16le',
    sample_rate: 16000,
    channels: 1,
    ...(replyTo !== undefined && { reply_to: replyTo }),
    enqueued_at: Date.now(),
  });
}

export function taskStrings(pcm: Buffer, count: number): string[] {
  return Array.from({ length: count }, () => taskString(pcm));
}

/**
 * Fills a staging list, waits until `blocked` consumers are blocked on the
 * empty queue, then renames the list into place in one step: every
 * consumer sees the whole backlog at once and the clock starts there.
 */
export async function releaseBacklog(
  admin: Redis,
  batch: string[],
  blocked: number,
): Promise<{ start: number; commandsBefore: Map<string, number> }> {
  for (let i = 0; i < batch.length; i += 100) {
    await admin.rpush(KEYS.staging, ...batch.slice(i, i + 100));
  }
  await waitForBlockedClients(admin, blocked);
  const commandsBefore = await commandCalls(admin);
  const start = performance.now();
  await admin.rename(KEYS.staging, KEYS.queue);
  return { start, commandsBefore };
}

export async function waitForBlockedClients(admin: Redis, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const info = await admin.info('clients');
    const blocked = Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? 0);
    if (blocked >= count) return;
    await sleep(5);
  }
  throw new Error(`no consumer blocked on ${KEYS.queue} within 10 s`);
}

/** Calls per command name the server has run so far, all clients together. */
export async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const stats = await admin.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

export function difference(
  after: Map<string, number>,
  before: Map<string, number>,
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, calls] of after) delta.set(name, calls - (before.get(name) ?? 0));
  return delta;
}

/** Push one task, block on its reply; the time of each, in ms. */
export async function roundTrips(url: string, pcm: Buffer, count: number): Promise<number[]> {
  const producer = new Redis(url);
  try {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      // Built before the clock starts, as a backend has its task ready.
      const task = taskString(pcm, KEYS.reply);
      const start = performance.now();
      await producer.rpush(KEYS.queue, task);
      if ((await producer.blpop(KEYS.reply, 5)) === null) {
        throw new Error('no reply within 5 s');
      }
      samples.push(performance.now() - start);
    }
    return samples;
  } finally {
    producer.disconnect();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
