/**
 * Test signals: sine waves as WAV files of any rate, depth and channel
 * count (through the wavefile library), and measurements of what comes out.
 */
import wavefile from 'wavefile';

export type WavDepth = '8' | '16' | '24' | '32' | '32f';

const INT_PEAK: Record<Exclude<WavDepth, '32f'>, number> = {
  '8': 127,
  '16': 32767,
  '24': 8388607,
  '32': 2147483647,
};

/** A sine of `amplitude` (0..1) on the first channel; other channels silent. */
export function sine(frequencyHz: number, sampleRate: number, seconds: number, amplitude = 0.5) {
  const count = Math.round(sampleRate * seconds);
  return Float64Array.from(
    { length: count },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate),
  );
}

export function sineWav(
  frequencyHz: number,
  sampleRate: number,
  channels: number,
  depth: WavDepth,
  seconds = 1,
): Buffer {
  const wave = sine(frequencyHz, sampleRate, seconds);
  const encode = (x: number) => {
    if (depth === '32f') return x;
    const scaled = Math.round(x * INT_PEAK[depth]);
    return depth === '8' ? scaled + 128 : scaled; // 8-bit WAV is unsigned
  };
  const silent = depth === '8' ? 128 : 0;
  const data = Array.from({ length: channels }, (_, channel) =>
    Array.from(wave, (x) => (channel === 0 ? encode(x) : silent)),
  );

  const file = new wavefile.WaveFile();
  file.fromScratch(channels, sampleRate, depth, channels === 1 ? data[0]! : data);
  return Buffer.from(file.toBuffer());
}

/** Interleaved raw PCM of the same sine. */
export function sinePcm(
  frequencyHz: number,
  sampleRate: number,
  channels: number,
  format: 's16le' | 'f32le',
  seconds = 1,
): Buffer {
  const wave = sine(frequencyHz, sampleRate, seconds);
  const bytesPerSample = format === 's16le' ? 2 : 4;
  const buffer = Buffer.alloc(wave.length * channels * bytesPerSample);
  wave.forEach((x, frame) => {
    const offset = frame * channels * bytesPerSample;
    if (format === 's16le') buffer.writeInt16LE(Math.round(x * 32767), offset);
    else buffer.writeFloatLE(x, offset);
  });
  return buffer;
}

/**
 * Frequency from the upward zero crossings, interpolated between samples,
 * over the middle 80% of the signal (the resampler's filter edges excluded).
 */
export function measureFrequency(samples: Float32Array, sampleRate: number): number {
  const start = Math.floor(samples.length * 0.1);
  const end = Math.floor(samples.length * 0.9);
  const crossings: number[] = [];
  for (let i = start; i < end - 1; i++) {
    const a = samples[i]!;
    const b = samples[i + 1]!;
    if (a < 0 && b >= 0) crossings.push(i + a / (a - b));
  }
  const periods = crossings.length - 1;
  const spanSamples = crossings[crossings.length - 1]! - crossings[0]!;
  return (periods * sampleRate) / spanSamples;
}

export function peak(samples: Float32Array): number {
  let max = 0;
  for (const x of samples) max = Math.max(max, Math.abs(x));
  return max;
}
