/**
 * `asr-worker doctor`: looks at one Redis database and says in plain words
 * what does not line up between producers and workers.
 *
 * Exit status: 0 nothing wrong (warnings and notes allowed), 1 at least one
 * error (or, with --strict, a warning), 2 no verdict: Redis could not be
 * inspected, or a flag was empty.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';

import { DEFAULTS } from '../config.js';
import { inspectDatabase } from '../diagnosis/inspect.js';
import { renderText } from '../diagnosis/render-text.js';
import { buildReport, REPORT_VERSION, type NoVerdictReport } from '../diagnosis/report.js';
import { assertDatabase, explainRedisFailure } from '../queue/connection-checks.js';
import { createRedisClient, redactRedisUrl, type RedisClient } from '../queue/redis.js';

export interface DoctorFlags {
  redis: string;
  queue: string;
  results: string;
  channel: string;
  sampleMs: number;
  connectTimeoutMs: number;
  json?: boolean;
  strict?: boolean;
}

export const DEFAULT_SAMPLE_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The doctor's own flags; the connection flags come from options.ts. */
export function doctorOptions(): Option[] {
  return [
    new Option('--results <key>', 'the result list the workers push to')
      .env('ASR_RESULTS')
      .default(DEFAULTS.results),
    new Option('--channel <name>', 'the pub/sub channel the workers publish on')
      .env('ASR_CHANNEL')
      .default(DEFAULTS.channel),
    new Option('--sample-ms <ms>', 'watch the lists this long for growth; 0 for one look')
      .argParser(nonNegativeInteger)
      .default(DEFAULT_SAMPLE_MS),
    new Option('--connect-timeout-ms <ms>', 'give up (exit 2) when Redis does not answer')
      .argParser(nonNegativeInteger)
      .default(DEFAULT_CONNECT_TIMEOUT_MS),
    new Option('--json', 'print the report as JSON'),
    new Option('--strict', 'exit 1 on warnings too'),
  ];
}

export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  const redacted = redactRedisUrl(flags.redis);
  const empty = (['queue', 'results', 'channel'] as const).find((name) => flags[name] === '');
  if (empty !== undefined) {
    // An empty environment variable would otherwise have a key named '' judged.
    return noVerdict(flags, redacted, 'INVALID_ARGUMENT', `--${empty} must not be empty`);
  }

  let redis: RedisClient | undefined;
  try {
    // The doctor reports connection trouble itself, once, instead of logging each retry.
    redis = createRedisClient(flags.redis, 'commands', pino({ level: 'silent' }));
    await reachable(redis, flags.connectTimeoutMs);
  } catch (error) {
    redis?.disconnect();
    const why = scrub(
      messageOf(redis ? explainRedisFailure(redis, error) : error),
      flags.redis,
      redacted,
    );
    return noVerdict(flags, redacted, 'REDIS_UNREACHABLE', `could not reach ${redacted}: ${why}`);
  }

  try {
    await assertDatabase(redis);
  } catch (error) {
    redis.disconnect();
    return noVerdict(flags, redacted, 'REDIS_DATABASE_MISSING', `${redacted}: ${messageOf(error)}`);
  }

  try {
    const facts = await inspectDatabase(redis, {
      redis: redacted,
      queue: flags.queue,
      results: flags.results,
      channel: flags.channel,
      sampleMs: flags.sampleMs,
    });
    const report = buildReport(facts, flags.strict === true);
    console.log(flags.json ? JSON.stringify(report, null, 2) : renderText(report));
    process.exitCode = report.exitCode;
  } catch (error) {
    const why = scrub(messageOf(error), flags.redis, redacted);
    noVerdict(flags, redacted, 'INSPECTION_FAILED', `could not inspect ${redacted}: ${why}`);
  } finally {
    redis.disconnect();
  }
}

/** Resolves once Redis answers a PING, rejects after timeoutMs. */
async function reachable(redis: RedisClient, timeoutMs: number): Promise<void> {
  const abort = new AbortController();
  const timeout = sleep(timeoutMs, undefined, { signal: abort.signal }).then(() => {
    throw new Error(`no answer within ${timeoutMs} ms`);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    abort.abort();
    timeout.catch(() => undefined);
  }
}

/** Exit 2: no report, only why there is none (as JSON under --json). */
function noVerdict(flags: DoctorFlags, redacted: string, code: string, message: string): void {
  if (flags.json) {
    const report: NoVerdictReport = {
      version: REPORT_VERSION,
      ok: false,
      exitCode: 2,
      redis: redacted,
      error: { code, message },
    };
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.error(`asr-worker doctor: ${message} [${code}]`);
  }
  process.exitCode = 2;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error message with the URL and its password masked, should a library quote them. */
function scrub(message: string, url: string, redacted: string): string {
  let out = message.split(url).join(redacted);
  const password = /^[^:]+:\/\/[^@/]*?:([^@/]+)@/.exec(url)?.[1];
  if (password) out = out.split(password).join('***');
  return out;
}

function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`expected a whole number of 0 or more, got "${text}"`);
  }
  return value;
}
