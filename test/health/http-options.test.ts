/**
 * The HTTP and stall flags as `asr-worker run` reads them: on by default
 * on a fixed port for the command, off with --no-http, port 0 allowed.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { connectionOptions, workerOptions } from '../../src/cli/options.js';
import { configFromFlags, type RunFlags } from '../../src/cli/run-command.js';
import { DEFAULT_HTTP_PORT, resolveWorkerConfig } from '../../src/config.js';

function parse(args: string[]): RunFlags {
  const command = new Command('run').exitOverride();
  for (const option of [...connectionOptions(), ...workerOptions()]) command.addOption(option);
  command.parse(args, { from: 'user' });
  return command.opts<RunFlags>();
}

describe('run flags for health and stalls', () => {
  it('serves HTTP on the default port, on loopback, unless told otherwise', () => {
    const config = configFromFlags(parse([]));
    expect(config.httpPort).toBe(DEFAULT_HTTP_PORT);
    expect(config.httpHost).toBe('127.0.0.1');
    expect(config.stallAfterMs).toBe(30_000);
  });

  it('takes a port (0 included), a host and thresholds, and --no-http', () => {
    const given = parse(['--http-port', '0', '--http-host', '0.0.0.0', '--stall-after-ms', '900']);
    expect(configFromFlags(given)).toMatchObject({
      httpPort: 0,
      httpHost: '0.0.0.0',
      stallAfterMs: 900,
    });
    expect(configFromFlags(parse(['--no-http'])).httpPort).toBeUndefined();
    expect(() => parse(['--http-port', '70000'])).toThrow(/port from 0 to 65535/);
  });

  it('leaves HTTP off for a worker configured in code (the demo, tests)', () => {
    expect(resolveWorkerConfig({}).httpPort).toBeUndefined();
  });
});
