/**
 * Flags shared by the commands, each with its environment variable, and the
 * parsers that turn their text into checked numbers.
 */
import { InvalidArgumentError, Option } from 'commander';

import { DEFAULT_HTTP_PORT, DEFAULT_SESSION_CONTEXT_CHARS, DEFAULTS } from '../config.js';
import { MIN_SILENCE_FLOOR_DBFS } from '../engine/options.js';

export function integer(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  }
  return value;
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${text}"`);
  }
  return value;
}

/** A count that may be zero, such as a length that turns a feature off at 0. */
export function count(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`expected an integer of 0 or more, got "${text}"`);
  }
  return value;
}

/** Any finite number, negative ones included. */
export function finiteNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`expected a number, got "${text}"`);
  }
  return value;
}

/** A level in dBFS (0 or below), or "off" for no floor at all. */
export function dbfsOrOff(text: string): number {
  if (text.trim().toLowerCase() === 'off') return -Infinity;
  const value = finiteNumber(text);
  if (value > 0 || value < MIN_SILENCE_FLOOR_DBFS) {
    throw new InvalidArgumentError(
      `expected dBFS from ${MIN_SILENCE_FLOOR_DBFS} to 0 or "off", got "${text}"`,
    );
  }
  return value;
}

/** A TCP port: 0 (any free one) to 65535. */
export function port(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${text}"`);
  }
  return value;
}

/** Where the queue lives: every command needs these. */
export function connectionOptions(): Option[] {
  return [
    new Option(
      '--redis <url>',
      'Redis URL: redis://, rediss://, redis+sentinel://, redis+cluster:// (the password is never logged)',
    )
      .env('ASR_REDIS_URL')
      .default(DEFAULTS.redisUrl),
    new Option('--queue <key>', 'the list producers RPUSH tasks onto')
      .env('ASR_QUEUE')
      .default(DEFAULTS.queue),
    new Option(
      '--connect-timeout-ms <ms>',
      'give up when Redis has not connected and answered within this long',
    )
      .env('ASR_CONNECT_TIMEOUT_MS')
      .argParser(integer)
      .default(DEFAULTS.connectTimeoutMs),
  ];
}

export function workerOptions(): Option[] {
  return [
    new Option('--results <key>', 'the default result list')
      .env('ASR_RESULTS')
      .default(DEFAULTS.results),
    new Option('--channel <name>', 'pub/sub channel for live results')
      .env('ASR_CHANNEL')
      .default(DEFAULTS.channel),
    new Option('--model <path>', 'whisper ggml model (default: the project default model)').env(
      'ASR_MODEL',
    ),
    new Option('--engine <kind>', 'whisper, or noop for load tests')
      .choices(['whisper', 'noop'])
      .env('ASR_ENGINE')
      .default('whisper'),
    new Option('--concurrency <n>', 'tasks decoded at once (decoding states)')
      .env('ASR_CONCURRENCY')
      .argParser(integer),
    new Option('--threads <n>', 'threads per decode').env('ASR_THREADS').argParser(integer),
    new Option('--no-gpu', 'do not use the GPU even if the addon was built for one'),
    new Option('--worker-id <id>', "this worker's id (default: host-pid-random)").env(
      'ASR_WORKER_ID',
    ),
    new Option('--max-payload-bytes <n>', 'largest task or audio accepted')
      .env('ASR_MAX_PAYLOAD_BYTES')
      .argParser(integer)
      .default(DEFAULTS.maxPayloadBytes),
    new Option('--max-audio-seconds <s>', 'longest audio accepted')
      .env('ASR_MAX_AUDIO_SECONDS')
      .argParser(positiveNumber)
      .default(DEFAULTS.maxAudioSeconds),
    new Option('--task-timeout-ms <ms>', 'a decode running longer fails with TIMEOUT')
      .env('ASR_TASK_TIMEOUT_MS')
      .argParser(integer)
      .default(DEFAULTS.taskTimeoutMs),
    new Option('--drain-timeout-ms <ms>', 'on SIGTERM, how long running tasks may finish')
      .env('ASR_DRAIN_TIMEOUT_MS')
      .argParser(integer)
      .default(DEFAULTS.drainTimeoutMs),
    new Option('--max-deliveries <n>', 'deliveries before a task is dead-lettered as poison')
      .env('ASR_MAX_DELIVERIES')
      .argParser(integer)
      .default(DEFAULTS.maxDeliveries),
    new Option('--heartbeat-ttl-ms <ms>', 'how long a silent worker counts as alive')
      .env('ASR_HEARTBEAT_TTL_MS')
      .argParser(integer)
      .default(DEFAULTS.heartbeatTtlMs),
    new Option('--heartbeat-interval-ms <ms>', 'how often the heartbeat is renewed')
      .env('ASR_HEARTBEAT_INTERVAL_MS')
      .argParser(integer)
      .default(DEFAULTS.heartbeatIntervalMs),
    new Option('--redelivery-interval-ms <ms>', "how often dead workers' tasks are looked for")
      .env('ASR_REDELIVERY_INTERVAL_MS')
      .argParser(integer)
      .default(DEFAULTS.redeliveryIntervalMs),
    new Option('--http-port <port>', 'port for /healthz, /readyz and /metrics (0: any free port)')
      .env('ASR_HTTP_PORT')
      .argParser(port)
      .default(DEFAULT_HTTP_PORT),
    new Option('--http-host <host>', 'address the HTTP server binds to')
      .env('ASR_HTTP_HOST')
      .default(DEFAULTS.httpHost),
    new Option('--no-http', 'serve no /healthz, /readyz or /metrics'),
    new Option('--stall-check-interval-ms <ms>', 'how often the queue is checked for a stall')
      .env('ASR_STALL_CHECK_INTERVAL_MS')
      .argParser(integer)
      .default(DEFAULTS.stallCheckIntervalMs),
    new Option(
      '--stall-after-ms <ms>',
      'tasks waiting, a slot free, nothing taken this long (or a look-alike list untouched this long): stalled',
    )
      .env('ASR_STALL_AFTER_MS')
      .argParser(integer)
      .default(DEFAULTS.stallAfterMs),
    new Option('--max-task-wait-ms <ms>', 'oldest task waited this long with a slot free: stalled')
      .env('ASR_MAX_TASK_WAIT_MS')
      .argParser(integer)
      .default(DEFAULTS.maxTaskWaitMs),
    ...sessionOptions(),
    ...qualityOptions(),
    new Option('--log-level <level>', 'pino level').env('ASR_LOG_LEVEL').default('info'),
  ];
}

/** Sessions and deadlines: docs/protocol.md, Sessions. */
function sessionOptions(): Option[] {
  return [
    new Option('--max-task-age-ms <ms>', 'answer older tasks `expired` instead of decoding them')
      .env('ASR_MAX_TASK_AGE_MS')
      .argParser(integer),
    new Option('--session-channel <name>', 'pub/sub channel for session messages')
      .env('ASR_SESSION_CHANNEL')
      .default(DEFAULTS.sessionChannel),
    new Option('--session-results <key>', "list that receives each session's terminal message")
      .env('ASR_SESSION_RESULTS')
      .default(DEFAULTS.sessionResults),
    new Option('--session-idle-ms <ms>', 'a session with no chunk for this long ends incomplete')
      .env('ASR_SESSION_IDLE_MS')
      .argParser(integer)
      .default(DEFAULTS.sessionIdleMs),
    new Option(
      '--session-context-chars <n>',
      "characters of a session's transcript given to its next chunk as prompt (0: none; " +
        `default ${DEFAULT_SESSION_CONTEXT_CHARS}, 0 with the bundled model)`,
    )
      .env('ASR_SESSION_CONTEXT_CHARS')
      .argParser(count),
  ];
}

/** Silence, voice activity and hallucination thresholds: docs/quality.md. */
function qualityOptions(): Option[] {
  return [
    new Option(
      '--silence-floor-dbfs <db>',
      'quieter chunks are answered without decoding ("off": never)',
    )
      .env('ASR_SILENCE_FLOOR_DBFS')
      .argParser(dbfsOrOff)
      .default(DEFAULTS.silenceFloorDbfs),
    new Option(
      '--vad-model <path>',
      "Silero VAD model (ggml) for whisper.cpp's voice activity detection",
    ).env('ASR_VAD_MODEL'),
    new Option('--max-compression-ratio <x>', 'a segment compressing better than this is suspect')
      .env('ASR_MAX_COMPRESSION_RATIO')
      .argParser(positiveNumber)
      .default(DEFAULTS.maxCompressionRatio),
    new Option(
      '--min-avg-logprob <x>',
      'with --max-no-speech-prob: below this a segment is suspect',
    )
      .env('ASR_MIN_AVG_LOGPROB')
      .argParser(finiteNumber)
      .default(DEFAULTS.minAvgLogprob),
    new Option(
      '--max-no-speech-prob <p>',
      "whisper's no-speech probability above which a segment may be suspect",
    )
      .env('ASR_MAX_NO_SPEECH_PROB')
      .argParser(finiteNumber)
      .default(DEFAULTS.maxNoSpeechProb),
    new Option('--keep-suspect-text', 'keep likely hallucinated segments in session transcripts'),
  ];
}
