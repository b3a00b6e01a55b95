#!/usr/bin/env node
/**
 * asr-worker: run a worker, produce tasks, or see the whole path work.
 *
 *   asr-worker run       transcribe tasks from the Redis list until stopped
 *   asr-worker enqueue   push audio files as tasks, exactly as a backend would
 *   asr-worker demo      a private Redis, the default model, real speech, results
 *   asr-worker doctor    say what does not line up between producers and workers
 */
import { Command } from 'commander';

import { demoCommand } from './cli/demo-command.js';
import { doctorCommand, doctorOptions } from './cli/doctor-command.js';
import { enqueueCommand } from './cli/enqueue-command.js';
import { connectionOptions, integer, positiveNumber, workerOptions } from './cli/options.js';
import { runCommand, type RunFlags } from './cli/run-command.js';

const program = new Command('asr-worker')
  .description('Speech recognition for tasks on a Redis list, with whisper.cpp')
  .showHelpAfterError();

const run = program
  .command('run')
  .description('transcribe tasks from the queue until SIGINT/SIGTERM');
for (const option of [...connectionOptions(), ...workerOptions()]) run.addOption(option);
run.action((flags: RunFlags) => runCommand(flags));

const enqueue = program
  .command('enqueue')
  .description('push audio files onto the queue as tasks (one RPUSH each)')
  .argument('<files...>', 'WAV, MP3 or FLAC files')
  .option('--chunk-seconds <s>', 'cut each file into chunks of one session', positiveNumber)
  .option('--wait', 'wait for the results and print them')
  .option('--wait-timeout-ms <ms>', 'how long to wait for all results', integer, 120_000)
  .option('--language <code>', 'language of the speech, or auto');
for (const option of connectionOptions()) enqueue.addOption(option);
enqueue.action(enqueueCommand);

const demo = program
  .command('demo')
  .description('start a private Redis, a worker and real speech through it, print the results')
  .option('--model <path>', 'a real whisper ggml model (default: the project default model)')
  .option('--redis <url>', 'use this Redis instead of starting a private one');
demo.action(demoCommand);

const doctor = program
  .command('doctor')
  .description(
    'look at a Redis and say what does not line up (exit 0 clean, 1 errors found, 2 no Redis)',
  );
for (const option of [...connectionOptions(), ...doctorOptions()]) doctor.addOption(option);
doctor.action(doctorCommand);

program.parseAsync().catch((error: unknown) => {
  const code = (error as { code?: string }).code;
  console.error(`asr-worker: ${(error as Error).message}${code ? ` [${code}]` : ''}`);
  process.exitCode = 1;
});
