/**
 * Converts audio exactly as transcribe() does, without transcribing: what
 * whisper would receive, as 16 kHz mono float samples. For tests and tools.
 */
import { loadAddon } from './binding.js';
import { CallSite, EngineError } from './engine-error.js';
import { resolveTranscribeOptions, type TranscribeOptions } from './options.js';

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: 16000;
  inputMs: number;
  inputSampleRate: number;
  inputChannels: number;
}

type AudioOptions = Pick<
  TranscribeOptions,
  'encoding' | 'sampleRate' | 'channels' | 'maxAudioSeconds'
>;

export async function decodeAudio(
  audio: Buffer,
  options: AudioOptions = {},
  addonPath?: string,
): Promise<DecodedAudio> {
  const site = new CallSite(decodeAudio);
  if (!Buffer.isBuffer(audio)) {
    throw new EngineError('INVALID_ARGUMENT', 'decodeAudio: audio must be a Buffer');
  }
  const { spec } = resolveTranscribeOptions(options, 1);
  try {
    const decoded = await loadAddon(addonPath).addon.decodeAudio(audio, spec);
    return { ...decoded, sampleRate: 16000 };
  } catch (failure) {
    throw site.wrap(failure);
  }
}
