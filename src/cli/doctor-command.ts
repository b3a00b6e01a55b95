/**
 * `asr-worker doctor`: looks at one Redis database and says in plain words
 * what does not line up between producers and workers.
 *
 * Exit status: 0 nothing wrong (warnings and notes allowed), 1 at least one
 * error (or, with --strict, a warning), 2 no verdict: Redis could not be
 * inspected, or a flag was empty.
 */
import { InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';

import { DEFAULTS } from '../config.js';
import { inspectDatabase } from '../diagnosis/inspect.js';
import { renderText } from '../diagnosis/render-text.js';
import { buildReport, REPORT_VERSION, type NoVerdictReport } from '../diagnosis/report.js';
import { assertDatabase, assertReachable } from '../queue/connection-checks.js';
import { closeNow, createRedisClient, redactRedisUrl, type RedisClient } from '../queue/redis.js';

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

/**
 * The doctor's own flags; the connection flags (--redis, --queue,
 * --connect-timeout-ms) come from options.ts.
 */
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
    await assertReachable(redis, flags.connectTimeoutMs);
    await assertDatabase(redis);
  } catch (error) {
    // At once: a server that never answered would otherwise hold the exit.
    if (redis) closeNow(redis);
    return noVerdict(flags, redacted, ...connectionFailure(error, flags.redis, redacted));
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
    // The doctor only reads, so nothing is lost by not waiting on Redis.
    closeNow(redis);
  }
}

/**
 * The code and message for a connection that failed its checks: the check's
 * own code (REDIS_UNREACHABLE, REDIS_AUTH_FAILED, REDIS_DATABASE_MISSING), or
 * INVALID_ARGUMENT for a URL that does not parse, REDIS_UNREACHABLE for
 * anything else.
 */
function connectionFailure(error: unknown, url: string, redacted: string): [string, string] {
  const code = (error as { code?: unknown } | null)?.code;
  const why = scrub(messageOf(error), url, redacted);
  // A URL that does not parse is a flag with a wrong value; the message names it.
  if (code === 'INVALID_CONFIG') return ['INVALID_ARGUMENT', why];
  if (code === 'REDIS_AUTH_FAILED' || code === 'REDIS_DATABASE_MISSING') {
    return [code, `${redacted}: ${why}`];
  }
  return ['REDIS_UNREACHABLE', `could not reach ${redacted}: ${why}`];
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
