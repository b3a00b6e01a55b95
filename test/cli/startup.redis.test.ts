/**
 * `run` and `enqueue` at start-up, as a person or a supervisor meets them:
 * a Redis that accepts the connection and never answers, a refused password,
 * a setting that is refused, a signal before the worker is up. Whatever goes
 * wrong, the process says why with a code and exits; it never hangs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PrivateRedis } from '../../src/cli/private-redis.js';
import { PROJECT_ROOT } from '../support/fixtures.js';
import {
  cleanQueue,
  connect,
  SHARED_REDIS_URL,
  startRedisWithPassword,
  uniqueQueue,
  waitFor,
} from '../support/redis.js';
import { startSilentServer, type SilentServer } from '../support/silent-server.js';

/** Past this the command counts as hung: it is killed and the test fails. */
const HUNG_MS = 30_000;

interface Exit {
  code: number | null;
  output: string;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
}

function cli(args: string[]): Started {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli.ts'), ...args],
    { cwd: PROJECT_ROOT, stdio: 'pipe', env: withoutAsrVariables() },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => {
    output += `\n[test: no exit after ${HUNG_MS} ms; killed]\n`;
    child.kill('SIGKILL');
  }, HUNG_MS);
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
  return { child, output: () => output, exited };
}

/** The command's own defaults, not whatever the developer's shell exports. */
function withoutAsrVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ASR_')),
  );
}

/** How long the process took to exit after `text` first appeared in its output. */
async function exitAfter(started: Started, text: string): Promise<Exit & { afterMs: number }> {
  await waitFor(`'${text}' in the output`, async () => started.output().includes(text), HUNG_MS);
  const seenMs = Date.now();
  const exit = await started.exited;
  return { ...exit, afterMs: Date.now() - seenMs };
}

const worker = ['run', '--engine', 'noop', '--no-http', '--log-level', 'info'];

describe('a Redis that accepts the connection and never answers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('stops `run` with REDIS_UNREACHABLE and status 1 once the connect timeout passes', async () => {
    const started = cli([...worker, '--redis', silent.url, '--connect-timeout-ms', '1000']);
    const { code, output, afterMs } = await exitAfter(started, '"msg":"starting"');
    expect(code, output).toBe(1);
    expect(output).toContain('did not answer within 1000 ms');
    expect(output).toContain('[REDIS_UNREACHABLE]');
    expect(afterMs, output).toBeLessThan(5_000);
  });

  it('ends `run` at once, with 0, on SIGTERM while it waits for Redis', async () => {
    const started = cli([...worker, '--redis', silent.url, '--connect-timeout-ms', '60000']);
    await waitFor('the worker to start', async () => started.output().includes('"starting"'));
    started.child.kill('SIGTERM');
    const { code, output, afterMs } = await exitAfter(started, '"signal received"');
    expect(code, output).toBe(0);
    expect(output).toContain('stopped during start-up');
    expect(afterMs, output).toBeLessThan(3_000);
  });

  // ioredis keeps connections of its own for these: to the sentinel it asks
  // for the primary, and to the nodes it reads the slot map from.
  const kinds = ['sentinel', 'cluster'] as const;
  const urlOf = (kind: (typeof kinds)[number]) =>
    kind === 'sentinel' ? silent.sentinelUrl : silent.clusterUrl;

  it.each(kinds)(
    'stops `run`, `doctor` and `enqueue` at once after REDIS_UNREACHABLE, for a %s URL too',
    async (kind) => {
      const timeout = ['--redis', urlOf(kind), '--connect-timeout-ms', '1000'];
      const commands = [
        { args: [...worker, ...timeout], status: 1 },
        { args: ['doctor', '--sample-ms', '0', ...timeout], status: 2 },
        { args: ['enqueue', 'any.wav', ...timeout], status: 1 },
      ];
      const exits = await Promise.all(
        commands.map(({ args }) => exitAfter(cli(args), '[REDIS_UNREACHABLE]')),
      );
      for (const [i, { code, output, afterMs }] of exits.entries()) {
        expect(code, output).toBe(commands[i]!.status);
        expect(output).toContain('did not answer within 1000 ms');
        expect(afterMs, output).toBeLessThan(3_000);
      }
    },
  );

  it.each(kinds)(
    'ends `run` at once, with 0, on SIGTERM while it waits for Redis, for a %s URL too',
    async (kind) => {
      const started = cli([...worker, '--redis', urlOf(kind), '--connect-timeout-ms', '60000']);
      await waitFor('the worker to start', async () => started.output().includes('"starting"'));
      // Past the Cluster's first slot-map read (1 s), into its reconnect attempts.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      started.child.kill('SIGTERM');
      const { code, output, afterMs } = await exitAfter(started, '"signal received"');
      expect(code, output).toBe(0);
      expect(output).toContain('stopped during start-up');
      expect(afterMs, output).toBeLessThan(3_000);
    },
  );

  it('stops `enqueue` with REDIS_UNREACHABLE and status 1', async () => {
    const started = cli([
      'enqueue',
      'any.wav',
      '--redis',
      silent.url,
      '--connect-timeout-ms',
      '1000',
    ]);
    const { code, output } = await started.exited;
    expect(code, output).toBe(1);
    expect(output).toContain('did not answer within 1000 ms');
    expect(output).toContain('[REDIS_UNREACHABLE]');
  });
});

describe('a password Redis refuses', () => {
  const secret = 'wrongPW-41c9';
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startRedisWithPassword('the-right-one');
  });
  afterAll(() => server?.stop());

  it('is REDIS_AUTH_FAILED for `run` and `enqueue`, on any database, never shown', async () => {
    const runs = [0, 1].map((db) => `redis://:${secret}@127.0.0.1:${server.port}/${db}`);
    const exits = await Promise.all([
      ...runs.map((url) => cli([...worker, '--redis', url]).exited),
      cli(['enqueue', 'any.wav', '--redis', runs[1]!]).exited,
    ]);
    for (const { code, output } of exits) {
      expect(code, output).toBe(1);
      expect(output).toContain('Redis refused the user or password in the URL');
      expect(output).toContain('[REDIS_AUTH_FAILED]');
      expect(output).not.toContain('REDIS_DATABASE_MISSING');
      expect(output).not.toContain(secret);
    }
  });
});

describe('start-up settings', () => {
  const redis = connect();
  const queue = uniqueQueue('startup');
  afterAll(async () => {
    await cleanQueue(redis, queue);
    redis.disconnect();
  });

  it('accept a heartbeat TTL of exactly twice the interval, as documented', async () => {
    const started = cli([
      ...worker,
      ...['--redis', SHARED_REDIS_URL, '--queue', queue],
      ...['--heartbeat-ttl-ms', '1000', '--heartbeat-interval-ms', '500'],
    ]);
    await waitFor(
      'the worker to listen',
      async () =>
        started.output().includes('listening on Redis list') || started.child.exitCode !== null,
      HUNG_MS,
    );
    started.child.kill('SIGTERM');
    const { code, output } = await started.exited;
    expect(code, output).toBe(0);
    expect(output).toContain('listening on Redis list');
  });

  it("refuse a shorter TTL in the flags' words, and exit 1 at once", async () => {
    const { code, output } = await cli([
      ...worker,
      ...['--redis', SHARED_REDIS_URL, '--queue', queue],
      ...['--heartbeat-ttl-ms', '999', '--heartbeat-interval-ms', '500'],
    ]).exited;
    expect(code, output).toBe(1);
    expect(output).toContain(
      '--heartbeat-ttl-ms (999) must be at least twice --heartbeat-interval-ms (500)',
    );
    expect(output).toContain('[INVALID_CONFIG]');
  });

  it('refuse a URL with a malformed percent-encoding, naming it with the password masked', async () => {
    const exits = await Promise.all([
      cli([...worker, '--redis', 'redis://:pw%@127.0.0.1:1']).exited,
      cli(['enqueue', 'any.wav', '--redis', 'redis://:pw%@127.0.0.1:1']).exited,
    ]);
    for (const { code, output } of exits) {
      expect(code, output).toBe(1);
      expect(output).toContain(
        "invalid percent-encoding in the Redis URL 'redis://:***@127.0.0.1:1' [INVALID_CONFIG]",
      );
      expect(output).not.toContain('pw%');
    }
  });
});
