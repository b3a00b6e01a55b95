/**
 * Whatever rate, depth and channel layout comes in, whisper receives 16 kHz
 * mono float: a 1 kHz sine keeps its frequency, its length, and (mixed down
 * from a stereo file with one silent channel) half its amplitude.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { decodeAudio } from '../../src/index.js';
import { fixture, speechSets } from '../support/fixtures.js';
import { measureFrequency, peak, sinePcm, sineWav, type WavDepth } from '../support/signals.js';

const RATES = [8000, 22050, 44100, 48000];
const CHANNELS = [1, 2];
const DEPTHS: WavDepth[] = ['8', '16', '24', '32', '32f'];
const AMPLITUDE = 0.5;

function expectConverted(
  decoded: { samples: Float32Array; inputMs: number },
  channels: number,
  depth: string,
) {
  expect(measureFrequency(decoded.samples, 16000)).toBeCloseTo(1000, -1); // within ±5 Hz
  expect(Math.abs(decoded.samples.length - 16000) / 16000).toBeLessThan(0.01);
  expect(decoded.inputMs).toBeCloseTo(1000, 0);

  // Mono keeps the amplitude; stereo with one silent channel averages to half.
  const expectedPeak = channels === 1 ? AMPLITUDE : AMPLITUDE / 2;
  const tolerance = depth === '8' ? 0.05 : 0.02;
  expect(Math.abs(peak(decoded.samples) - expectedPeak)).toBeLessThan(tolerance);
}

describe('conversion to 16 kHz mono', () => {
  for (const rate of RATES) {
    for (const channels of CHANNELS) {
      for (const depth of DEPTHS) {
        it(`WAV ${rate} Hz, ${channels} ch, ${depth}-bit`, async () => {
          const wav = sineWav(1000, rate, channels, depth);
          const decoded = await decodeAudio(wav, { encoding: 'wav' });
          expect(decoded.inputSampleRate).toBe(rate);
          expect(decoded.inputChannels).toBe(channels);
          expectConverted(decoded, channels, depth);
        });
      }

      for (const format of ['s16le', 'f32le'] as const) {
        it(`raw ${format} ${rate} Hz, ${channels} ch`, async () => {
          const pcm = sinePcm(1000, rate, channels, format);
          const decoded = await decodeAudio(pcm, {
            encoding: `pcm_${format}`,
            sampleRate: rate,
            channels,
          });
          expectConverted(decoded, channels, format);
        });
      }
    }
  }

  it('reads WAVs of every length whole, however the resampler rounds', async () => {
    for (const rate of [8000, 22050, 44100, 48000]) {
      for (const seconds of [0.7777, 1.0001, 2.0931, 3.3333]) {
        const decoded = await decodeAudio(sineWav(1000, rate, 1, '16', seconds), {
          encoding: 'wav',
        });
        expect(Math.abs(decoded.samples.length - 16000 * seconds)).toBeLessThan(
          16000 * seconds * 0.01,
        );
      }
    }
    speechSets(); // makes the espeak-ng recording, a 22.05 kHz WAV, if it is not there
    const espeak = await decodeAudio(readFileSync(fixture('espeak-22k.wav')), { encoding: 'wav' });
    expect(espeak.inputSampleRate).toBe(22050);
  });

  it('keeps a 16 kHz mono WAV sample for sample', async () => {
    const pcm = sinePcm(1000, 16000, 1, 's16le');
    const wav = sineWav(1000, 16000, 1, '16');
    const fromWav = await decodeAudio(wav, { encoding: 'wav' });
    const fromPcm = await decodeAudio(pcm, {
      encoding: 'pcm_s16le',
      sampleRate: 16000,
    });
    expect(fromWav.samples).toEqual(fromPcm.samples);
    expect(fromPcm.samples[4000]).toBeCloseTo(
      Math.round(0.5 * Math.sin(Math.PI * 500) * 32767) / 32768,
      6,
    );
  });
});
