/**
 * A Redis password never reaches a log line or an error message, even when
 * the password is wrong and every connection attempt fails with it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPrivateRedis, type PrivateRedis } from '../../src/cli/private-redis.js';
import { PROJECT_ROOT } from '../support/fixtures.js';
import { waitFor } from '../support/redis.js';

describe('worker: secrets', () => {
  let port: number;
  let server: PrivateRedis;

  beforeAll(async () => {
    server = await startPrivateRedis(undefined, {
      extraArgs: ['--requirepass', 'the-right-one'],
      password: 'the-right-one',
    });
    port = server.port;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('never prints the password, and exits 1 when it cannot start', async () => {
    const secret = 'wrongPW-7f3a9c';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(PROJECT_ROOT, 'src', 'cli.ts'),
        'run',
        '--engine',
        'noop',
        '--http-port',
        '0',
      ].concat(['--redis', `redis://someone:${secret}@127.0.0.1:${port}/0`]),
      { cwd: PROJECT_ROOT, env: { ...process.env, ASR_LOG_LEVEL: 'debug' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    await waitFor('output', async () => output.length > 0);
    expect(code).toBe(1);
    expect(output).toMatch(/WRONGPASS|invalid username-password/i);
    expect(output).toContain('***');
    expect(output).not.toContain(secret);
  });
});
