/**
 * Converts audio exactly as transcribe() does, without transcribing: what
 * whisper would receive, as 16 kHz mono float samples. For tests and tools.
 */
import { loadAddon } from './binding.js';
import { CallSite } from './engine-error.js';
import { toBuffer, type AudioInput } from './model.js';
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
  audio: AudioInput,
  options: AudioOptions = {},
  addonPath?: string,
): Promise<DecodedAudio> {
  const site = new CallSite(decodeAudio);
  const buffer = toBuffer(audio);
  const { spec } = resolveTranscribeOptions(options, 1);
  try {
    const decoded = await loadAddon(addonPath).addon.decodeAudio(buffer, spec);
    return { ...decoded, sampleRate: 16000 };
  } catch (failure) {
    throw site.wrap(failure);
  }
}
