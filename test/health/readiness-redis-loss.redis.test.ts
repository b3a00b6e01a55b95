/**
 * /readyz when Redis goes away and comes back, on a private redis-server so
 * the shared one is never disturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import { waitFor } from '../support/redis.js';
import { readyz, scrape, startHttpWorker, type HttpWorker } from './support.js';

describe('readiness: Redis lost and back', () => {
  let server: PrivateRedis;
  let worker: HttpWorker;

  beforeAll(async () => {
    server = await startPrivateRedis();
    worker = await startHttpWorker({ redisUrl: server.url, queue: 'asr_chunk_queue' });
  });

  afterAll(async () => {
    await worker.stop();
    await server.stop();
  });

  it('turns unready, naming the connection, while Redis is down, and ready when back', async () => {
    expect((await readyz(worker.base)).status).toBe(200);

    await server.stop();
    const down = await waitFor('unready', async () => {
      const answer = await readyz(worker.base);
      return answer.status === 503 ? answer.body : undefined;
    });
    expect(down.ready).toBe(false);
    expect(down.checks.redis_commands!.ok).toBe(false);
    expect(down.checks.redis_commands!.detail).toMatch(/^commands connection is /);
    expect(down.checks.model!.ok).toBe(true);
    // Alive all the same: a restart would not bring Redis back.
    expect((await fetch(`${worker.base}/healthz`)).status).toBe(200);

    server = await startPrivateRedis(server.port);
    await waitFor('ready again', async () => (await readyz(worker.base)).status === 200);
    const reconnects = (await scrape(worker.base)).get(
      'asr_worker_redis_reconnects_total{role="commands"}',
    );
    expect(reconnects).toBeGreaterThanOrEqual(1);
  });
});
