/**
 * `asr-worker doctor` as a person runs it (node dist/cli.js, so `npm run
 * build` first), against real programs on a private redis-server: the
 * incident with real RQ workers, a worker on a misspelled key, and a Redis
 * that is not there. The doctor reads a whole database, so nothing else may
 * share it: hence the private server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort, startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import type { DoctorReport } from '../../src/diagnosis/report.js';
import { PROJECT_ROOT } from '../support/fixtures.js';
import { connect, SHARED_REDIS_URL, waitFor } from '../support/redis.js';
import { startSilentServer } from '../support/silent-server.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'cli.js');
const QUEUE = 'asr_chunk_queue';
const TASKS = 5;

interface Started {
  child: ChildProcess;
  output: () => string;
}

function start(command: string, args: string[]): Started {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: 'pipe' });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stop(started: Started | undefined): Promise<void> {
  const child = started?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function doctor(
  args: string[],
): Promise<{ code: number | null; stdout: string; all: string }> {
  const child = spawn(process.execPath, [CLI, 'doctor', '--sample-ms', '300', ...args], {
    cwd: PROJECT_ROOT,
    stdio: 'pipe',
    env: withoutAsrVariables(),
  });
  let stdout = '';
  let all = '';
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), (all += chunk)));
  child.stderr.on('data', (chunk: Buffer) => (all += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, all };
}

/** The doctor's own defaults, not whatever the developer's shell exports. */
function withoutAsrVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ASR_')),
  );
}

async function doctorJson(url: string, extra: string[] = []) {
  const { code, stdout, all } = await doctor(['--redis', url, '--json', ...extra]);
  expect(() => JSON.parse(stdout), all).not.toThrow();
  return { code, report: JSON.parse(stdout) as DoctorReport };
}

/** Tasks exactly as the Go backend pushed them: one RPUSH of a JSON string each. */
async function pushTasks(redis: Redis, queue: string, count: number): Promise<void> {
  const silence = Buffer.alloc(32_000).toString('base64'); // 1 s of 16 kHz s16le
  for (let i = 0; i < count; i++) {
    const task = {
      task_id: `doctor-${i}`,
      audio_b64: silence,
      encoding: 'pcm_s16le',
      sample_rate: 16000,
      enqueued_at: Date.now(),
    };
    await redis.rpush(queue, JSON.stringify(task));
  }
}

/** Our worker through the real command line, on the noop engine. */
async function startOurWorker(url: string, queue: string): Promise<Started> {
  const worker = start(process.execPath, [
    CLI,
    'run',
    '--engine',
    'noop',
    // Any free port: a worker on the default 9464 may already be running here.
    '--http-port',
    '0',
    '--redis',
    url,
    '--queue',
    queue,
    '--log-level',
    'info',
  ]);
  await waitFor(
    `our worker on '${queue}'`,
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
      return worker.output().includes('listening on Redis list');
    },
    60_000,
  );
  return worker;
}

let server: PrivateRedis;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (spawnSync('rq', ['--version']).status !== 0) {
    throw new Error('the rq command is missing: install python3-rq (.ci/run does)');
  }
  server = await startPrivateRedis();
});

afterAll(async () => {
  await server?.stop();
});

describe('the incident: RQ workers on asr-queue, the backend pushing to asr_chunk_queue', () => {
  const rqWorkers: Started[] = [];
  let ours: Started | undefined;
  let url: string;
  let redis: Redis;

  beforeAll(async () => {
    url = `${server.url}/0`;
    redis = connect(url);
    for (const name of ['rq-asr-1', 'rq-asr-2']) {
      rqWorkers.push(start('rq', ['worker', 'asr-queue', '--url', url, '--name', name]));
    }
    await waitFor(
      'two RQ workers registered',
      async () => (await redis.scard('rq:workers')) === 2,
      30_000,
    );
    await pushTasks(redis, QUEUE, TASKS);
  });

  afterAll(async () => {
    await stop(ours);
    await Promise.all(rqWorkers.map(stop));
    redis?.disconnect();
  });

  it('names both keys, the backlog and the RQ workers, and exits 1', async () => {
    const { code, report } = await doctorJson(url);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);

    const backlog = report.findings.find((f) => f.code === 'BACKLOG_WITHOUT_WORKER');
    expect(backlog?.severity).toBe('error');
    expect(backlog?.message).toContain(`'${QUEUE}' holds ${TASKS} tasks`);
    expect(backlog?.message).toContain("2 RQ workers on 'rq:queue:asr-queue'");
    expect(backlog?.message).toMatch(/rq-asr-1 \(.*pid \d+, idle\)/);
    expect(backlog?.keys).toEqual([QUEUE, 'rq:queue:asr-queue']);

    const foreign = report.findings.find((f) => f.code === 'FOREIGN_QUEUE_DIALECT');
    expect(foreign?.message).toContain(`cannot consume plain JSON tasks from '${QUEUE}'`);
    expect(report.facts.foreign).toMatchObject([
      { dialect: 'rq', name: 'asr-queue', key: 'rq:queue:asr-queue', depth: 0 },
    ]);
    expect(report.facts.foreign[0]!.workers!.map((w) => w.name).sort()).toEqual([
      'rq-asr-1',
      'rq-asr-2',
    ]);
  });

  it('says the same in plain words for a person', async () => {
    const { code, stdout } = await doctor(['--redis', url]);
    expect(code).toBe(1);
    expect(stdout).toContain('Something is wrong');
    expect(stdout).toMatch(/^ERROR BACKLOG_WITHOUT_WORKER$/m);
    expect(stdout).toContain(`${QUEUE}: ${TASKS} tasks`);
    expect(stdout).toContain("RQ 'asr-queue' (rq:queue:asr-queue): 0 jobs, 2 workers");
  });

  it('turns clean once our worker listens on the key, and the backlog drains', async () => {
    ours = await startOurWorker(url, QUEUE);
    await waitFor('the backlog to drain', async () => (await redis.llen(QUEUE)) === 0, 60_000);
    await waitFor(
      `${TASKS} results`,
      async () => (await redis.llen('asr_result_queue')) === TASKS,
      60_000,
    );

    const { code, report } = await doctorJson(url);
    expect(code, JSON.stringify(report.findings, null, 2)).toBe(0);
    expect(report.summary.errors).toBe(0);
    expect(report.facts.queues[0]!.workers).toHaveLength(1);
    // The RQ workers are still there, doing nothing useful: worth a warning, no failure.
    expect(report.findings.map((f) => `${f.severity}:${f.code}`)).toEqual([
      'warning:FOREIGN_QUEUE_DIALECT',
    ]);
    expect((await doctorJson(url, ['--strict'])).code).toBe(1);
  });
});

describe('a worker started on a misspelled key', () => {
  let worker: Started | undefined;
  let url: string;
  let redis: Redis;

  beforeAll(async () => {
    url = `${server.url}/1`;
    redis = connect(url);
    await pushTasks(redis, QUEUE, 3);
    worker = await startOurWorker(url, 'asr_chunk_queu');
  });

  afterAll(async () => {
    await stop(worker);
    redis?.disconnect();
  });

  it('is told which key holds the backlog and which key it listens on', async () => {
    const { code, report } = await doctorJson(url);
    expect(code).toBe(1);
    const other = report.findings.find((f) => f.code === 'WORKERS_ON_OTHER_KEY');
    expect(other?.severity).toBe('error');
    expect(other?.message).toContain("listens on 'asr_chunk_queu', which is empty");
    expect(other?.message).toContain(`The likely intended key is '${QUEUE}'`);
    expect(other?.keys).toEqual(['asr_chunk_queu', QUEUE]);
    expect(await redis.llen(QUEUE)).toBe(3);
  });

  it('names the backlog from the worker side too (--queue as the worker has it)', async () => {
    const { code, stdout } = await doctor(['--redis', url, '--queue', 'asr_chunk_queu']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ERROR WORKERS_ON_OTHER_KEY$/m);
    expect(stdout).toContain(`'${QUEUE}' holds 3 tasks`);
  });
});

describe('a Redis that is not there', () => {
  it('exits 2, says so, and never shows the password', async () => {
    const url = `redis://user:hunter2secret@127.0.0.1:${await freePort()}`;
    const text = await doctor(['--redis', url, '--connect-timeout-ms', '5000']);
    expect(text.code).toBe(2);
    expect(text.all).toContain('could not reach redis://user:***@127.0.0.1');
    expect(text.all).toContain('[REDIS_UNREACHABLE]');
    expect(text.all).not.toContain('hunter2secret');

    const json = await doctor(['--redis', url, '--json', '--connect-timeout-ms', '5000']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: 'REDIS_UNREACHABLE' },
    });
    expect(json.all).not.toContain('hunter2secret');
  });
});

describe('a Redis that accepts the connection and never answers', () => {
  it('exits 2 right after saying so, within --connect-timeout-ms', async () => {
    const silent = await startSilentServer();
    try {
      const startedMs = Date.now();
      const { code, all } = await doctor([
        '--redis',
        silent.url,
        '--sample-ms',
        '0',
        '--connect-timeout-ms',
        '1000',
      ]);
      expect(code, all).toBe(2);
      expect(all).toContain('could not reach redis://127.0.0.1');
      expect(all).toContain('did not answer within 1000 ms');
      expect(all).toContain('[REDIS_UNREACHABLE]');
      // Not held open by the silent connection (it was 30 s: ioredis's socket timeout).
      expect(Date.now() - startedMs, all).toBeLessThan(6_000);
    } finally {
      await silent.close();
    }
  });
});

describe('a password the Redis refuses', () => {
  it('exits 2 with REDIS_AUTH_FAILED on any database, never showing it', async () => {
    const guarded = await startPrivateRedis(undefined, {
      extraArgs: ['--requirepass', 'the-right-one'],
      password: 'the-right-one',
    });
    try {
      for (const db of [0, 1]) {
        const url = `redis://:wrongPW-d0c7@127.0.0.1:${guarded.port}/${db}`;
        const { code, stdout, all } = await doctor(['--redis', url, '--json']);
        expect(code, all).toBe(2);
        expect(JSON.parse(stdout)).toMatchObject({
          exitCode: 2,
          error: {
            code: 'REDIS_AUTH_FAILED',
            message: expect.stringContaining('Redis refused the user or password in the URL'),
          },
        });
        expect(all).not.toContain('wrongPW-d0c7');
      }
    } finally {
      await guarded.stop();
    }
  });
});

describe('a database the Redis does not have', () => {
  it('exits 2 instead of judging database 0 in its place', async () => {
    const { code, stdout } = await doctor(['--redis', `${SHARED_REDIS_URL}/9999`, '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      exitCode: 2,
      error: {
        code: 'REDIS_DATABASE_MISSING',
        message: expect.stringContaining('database 9999 does not exist'),
      },
    });
  });
});

describe('an empty key', () => {
  it('gives no verdict (exit 2) instead of judging a key named ""', async () => {
    const { code, stdout } = await doctor(['--queue', '', '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      exitCode: 2,
      error: { code: 'INVALID_ARGUMENT', message: '--queue must not be empty' },
    });
  });
});
