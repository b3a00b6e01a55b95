/**
 * Sessions across a pool of workers: chunks finishing out of order are put
 * back in order in Redis, the session completes exactly once, the previous
 * chunk's text becomes the next chunk's prompt only when it was done first,
 * and a session whose chunks stop arriving ends `incomplete`.
 */
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';

import type { TaskResult } from '../../src/protocol/result.js';
import type {
  SessionComplete,
  SessionIncomplete,
  SessionUpdate,
} from '../../src/sessions/messages.js';
import { queueKeys } from '../../src/queue/keys.js';
import { seededRandom } from '../../src/seeded-random.js';
import { capturingLogger } from '../queue/fixture.js';
import { connect, waitFor } from '../support/redis.js';
import { startPool, waitForResults, waitForTerminal, type Pool } from './pool.js';
import { scriptedAudio, type ChunkScript } from './scripted-engine.js';

let redis: Redis;
let pool: Pool | undefined;

beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  await pool?.stop();
  pool = undefined;
});

function chunkTask(
  session: string,
  index: number,
  script: ChunkScript,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    task_id: `${session}-${index}`,
    audio_b64: scriptedAudio(script),
    session_id: session,
    chunk_index: index,
    ...extra,
  });
}

async function resultsOf(list: string): Promise<Map<string, TaskResult>> {
  const items = await redis.lrange(list, 0, -1);
  return new Map(
    items.map((item) => {
      const result = JSON.parse(item) as TaskResult;
      return [result.task_id, result];
    }),
  );
}

describe('a session consumed by several workers', () => {
  it('assembles the transcript in chunk order although chunks finish out of order', async () => {
    pool = await startPool('assemble', 3, { sessionContextChars: 0 });
    const random = seededRandom(7);
    const words = Array.from({ length: 12 }, (_, i) => `chunk ${i} says ${i * 7}`);
    const tasks = words.map((text, i) =>
      chunkTask(
        's1',
        i,
        { text, audioMs: 1500, delayMs: Math.floor(random() * 120) },
        {
          is_final: i === words.length - 1,
        },
      ),
    );
    await redis.rpush(pool.queue, ...tasks);

    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    const finishOrder = pool.engines
      .flatMap((engine) => engine.calls)
      .sort((a, b) => a.finishedAt - b.finishedAt)
      .map((call) => words.indexOf(call.text));
    // The test means something only if the pool really finished out of order.
    expect(finishOrder).not.toEqual([...finishOrder].sort((a, b) => a - b));

    expect(complete).toMatchObject({
      type: 'session_complete',
      session_id: 's1',
      state: 'complete',
      chunks: 12,
      audio_ms: 12 * 1500,
      text: words.join(' '),
      unanswered_chunks: [],
    });
    expect(complete!.segments.map((s) => [s.chunk_index, s.start_ms, s.end_ms])).toEqual(
      words.map((_, i) => [i, i * 1500, (i + 1) * 1500]),
    );

    // Exactly once, on the list and on the channel, and the status key holds it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await pool.terminal()).toHaveLength(1);
    const onChannel = pool.channelMessages.filter((m) => m.type === 'session_complete');
    expect(onChannel).toHaveLength(1);
    const status = await redis.get(queueKeys(pool.queue).sessionStatus('s1'));
    expect(JSON.parse(status!)).toEqual(complete);

    // Every update's text is a prefix of the final text, and they only grow.
    const updates = pool.channelMessages.filter(
      (m): m is SessionUpdate => m.type === 'session_update',
    );
    expect(updates).toHaveLength(12);
    for (const update of updates) expect(complete!.text.startsWith(update.text)).toBe(true);
    const stable = updates.map((u) => u.stable_chunks);
    expect(stable).toEqual([...stable].sort((a, b) => a - b));
    expect(stable.at(-1)).toBe(12);
  });

  it('places chunks by their offset_ms when the producer gives it', async () => {
    pool = await startPool('offsets', 1);
    await redis.rpush(
      pool.queue,
      chunkTask('s2', 0, { text: 'zero', audioMs: 1000 }, { offset_ms: 500 }),
      chunkTask('s2', 1, { text: 'one', audioMs: 1000 }, { offset_ms: 5000, is_final: true }),
    );
    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    expect(complete!.segments.map((s) => [s.start_ms, s.end_ms])).toEqual([
      [500, 1500],
      [5000, 6000],
    ]);
    expect(complete!.audio_ms).toBe(6000);
  });

  it('keeps each segment within its chunk, so chunks never overlap on the time line', async () => {
    pool = await startPool('overrun', 1);
    await redis.rpush(
      pool.queue,
      chunkTask('s4', 0, { text: 'zero', audioMs: 881, overrunMs: 59 }),
      chunkTask('s4', 1, { text: 'one', audioMs: 920, overrunMs: 40 }, { is_final: true }),
    );
    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    expect(complete!.segments.map((s) => [s.start_ms, s.end_ms])).toEqual([
      [0, 881],
      [881, 1801],
    ]);
    const results = await resultsOf(pool.results);
    expect(results.get('s4-0')!.segments!.at(-1)!.end_ms).toBe(881);
  });

  it('warns when a chunk comes after its session ended, or repeats an answered index', async () => {
    const { logger, lines } = capturingLogger();
    pool = await startPool('late', 1, {}, logger);
    await redis.rpush(pool.queue, chunkTask('s5', 0, { text: 'zero' }, { is_final: true }));
    await waitForTerminal(pool, 1);

    await redis.rpush(pool.queue, chunkTask('s5', 1, { text: 'late' }));
    await redis.rpush(
      pool.queue,
      JSON.stringify({ ...JSON.parse(chunkTask('s5', 0, { text: 'again' })), task_id: 's5-0b' }),
    );
    await waitForResults(redis, pool.results, 3);

    const warned = () =>
      lines.filter((line) => String(line.msg).includes('left out of the session'));
    await waitFor('two warnings', async () => warned().length === 2);
    expect(warned().map((line) => line.chunk_index)).toEqual([1, 0]);
    expect(warned()[0]!.session_id).toBe('s5');
    expect(await pool.terminal()).toHaveLength(1);
  });

  it('ends a session at its final chunk: later indices and a second final are left out', async () => {
    const { logger, lines } = capturingLogger();
    pool = await startPool('past-final', 1, {}, logger);
    const order: Array<[number, boolean]> = [
      [0, false],
      [2, true],
      [5, false],
      [3, true],
      [1, false],
    ];
    for (const [index, isFinal] of order) {
      await redis.rpush(
        pool.queue,
        chunkTask('s6', index, { text: `word${index}`, audioMs: 500 }, { is_final: isFinal }),
      );
    }
    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    expect(complete).toMatchObject({ chunks: 3, text: 'word0 word1 word2', audio_ms: 1500 });
    expect(complete!.segments.map((s) => s.chunk_index)).toEqual([0, 1, 2]);

    const warned = lines.filter((line) => String(line.msg).includes('left out of the session'));
    expect(warned.map((line) => line.chunk_index)).toEqual([5, 3]);
  });

  it('publishes one answer per task and one completion when chunks are delivered twice', async () => {
    pool = await startPool('duplicates', 2);
    const chunks = [0, 1, 2].map((i) =>
      chunkTask('s3', i, { text: `word ${i}`, delayMs: 150 }, { is_final: i === 2 }),
    );
    // Every chunk twice, so both workers can hold copies of one chunk at once.
    await redis.rpush(pool.queue, ...chunks.flatMap((chunk) => [chunk, chunk]));

    await waitForTerminal(pool, 1);
    await waitFor('every copy taken', async () => {
      const counts = pool!.workers.map((w) => w.counts.done + w.counts.repeats);
      return counts.reduce((a, b) => a + b, 0) === 6;
    });
    const published = await redis.lrange(pool.results, 0, -1);
    expect(published.map((item) => (JSON.parse(item) as TaskResult).task_id).sort()).toEqual([
      's3-0',
      's3-1',
      's3-2',
    ]);
    expect(await pool.terminal()).toHaveLength(1);
    expect((await pool.terminal())[0]).toMatchObject({ text: 'word 0 word 1 word 2' });
    expect(pool.workers.reduce((n, w) => n + w.counts.repeats, 0)).toBe(3);
  });
});

describe('context across workers', () => {
  it("gives the next chunk the session's text only when the chunk before it is done", async () => {
    pool = await startPool('context', 2, { sessionContextChars: 200 });
    const { queue, results } = pool;

    await redis.rpush(queue, chunkTask('c1', 0, { text: 'open the door' }));
    await waitForResults(redis, results, 1);
    await redis.rpush(queue, chunkTask('c1', 1, { text: 'and close it' }));
    await waitForResults(redis, results, 2);
    // Chunk 3 arrives while chunk 2 is missing: no context rather than wrong context.
    await redis.rpush(queue, chunkTask('c1', 3, { text: 'three' }));
    await waitForResults(redis, results, 3);
    // Another session's chunk 1 gets nothing from c1, whose text is there.
    await redis.rpush(queue, chunkTask('c2', 1, { text: 'elsewhere' }));
    // A task's own prompt wins over the session's.
    await redis.rpush(queue, chunkTask('c1', 2, { text: 'two' }, { prompt: 'Names: Ada.' }));
    await waitForResults(redis, results, 5);

    const byId = await resultsOf(results);
    expect(byId.get('c1-0')!.prompt).toBeUndefined();
    expect(byId.get('c1-1')!.prompt).toEqual({ source: 'session', text: 'open the door' });
    expect(byId.get('c1-3')!.prompt).toBeUndefined();
    expect(byId.get('c2-1')!.prompt).toBeUndefined();
    expect(byId.get('c1-2')!.prompt).toEqual({ source: 'task', text: 'Names: Ada.' });

    // What the engine was given is what the results say.
    const prompts = new Map(
      pool.engines.flatMap((engine) => engine.calls).map((call) => [call.text, call.prompt]),
    );
    expect(prompts.get('and close it')).toBe('open the door');
    expect(prompts.get('three')).toBeUndefined();
    expect(prompts.get('elsewhere')).toBeUndefined();
  });

  it('keeps the context to the last characters, starting at a word', async () => {
    pool = await startPool('context-tail', 1, { sessionContextChars: 12 });
    await redis.rpush(pool.queue, chunkTask('t1', 0, { text: 'alpha bravo charlie delta' }));
    await waitForResults(redis, pool.results, 1);
    await redis.rpush(pool.queue, chunkTask('t1', 1, { text: 'echo' }));
    await waitForResults(redis, pool.results, 2);
    expect((await resultsOf(pool.results)).get('t1-1')!.prompt).toEqual({
      source: 'session',
      text: 'delta',
    });
  });
});

describe('deadlines and idle sessions', () => {
  it('answers tasks past the maximum age as expired without decoding them', async () => {
    pool = await startPool('expired', 1, { maxTaskAgeMs: 1_000 });
    const keys = queueKeys(pool.queue);
    const old = Date.now() - 5_000;
    // Taken once before by a worker that died: its first-seen time is old.
    await redis.hset(keys.firstSeen, 'e-seen', old);
    await redis.rpush(
      pool.queue,
      chunkTask('e', 0, { text: 'fresh' }, { enqueued_at: Date.now() }),
      chunkTask('e', 1, { text: 'stale' }, { enqueued_at: old }),
      JSON.stringify({ task_id: 'e-seen', audio_b64: scriptedAudio({ text: 'seen' }) }),
      chunkTask('e', 2, { text: 'last' }, { is_final: true }),
    );
    await waitForResults(redis, pool.results, 4);

    const byId = await resultsOf(pool.results);
    expect(byId.get('e-0')!.status).toBe('done');
    expect(byId.get('e-1')!.status).toBe('expired');
    expect(byId.get('e-seen')!.status).toBe('expired');
    expect(byId.get('e-2')!.status).toBe('done');
    expect(pool.engines[0]!.calls.map((call) => call.text).sort()).toEqual(['fresh', 'last']);
    expect(JSON.parse((await redis.get(keys.status('e-1')))!)).toMatchObject({
      status: 'expired',
    });
    expect(await redis.hlen(keys.firstSeen)).toBe(0);

    // The expired chunk ends the session all the same, listed as unanswered.
    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    expect(complete).toMatchObject({ text: 'fresh last', unanswered_chunks: [1] });
  });

  it('closes a session whose chunks stopped arriving as incomplete, listing what is missing', async () => {
    pool = await startPool('idle', 2, { sessionIdleMs: 600 });
    await redis.rpush(
      pool.queue,
      chunkTask('i1', 0, { text: 'zero' }),
      chunkTask('i1', 2, { text: 'two' }),
      chunkTask('i1', 4, { text: 'four' }, { is_final: true }),
      chunkTask('i2', 0, { text: 'only' }),
    );
    const terminal = (await waitForTerminal(pool, 2)) as SessionIncomplete[];
    const byId = new Map(terminal.map((m) => [m.session_id, m]));
    expect(byId.get('i1')).toMatchObject({
      type: 'session_incomplete',
      state: 'incomplete',
      missing_chunks: [1, 3],
      final_received: true,
      stable_chunks: 1,
      chunks_received: 3,
      text: 'zero',
    });
    expect(byId.get('i2')).toMatchObject({ missing_chunks: [], final_received: false });

    // Closed once, even with two sweepers; a late chunk does not reopen it.
    await redis.rpush(pool.queue, chunkTask('i1', 1, { text: 'late' }));
    await waitForResults(redis, pool.results, 5);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await pool.terminal()).toHaveLength(2);
    const keys = queueKeys(pool.queue);
    expect(JSON.parse((await redis.get(keys.sessionStatus('i1')))!)).toMatchObject({
      state: 'incomplete',
    });
    expect(await redis.zcard(keys.openSessions)).toBe(0);
  });
});

describe('suspect text', () => {
  it('keeps a repetition loop in the chunk result, flagged, and out of the session text', async () => {
    pool = await startPool('suspect', 1);
    const loop = 'thank you thank you thank you thank you thank you';
    await redis.rpush(
      pool.queue,
      chunkTask('q1', 0, { text: 'stop now', more: [loop] }),
      chunkTask('q1', 1, { text: 'go', audioMs: 500 }, { is_final: true }),
    );
    const [complete] = (await waitForTerminal(pool, 1)) as SessionComplete[];
    const result = (await resultsOf(pool.results)).get('q1-0')!;
    expect(result.text).toBe(` stop now ${loop}`);
    expect(result.segments!.map((s) => s.likely_hallucination)).toEqual([false, true]);
    expect(result.segments![1]!.repetition_loop).toBe(true);
    expect(result.quality).toMatchObject({ repetition_loop: true, suspect_segments: 1 });
    expect(complete).toMatchObject({ text: 'stop now go', withheld_segments: 1 });
  });

  it('closes an idle session soon after its idle time, whatever the sweep interval', async () => {
    pool = await startPool('idle-soon', 1, { sessionIdleMs: 800, sessionSweepIntervalMs: 30_000 });
    await redis.rpush(pool.queue, chunkTask('i3', 0, { text: 'zero' }));
    await waitForResults(redis, pool.results, 1);
    const answeredAt = Date.now();

    await waitForTerminal(pool, 1);
    // A quarter of the idle time between looks: well under the 30 s interval.
    expect(Date.now() - answeredAt).toBeLessThan(5_000);
  });
});
