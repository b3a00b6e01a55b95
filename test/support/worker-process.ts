/**
 * A worker in a child process, started through the real command line, for
 * tests that kill, signal or multiply workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { PROJECT_ROOT } from './fixtures.js';

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startWorkerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli.ts'), 'run', ...args],
    {
      cwd: PROJECT_ROOT,
      // Any free port for /healthz and /metrics: several workers run at once.
      env: { ...process.env, ASR_LOG_LEVEL: 'info', ASR_HTTP_PORT: '0', ...env },
      stdio: 'pipe',
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  const deadline = Date.now() + 60_000;
  while (!output.includes('listening on Redis list')) {
    if (child.exitCode !== null) throw new Error(`worker exited at start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker did not start within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output, exited };
}
