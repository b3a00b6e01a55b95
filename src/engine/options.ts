/**
 * Every option a user can pass to the engine, validated once in TypeScript
 * with one message template: which option, what was expected, what came.
 * A misspelled option is an error that names the likely intended one.
 */
import os from 'node:os';

import { z } from 'zod';

import { editDistance } from '../edit-distance.js';
import { EngineError } from './engine-error.js';
import type { NativeAudioSpec, NativeTranscribeOptions } from './native-types.js';

const MAX_STATES = 64;
const DEFAULT_MAX_AUDIO_SECONDS = 600;

/**
 * The silence gate's default: a chunk whose RMS level is below -60 dBFS is
 * answered without decoding. Speech at any usable recording level sits far
 * above it (-35 to -15 dBFS); a muted microphone, room tone or a line with
 * nothing on it falls below.
 */
export const DEFAULT_SILENCE_FLOOR_DBFS = -60;
/** The quietest floor a caller may set; below it only digital noise is left. */
export const MIN_SILENCE_FLOOR_DBFS = -120;

export const AUDIO_ENCODINGS = ['auto', 'wav', 'mp3', 'flac', 'pcm_s16le', 'pcm_f32le'] as const;
export type AudioEncoding = (typeof AUDIO_ENCODINGS)[number];

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const loadSchema = z.strictObject({
  states: positiveInt(MAX_STATES).optional(),
  threads: positiveInt(256).optional(),
  useGpu: z.boolean().optional(),
  gpuDevice: z.number().int().min(0).optional(),
  flashAttention: z.boolean().optional(),
  addonPath: z.string().min(1).optional(),
  /** A Silero VAD model in ggml form; each transcription first looks for speech with it. */
  vadModelPath: z.string().min(1).optional(),
});

export type LoadModelOptions = z.input<typeof loadSchema>;

export interface ResolvedLoadOptions {
  states: number;
  threads: number;
  useGpu: boolean;
  gpuDevice: number;
  flashAttention: boolean;
  addonPath: string | undefined;
  vadModelPath: string | undefined;
}

const transcribeSchema = z.strictObject({
  encoding: z.enum(AUDIO_ENCODINGS).optional(),
  sampleRate: z.number().int().min(1000).max(384000).optional(),
  channels: z.number().int().min(1).max(32).optional(),
  maxAudioSeconds: z.number().positive().optional(),
  language: z
    .string()
    .regex(/^(auto|[a-z]{2,3}|haw|yue)$/, 'a language code or "auto"')
    .optional(),
  translate: z.boolean().optional(),
  prompt: z.string().max(4096).optional(),
  timestamps: z.boolean().optional(),
  singleSegment: z.boolean().optional(),
  maxTokens: z.number().int().min(0).optional(),
  temperature: z.number().min(0).max(1).optional(),
  temperatureIncrement: z.number().min(0).max(1).optional(),
  beamSize: positiveInt(16).optional(),
  bestOf: positiveInt(16).optional(),
  audioCtx: z
    .union([z.literal('auto'), z.number().int().min(0)], { error: "'auto' or an integer >= 0" })
    .optional(),
  threads: positiveInt(256).optional(),
  // setTimeout's limit: a longer delay would fire at once.
  timeoutMs: z
    .number()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
  signal: z.instanceof(AbortSignal).optional(),
  /**
   * Chunks quieter than this RMS level (dBFS, -120 to 0) are answered with
   * `skipped: 'silence'` and never decoded. null or absent: -60.
   * -Infinity turns the gate off (every chunk is decoded, digital silence too).
   */
  silenceFloorDbfs: z
    .union([z.number().min(MIN_SILENCE_FLOOR_DBFS).max(0), z.literal(Number.NEGATIVE_INFINITY)], {
      error: `a dBFS level from ${MIN_SILENCE_FLOOR_DBFS} to 0, or -Infinity for no gate`,
    })
    .nullable()
    .optional(),
});

export type TranscribeOptions = z.input<typeof transcribeSchema>;

export interface ResolvedTranscribeOptions {
  spec: NativeAudioSpec;
  decode: NativeTranscribeOptions;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
}

export function resolveLoadOptions(options: LoadModelOptions = {}): ResolvedLoadOptions {
  const parsed = parse(loadSchema, options, 'loadModel');
  const states = parsed.states ?? 1;
  return {
    states,
    // Decodes running side by side split the cores between them.
    threads: parsed.threads ?? Math.max(1, Math.floor(os.availableParallelism() / states)),
    useGpu: parsed.useGpu ?? true,
    gpuDevice: parsed.gpuDevice ?? 0,
    flashAttention: parsed.flashAttention ?? true,
    addonPath: parsed.addonPath,
    vadModelPath: parsed.vadModelPath,
  };
}

export function resolveTranscribeOptions(
  options: TranscribeOptions = {},
  defaultThreads: number,
): ResolvedTranscribeOptions {
  assertSupportedEncoding(options);
  const parsed = parse(transcribeSchema, options, 'transcribe');
  const encoding = parsed.encoding ?? 'auto';
  const isRawPcm = encoding === 'pcm_s16le' || encoding === 'pcm_f32le';
  if (isRawPcm && parsed.sampleRate === undefined) {
    throw invalid(`option 'sampleRate' is required for encoding '${encoding}'`);
  }

  return {
    spec: {
      encoding,
      sampleRate: parsed.sampleRate ?? 0,
      channels: parsed.channels ?? 1,
      maxSeconds: parsed.maxAudioSeconds ?? DEFAULT_MAX_AUDIO_SECONDS,
    },
    decode: {
      threads: parsed.threads ?? defaultThreads,
      language: parsed.language ?? 'en',
      translate: parsed.translate ?? false,
      prompt: parsed.prompt ?? '',
      timestamps: parsed.timestamps ?? true,
      singleSegment: parsed.singleSegment ?? false,
      maxTokens: parsed.maxTokens ?? 0,
      temperature: parsed.temperature ?? 0,
      temperatureIncrement: parsed.temperatureIncrement ?? 0.2,
      beamSize: parsed.beamSize ?? 1,
      bestOf: parsed.bestOf ?? 5,
      // -1 asks the addon to size the encoder window to the audio.
      audioCtx: parsed.audioCtx === 'auto' ? -1 : (parsed.audioCtx ?? 0),
      silenceFloorDbfs: parsed.silenceFloorDbfs ?? DEFAULT_SILENCE_FLOOR_DBFS,
    },
    timeoutMs: parsed.timeoutMs,
    signal: parsed.signal,
  };
}

/** An encoding we cannot decode is its own error, not a generic bad option. */
function assertSupportedEncoding(options: TranscribeOptions): void {
  const encoding = (options as { encoding?: unknown } | null)?.encoding;
  if (typeof encoding === 'string' && !(AUDIO_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new EngineError(
      'UNSUPPORTED_ENCODING',
      `encoding '${encoding.slice(0, 40)}' is not supported; use one of ${AUDIO_ENCODINGS.join(', ')}`,
    );
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, call: string): z.output<T> {
  if (value === null || typeof value !== 'object') {
    throw invalid(`${call}: options must be an object, got ${describe(value)}`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys((schema as unknown as z.ZodObject).shape);
    const key = issue.keys[0]!;
    const hint = closestName(key, known);
    throw invalid(
      `${call}: unknown option '${key}'` +
        (hint ? ` (did you mean '${hint}'?)` : ` (known: ${known.join(', ')})`),
    );
  }

  const name = issue.path.join('.');
  const received = (value as Record<string, unknown>)[String(issue.path[0])];
  throw invalid(
    `${call}: option '${name}' expected ${expectation(issue)}, got ${describe(received)}`,
  );
}

function expectation(issue: z.core.$ZodIssue): string {
  // Zod's messages start with "Invalid input: expected ..." or "Too small: ...";
  // keep the part after the colon, which already says what was expected.
  const message = issue.message.replace(/^[^:]*:\s*/, '').replace(/, received .*$/, '');
  return message.replace(/^expected\s+/i, '');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

/** The known name a misspelling most likely meant, if any is close. */
export function closestName(input: string, known: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(lowered, name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
