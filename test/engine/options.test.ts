import { describe, expect, it } from 'vitest';

import { EngineError } from '../../src/engine/engine-error.js';
import {
  closestName,
  resolveLoadOptions,
  resolveTranscribeOptions,
  type TranscribeOptions,
} from '../../src/engine/options.js';

function failure(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a failure');
}

describe('transcribe options', () => {
  it('fills whisper-compatible defaults', () => {
    const resolved = resolveTranscribeOptions({}, 3);
    expect(resolved.spec).toEqual({
      encoding: 'auto',
      sampleRate: 0,
      channels: 1,
      maxSeconds: 600,
    });
    expect(resolved.decode).toMatchObject({
      threads: 3,
      language: 'en',
      beamSize: 1,
      bestOf: 5,
      temperatureIncrement: 0.2,
      timestamps: true,
      audioCtx: 0,
    });
  });

  it("maps audioCtx 'auto' to the addon's sized window", () => {
    expect(resolveTranscribeOptions({ audioCtx: 'auto' }, 1).decode.audioCtx).toBe(-1);
  });

  it('names a misspelled option and its likely intent', () => {
    const error = failure(() =>
      resolveTranscribeOptions({ beamsize: 3 } as unknown as TranscribeOptions, 1),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe("transcribe: unknown option 'beamsize' (did you mean 'beamSize'?)");
  });

  it('says what was expected and what came', () => {
    const error = failure(() =>
      resolveTranscribeOptions({ temperature: 'hot' } as unknown as TranscribeOptions, 1),
    );
    expect(error.message).toMatch(/^transcribe: option 'temperature' expected number.*got "hot"$/);
  });

  it('requires a sample rate for raw PCM', () => {
    const error = failure(() => resolveTranscribeOptions({ encoding: 'pcm_f32le' }, 1));
    expect(error.message).toContain("'sampleRate' is required for encoding 'pcm_f32le'");
  });

  it('gives UNSUPPORTED_ENCODING for an encoding it cannot decode', () => {
    const error = failure(() =>
      resolveTranscribeOptions({ encoding: 'opus' } as unknown as TranscribeOptions, 1),
    );
    expect(error.code).toBe('UNSUPPORTED_ENCODING');
  });

  it('rejects options that are not an object', () => {
    const error = failure(() => resolveTranscribeOptions(42 as unknown as TranscribeOptions, 1));
    expect(error.message).toBe('transcribe: options must be an object, got 42');
  });
});

describe('load options', () => {
  it('splits the cores between decoding states', () => {
    const resolved = resolveLoadOptions({ states: 2, threads: undefined });
    expect(resolved.states).toBe(2);
    expect(resolved.threads).toBeGreaterThanOrEqual(1);
    expect(resolveLoadOptions({ states: 1, threads: 7 }).threads).toBe(7);
  });

  it('bounds the number of states', () => {
    expect(failure(() => resolveLoadOptions({ states: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(failure(() => resolveLoadOptions({ states: 65 })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('closestName', () => {
  it('finds near misses and ignores strangers', () => {
    expect(closestName('singlesegment', ['singleSegment', 'timestamps'])).toBe('singleSegment');
    expect(closestName('langauge', ['language'])).toBe('language');
    expect(closestName('volume', ['language', 'prompt'])).toBeUndefined();
  });
});

describe('silence floor', () => {
  it('defaults to -60 dBFS, for an absent or null option alike', () => {
    expect(resolveTranscribeOptions({}, 1).decode.silenceFloorDbfs).toBe(-60);
    expect(resolveTranscribeOptions({ silenceFloorDbfs: null }, 1).decode.silenceFloorDbfs).toBe(
      -60,
    );
  });

  it('takes -120 to 0 dBFS, and -Infinity to turn the gate off', () => {
    expect(resolveTranscribeOptions({ silenceFloorDbfs: -45 }, 1).decode.silenceFloorDbfs).toBe(
      -45,
    );
    expect(
      resolveTranscribeOptions({ silenceFloorDbfs: -Infinity }, 1).decode.silenceFloorDbfs,
    ).toBe(-Infinity);
  });

  it.each([-121, 1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (value) => {
    const error = failure(() => resolveTranscribeOptions({ silenceFloorDbfs: value }, 1));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain("option 'silenceFloorDbfs'");
  });
});

describe('VAD model option', () => {
  it('passes a path through and leaves it out by default', () => {
    expect(resolveLoadOptions({}).vadModelPath).toBeUndefined();
    expect(resolveLoadOptions({ vadModelPath: '/m/vad.bin' }).vadModelPath).toBe('/m/vad.bin');
    expect(failure(() => resolveLoadOptions({ vadModelPath: '' })).code).toBe('INVALID_ARGUMENT');
  });
});
