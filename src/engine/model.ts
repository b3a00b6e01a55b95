/**
 * A loaded whisper model: load once, transcribe many chunks concurrently
 * (one decoding state each), close once. Decoding, audio conversion and
 * loading all run on native threads; the event loop only waits on promises.
 */
import path from 'node:path';

import type { Logger } from 'pino';

import { loadAddon, reportGpuFallbacks } from './binding.js';
import { CallSite, EngineError } from './engine-error.js';
import type { NativeModel, NativeModelInfo, NativeSegment } from './native-types.js';
import { attachNativeLogs, expectStopNoise } from './native-logs.js';
import {
  resolveLoadOptions,
  resolveTranscribeOptions,
  type LoadModelOptions,
  type TranscribeOptions,
} from './options.js';
import { StateSlots } from './state-slots.js';
import type { Transcriber } from './transcriber.js';

/** One stretch of text with its times and whisper's confidence in it. */
export type Segment = NativeSegment;

/** Why whisper did not run on a chunk: below the silence floor, or no speech per the VAD. */
export type SkipReason = 'silence' | 'no_speech';

/** Speech the voice activity detector found, in ms from the chunk's start. */
export interface SpeechSpan {
  startMs: number;
  endMs: number;
}

export interface Transcription {
  text: string;
  segments: Segment[];
  /** Detected or requested; '' for a skipped chunk that asked for 'auto' on a multilingual model. */
  language: string;
  /** Length of the audio as received, in milliseconds. */
  audioMs: number;
  /**
   * RMS level of the 16 kHz mono audio in dBFS (0: full-scale square wave);
   * null for digital silence, every sample zero.
   */
  levelDbfs: number | null;
  /** Set when whisper did not run: text is '' and there are no segments. */
  skipped?: SkipReason;
  /**
   * With a VAD model: the speech it found, in order, within the audio.
   * Absent without one, and for chunks the silence gate skipped.
   */
  speech?: SpeechSpan[];
  timings: {
    /** Waiting for a free decoding state. */
    queuedMs: number;
    /** Decoding the container and resampling to 16 kHz mono. */
    convertMs: number;
    /** The voice activity detector; absent without one, 0 when the silence gate skipped it. */
    vadMs?: number;
    /** whisper itself: encoder and decoder; 0 for a skipped chunk. */
    decodeMs: number;
    /** From the call to the result. */
    totalMs: number;
  };
}

export interface ModelInfo extends NativeModelInfo {
  path: string;
  backend: string;
  threads: number;
  addonPath: string;
}

export type AudioInput = Buffer | Uint8Array;

let nextJobId = 1;

export async function loadModel(
  modelPath: string,
  options: LoadModelOptions = {},
  logger?: Logger,
): Promise<Model> {
  const site = new CallSite(loadModel);
  if (typeof modelPath !== 'string' || modelPath.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'loadModel: expected a model path string');
  }
  const resolved = resolveLoadOptions(options);
  if (logger !== undefined && typeof (logger as Partial<Logger>).child !== 'function') {
    throw new EngineError('INVALID_ARGUMENT', 'loadModel: logger must be a pino logger');
  }
  const binding = loadAddon(resolved.addonPath);
  if (logger) attachNativeLogs(binding.addon, logger);
  reportGpuFallbacks(binding, logger);

  try {
    const native = await binding.addon.loadModel(modelPath, {
      useGpu: resolved.useGpu,
      gpuDevice: resolved.gpuDevice,
      flashAttention: resolved.flashAttention,
      states: resolved.states,
      vadModelPath: resolved.vadModelPath ?? '',
    });
    return new Model(native, {
      path: modelPath,
      backend: binding.addon.versions.backend,
      threads: resolved.threads,
      addonPath: binding.path,
      states: resolved.states,
      languages: new Set(binding.addon.languages()),
    });
  } catch (failure) {
    throw site.wrap(failure);
  }
}

interface ModelSetup {
  path: string;
  backend: string;
  threads: number;
  addonPath: string;
  states: number;
  /** Every language code whisper knows. */
  languages: ReadonlySet<string>;
}

export class Model implements Transcriber {
  private readonly slots: StateSlots;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly closing = new AbortController();
  private readonly stopping = new Set<AbortController>();
  private closed: Promise<void> | undefined;

  /** @internal Use loadModel(). */
  constructor(
    private readonly native: NativeModel,
    private readonly setup: ModelSetup,
  ) {
    this.slots = new StateSlots(setup.states);
    this.shape = native.info();
  }

  /** What the model file says about itself; fixed for the model's life. */
  private readonly shape: NativeModelInfo;

  /** The model file's name, for results and logs. */
  get name(): string {
    return path.basename(this.setup.path);
  }

  /** Decodes that run at once: one per state. */
  get capacity(): number {
    return this.setup.states;
  }

  /** Calls decoding now, and calls waiting for a free state. */
  stats(): { running: number; waiting: number } {
    const waiting = this.slots.waiting;
    return { running: this.inFlight.size - waiting, waiting };
  }

  info(): ModelInfo {
    this.assertOpen();
    return {
      ...this.shape,
      // The flag only means something where a GPU backend was built in.
      useGpu: this.shape.useGpu && this.setup.backend !== 'cpu',
      path: this.setup.path,
      backend: this.setup.backend,
      threads: this.setup.threads,
      addonPath: this.setup.addonPath,
    };
  }

  /**
   * Transcribes one chunk. The buffer is read in place by the native code:
   * do not modify it until the promise settles.
   */
  transcribe(audio: AudioInput, options: TranscribeOptions = {}): Promise<Transcription> {
    const site = new CallSite(this.transcribe);
    const call = this.run(audio, options).catch((failure: unknown) => {
      throw site.wrap(failure);
    });
    this.inFlight.add(call);
    const forget = () => this.inFlight.delete(call);
    call.then(forget, forget);
    return call;
  }

  /**
   * Stops accepting calls, aborts the running ones, waits for them to
   * settle, then frees the model. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= this.closeOnce();
    return this.closed;
  }

  private async closeOnce(): Promise<void> {
    const reason = new EngineError('CLOSED', 'the model was closed');
    this.closing.abort(reason);
    for (const controller of this.stopping) controller.abort(reason);
    await Promise.allSettled([...this.inFlight]);
    this.native.close();
  }

  private async run(audio: AudioInput, options: TranscribeOptions): Promise<Transcription> {
    const startedAt = performance.now();
    this.assertOpen();
    const buffer = toBuffer(audio);
    const resolved = resolveTranscribeOptions(options, this.setup.threads);
    this.assertAudioCtxFits(resolved.decode.audioCtx);
    resolved.decode.language = this.checkedLanguage(resolved.decode.language);
    const stop = this.stopSignal(resolved.signal, resolved.timeoutMs);

    try {
      await this.slots.acquire(stop.signal);
    } catch (reason) {
      stop.dispose();
      throw reason;
    }
    const queuedMs = performance.now() - startedAt;

    const jobId = nextJobId++;
    let quiet: (() => void) | undefined;
    const onStop = () => {
      quiet = expectStopNoise();
      this.native.abort(jobId, stopKind(stop.signal.reason));
    };
    stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      // Aborted between getting the slot and here: no listener saw it.
      if (stop.signal.aborted) throw stop.signal.reason;
      const result = await this.native.transcribe(jobId, buffer, resolved.spec, resolved.decode);
      return {
        text: result.text,
        segments: result.segments,
        language: result.language,
        audioMs: result.audioMs,
        levelDbfs: result.levelDbfs,
        ...(result.skipped !== undefined && { skipped: result.skipped }),
        ...(result.speech !== undefined && { speech: result.speech }),
        timings: {
          queuedMs,
          convertMs: result.timings.convertMs,
          ...(this.shape.vad && { vadMs: result.timings.vadMs }),
          decodeMs: result.timings.decodeMs,
          totalMs: performance.now() - startedAt,
        },
      };
    } finally {
      stop.signal.removeEventListener('abort', onStop);
      quiet?.();
      stop.dispose();
      this.slots.release();
    }
  }

  /** One signal for the caller's abort, the timeout and close(). */
  private stopSignal(
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    // close() reaches running calls through this set rather than a listener
    // per call on one shared signal, which Node warns about past ten.
    this.stopping.add(controller);
    const sources = signal ? [signal] : [];
    const relay = (source: AbortSignal) => () => controller.abort(asStopReason(source.reason));
    const listeners = sources.map((source) => {
      const listener = relay(source);
      if (source.aborted) listener();
      else source.addEventListener('abort', listener, { once: true });
      return { source, listener };
    });

    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            controller.abort(
              new EngineError('TIMEOUT', `the transcription ran past its ${timeoutMs} ms timeout`),
            );
          }, timeoutMs);

    return {
      signal: controller.signal,
      dispose: () => {
        this.stopping.delete(controller);
        clearTimeout(timer);
        for (const { source, listener } of listeners) {
          source.removeEventListener('abort', listener);
        }
      },
    };
  }

  private assertAudioCtxFits(audioCtx: number): void {
    const limit = this.shape.audioContext;
    if (audioCtx > limit) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `transcribe: option 'audioCtx' expected at most ${limit} for this model, got ${audioCtx}`,
      );
    }
  }

  /**
   * whisper quietly decodes an unknown code as English, and an English-only
   * model "detects" whatever language its untrained head points at; both
   * are settled here instead.
   */
  private checkedLanguage(language: string): string {
    if (language === 'auto') return this.shape.multilingual ? 'auto' : 'en';
    if (!this.setup.languages.has(language)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `transcribe: option 'language' expected a whisper language code or 'auto', got "${language}"`,
      );
    }
    if (!this.shape.multilingual && language !== 'en') {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `transcribe: this model is English-only; language "${language}" needs a multilingual model`,
      );
    }
    return language;
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) {
      throw new EngineError('CLOSED', 'the model is closed; load it again to transcribe');
    }
  }
}

function asStopReason(reason: unknown): EngineError {
  if (reason instanceof EngineError) return reason;
  return new EngineError('ABORTED', 'the transcription was aborted', { cause: reason });
}

function stopKind(reason: unknown): 'aborted' | 'timeout' | 'closed' {
  if (!(reason instanceof EngineError)) return 'aborted';
  if (reason.code === 'TIMEOUT') return 'timeout';
  return reason.code === 'CLOSED' ? 'closed' : 'aborted';
}

export function toBuffer(audio: AudioInput): Buffer {
  if (Buffer.isBuffer(audio)) return audio;
  if (audio instanceof Uint8Array) {
    return Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength);
  }
  throw new EngineError(
    'INVALID_ARGUMENT',
    `transcribe: audio must be a Buffer or Uint8Array, got ${audio === null ? 'null' : typeof audio}`,
  );
}
