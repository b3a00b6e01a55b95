/**
 * The banner, the heartbeat, /readyz and /metrics name the Redis a worker
 * uses without ever showing its password. On a private, password-protected
 * redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import { queueKeys } from '../../src/queue/keys.js';
import { capturingLogger } from '../queue/fixture.js';
import { connect } from '../support/redis.js';
import { startHttpWorker } from './support.js';

const PASSWORD = 'hunter2-health-secret';

describe('health output: no secrets', () => {
  let port: number;
  let server: PrivateRedis;

  beforeAll(async () => {
    server = await startPrivateRedis(undefined, {
      extraArgs: ['--requirepass', PASSWORD],
      password: PASSWORD,
    });
    port = server.port;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('shows the Redis with its password masked everywhere it is named', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${port}/3`;
    const { logger, lines } = capturingLogger();
    const { worker, base, stop } = await startHttpWorker(
      { redisUrl: url, queue: 'asr_chunk_queue' },
      logger,
    );
    const admin = connect(url);
    try {
      const banner = lines.find((line) => String(line.msg).startsWith('listening on Redis list'));
      expect(banner).toMatchObject({
        redis: `redis://:***@127.0.0.1:${port}/3`,
        database: 3,
        queue: 'asr_chunk_queue',
        queueType: 'none',
      });

      const heartbeat = await admin.get(queueKeys('asr_chunk_queue').heartbeat(worker.workerId));
      expect(JSON.parse(heartbeat!)).toMatchObject({ database: 3 });
      const ready = await (await fetch(`${base}/readyz`)).text();
      const metrics = await (await fetch(`${base}/metrics`)).text();

      for (const text of [JSON.stringify(lines), heartbeat!, ready, metrics]) {
        expect(text).not.toContain(PASSWORD);
      }
    } finally {
      admin.disconnect();
      await stop();
    }
  });
});
