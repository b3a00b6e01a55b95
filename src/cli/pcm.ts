/**
 * Float samples in [-1, 1] as the raw PCM a backend would send. Samples
 * beyond full scale are clipped, as any converter would.
 */
export function toS16le(samples: Float32Array): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  samples.forEach((x, i) => pcm.writeInt16LE(Math.round(clip(x) * 32767), i * 2));
  return pcm;
}

export function toF32le(samples: Float32Array): Buffer {
  const pcm = Buffer.alloc(samples.length * 4);
  samples.forEach((x, i) => pcm.writeFloatLE(x, i * 4));
  return pcm;
}

export function clip(x: number): number {
  return Math.max(-1, Math.min(1, x));
}
