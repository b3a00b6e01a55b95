// Writes random-weight whisper models in whisper.cpp's legacy ggml file format.
//
// The models transcribe nothing useful: they exist so that tests and
// benchmarks can load, encode and decode with real tensor shapes without
// downloading OpenAI's weights. The layout is exactly what
// whisper_model_load() in whisper.cpp 1.9.1 (src/whisper.cpp) reads:
//
//   uint32 magic, int32 x 11 hyperparameters
//   int32 n_mel, int32 n_fft_bins, float32[n_mel * n_fft_bins]  mel filterbank
//   int32 token count, then per token: uint32 byte length, bytes
//   tensor records until EOF: int32 n_dims, int32 name length, int32 type,
//     int32 ne[n_dims] (ggml order, ne[0] innermost), name bytes, raw data
//
// All integers and floats are little-endian, as whisper.cpp reads them on
// little-endian hosts.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';

import { seededRandom } from '../seeded-random.js';
import { writeOnce } from './write-once.js';

export interface WhisperShape {
  name: string;
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
}

export type ShapeName = 'test' | 'tiny.en' | 'base.en';

export type ModelFtype = 'f32' | 'f16';

export interface RandomModelOptions {
  /** PRNG seed; the same seed and shape always give the same bytes. */
  seed?: number;
  /** Storage of the big matrices; whisper.cpp's CPU encoder needs 'f16'. */
  ftype?: ModelFtype;
}

// n_vocab of the English-only checkpoints: whisper.cpp derives the
// special-token ids (EOT 50256, SOT 50257, ..., timestamps from 50363) from it.
const ENGLISH_N_VOCAB = 51864;

// Shared by all OpenAI checkpoints: 30 s of audio is 3000 mel frames, which
// the stride-2 conv halves to 1500 encoder positions.
const REAL_AUDIO_CTX = 1500;
const REAL_TEXT_CTX = 448;
const REAL_N_MELS = 80;

function englishShape(name: string, nState: number, nHead: number, nLayer: number): WhisperShape {
  return {
    name,
    nVocab: ENGLISH_N_VOCAB,
    nAudioCtx: REAL_AUDIO_CTX,
    nAudioState: nState,
    nAudioHead: nHead,
    nAudioLayer: nLayer,
    nTextCtx: REAL_TEXT_CTX,
    nTextState: nState,
    nTextHead: nHead,
    nTextLayer: nLayer,
    nMels: REAL_N_MELS,
  };
}

export const SHAPES: Record<ShapeName, WhisperShape> = {
  // Tiny for fast tests. Three decoder layers, not two: whisper.cpp takes a
  // model with exactly two decoder layers for a first-release distilled model
  // and silently turns timestamps off. The full 1500-position audio context
  // stays: the encoder sees only 2 * n_audio_ctx mel frames per window, and
  // when a window decodes without timestamps whisper.cpp still advances 30 s,
  // skipping the audio a shorter context never saw.
  test: { ...englishShape('test', 64, 2, 2), nTextLayer: 3 },
  'tiny.en': englishShape('tiny.en', 384, 6, 4),
  'base.en': englishShape('base.en', 512, 8, 6),
};

const GGML_FILE_MAGIC = 0x67676d6c;

// ggml_type ids as stored in each tensor record; the hparams ftype uses the
// same numbers for an all-f32 (0) or mostly-f16 (1) file.
const GGML_TYPE_F32 = 0;
const GGML_TYPE_F16 = 1;

const SAMPLE_RATE_HZ = 16000;
const FFT_SIZE = 400;
const FFT_BINS = FFT_SIZE / 2 + 1;

// Standard deviation of the random matrices, the usual transformer init; with
// it whisper-cli prints a short segment of filler words for real speech.
const WEIGHT_STD = 0.02;
// The decoder's positional embedding is learned in the real model; small
// noise keeps positions distinguishable without dominating token embeddings.
const TEXT_POSITION_STD = 0.01;

// Elements generated per write, bounding memory whatever the tensor size.
const ELEMENTS_PER_CHUNK = 1 << 20;

// ---------------------------------------------------------------------------
// Seeded randomness

/** Standard normal samples by Box-Muller, both outputs of each pair used. */
export function normalSampler(seed: number): () => number {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 - u lies in (0, 1], so the logarithm stays finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

// ---------------------------------------------------------------------------
// float32 -> IEEE half precision

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits of a float32, rounded to nearest even, as ggml does. */
export function float16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent32 = (bits >>> 23) & 0xff;
  const mantissa32 = bits & 0x7fffff;
  if (exponent32 === 0xff) return sign | 0x7c00 | (mantissa32 === 0 ? 0 : 0x200);
  const exponent16 = exponent32 - 127 + 15;
  if (exponent16 >= 0x1f) return sign | 0x7c00;
  if (exponent16 <= 0) {
    // Subnormal half: shift the mantissa, with its implicit bit, into place.
    if (exponent16 < -10) return sign;
    const shift = 14 - exponent16;
    const full = mantissa32 | 0x800000;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    let half = full >>> shift;
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (exponent16 << 10) | (mantissa32 >>> 13);
  const rest = mantissa32 & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

// ---------------------------------------------------------------------------
// Mel filterbank (librosa.filters.mel with norm='slaney', htk=False), the
// bank whisper ships in mel_filters.npz and the converters copy into ggml.

const SLANEY_LINEAR_HZ_PER_MEL = 200 / 3;
const SLANEY_LOG_START_HZ = 1000;
const SLANEY_LOG_START_MEL = SLANEY_LOG_START_HZ / SLANEY_LINEAR_HZ_PER_MEL;
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

function hzToSlaneyMel(frequencyHz: number): number {
  if (frequencyHz < SLANEY_LOG_START_HZ) return frequencyHz / SLANEY_LINEAR_HZ_PER_MEL;
  return SLANEY_LOG_START_MEL + Math.log(frequencyHz / SLANEY_LOG_START_HZ) / SLANEY_LOG_STEP;
}

function slaneyMelToHz(mel: number): number {
  if (mel < SLANEY_LOG_START_MEL) return mel * SLANEY_LINEAR_HZ_PER_MEL;
  return SLANEY_LOG_START_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_LOG_START_MEL));
}

/** Row-major [nMels][FFT_BINS] triangular filters with Slaney area normalisation. */
export function melFilterbank(nMels: number): Float32Array {
  const nyquistHz = SAMPLE_RATE_HZ / 2;
  const binHz = (index: number): number => (index * nyquistHz) / (FFT_BINS - 1);
  const maxMel = hzToSlaneyMel(nyquistHz);
  // nMels + 2 edges: each filter spans edges i .. i + 2 and peaks at i + 1.
  const edgesHz = Array.from({ length: nMels + 2 }, (_, i) =>
    slaneyMelToHz((i * maxMel) / (nMels + 1)),
  );
  const filters = new Float32Array(nMels * FFT_BINS);
  for (let mel = 0; mel < nMels; mel++) {
    const lowHz = edgesHz[mel]!;
    const centreHz = edgesHz[mel + 1]!;
    const highHz = edgesHz[mel + 2]!;
    const areaNorm = 2 / (highHz - lowHz);
    for (let bin = 0; bin < FFT_BINS; bin++) {
      const rising = (binHz(bin) - lowHz) / (centreHz - lowHz);
      const falling = (highHz - binHz(bin)) / (highHz - centreHz);
      filters[mel * FFT_BINS + bin] = Math.max(0, Math.min(rising, falling)) * areaNorm;
    }
  }
  return filters;
}

// ---------------------------------------------------------------------------
// Vocabulary

/**
 * The byte each of GPT-2's first 256 token ids stands for. GPT-2's
 * bytes_to_unicode() first lists the printable bytes ('!'..'~', 0xA1..0xAC,
 * 0xAE..0xFF), then the rest in ascending order; whisper's vocabulary keeps
 * that order, which puts the space byte at id 220.
 */
export function gpt2ByteOrder(): number[] {
  const printable: number[] = [];
  const push = (from: number, to: number): void => {
    for (let byte = from; byte <= to; byte++) printable.push(byte);
  };
  push(0x21, 0x7e);
  push(0xa1, 0xac);
  push(0xae, 0xff);
  const seen = new Set(printable);
  const others = Array.from({ length: 256 }, (_, byte) => byte).filter((b) => !seen.has(b));
  return [...printable, ...others];
}

// Consonant-vowel syllables make the filler tokens pronounceable, so decoded
// random text reads as words rather than noise.
const CONSONANTS = 'bdfghklmnprstvz';
const VOWELS = 'aeiou';
const SYLLABLES = [...CONSONANTS].flatMap((c) => [...VOWELS].map((v) => c + v));

/** The filler word for an index: one, then two, then three syllables long. */
function fillerWord(index: number): string {
  let rest = index;
  for (let syllableCount = 1; ; syllableCount++) {
    const wordsOfThisLength = SYLLABLES.length ** syllableCount;
    if (rest < wordsOfThisLength) {
      let word = '';
      for (let i = 0; i < syllableCount; i++) {
        word += SYLLABLES[rest % SYLLABLES.length];
        rest = Math.floor(rest / SYLLABLES.length);
      }
      return word;
    }
    rest -= wordsOfThisLength;
  }
}

/**
 * How many text tokens the file stores. whisper.cpp adds the special tokens
 * itself, numbered from the end of the text vocabulary: 50256 for English-only
 * models, 50257 for multilingual ones (n_vocab > 51864).
 */
function textTokenCount(shape: WhisperShape): number {
  return shape.nVocab > ENGLISH_N_VOCAB ? 50257 : 50256;
}

/**
 * The vocabulary section: the 256 single bytes in GPT-2 order, then unique
 * filler words, alternately with and without a leading space as in BPE
 * vocabularies (word starts and word continuations). Every filler is at
 * least two bytes long, so none collides with a single-byte token.
 */
function vocabularySection(shape: WhisperShape): Buffer {
  const tokens: Buffer[] = gpt2ByteOrder().map((byte) => Buffer.from([byte]));
  const count = textTokenCount(shape);
  for (let i = 0; tokens.length < count; i++) {
    const word = fillerWord(i >> 1);
    tokens.push(Buffer.from(i % 2 === 0 ? ` ${word}` : word, 'latin1'));
  }
  const parts: Buffer[] = [int32s([count])];
  for (const token of tokens) parts.push(int32s([token.length]), token);
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------
// Tensor specs

type TensorFill = 'normal' | 'zeros' | 'ones' | 'sinusoids' | 'text-positions';

/** How the loader allocates a tensor: big matrices follow ftype, the rest f32. */
type TensorStorage = 'weight' | 'f32';

interface TensorSpec {
  name: string;
  /** ggml order: ne[0] is the innermost, contiguous dimension. */
  ne: number[];
  fill: TensorFill;
  storage: TensorStorage;
}

function matrix(name: string, ne: number[]): TensorSpec {
  return { name, ne, fill: 'normal', storage: 'weight' };
}

function vector(name: string, length: number, fill: 'zeros' | 'ones'): TensorSpec {
  return { name, ne: [length], fill, storage: 'f32' };
}

function layerNorm(prefix: string, nState: number): TensorSpec[] {
  return [vector(`${prefix}.weight`, nState, 'ones'), vector(`${prefix}.bias`, nState, 'zeros')];
}

/** Self- or cross-attention; whisper has no key bias. */
function attention(prefix: string, nState: number): TensorSpec[] {
  return [
    matrix(`${prefix}.query.weight`, [nState, nState]),
    vector(`${prefix}.query.bias`, nState, 'zeros'),
    matrix(`${prefix}.key.weight`, [nState, nState]),
    matrix(`${prefix}.value.weight`, [nState, nState]),
    vector(`${prefix}.value.bias`, nState, 'zeros'),
    matrix(`${prefix}.out.weight`, [nState, nState]),
    vector(`${prefix}.out.bias`, nState, 'zeros'),
  ];
}

function mlp(prefix: string, nState: number): TensorSpec[] {
  return [
    matrix(`${prefix}.mlp.0.weight`, [nState, 4 * nState]),
    vector(`${prefix}.mlp.0.bias`, 4 * nState, 'zeros'),
    matrix(`${prefix}.mlp.2.weight`, [4 * nState, nState]),
    vector(`${prefix}.mlp.2.bias`, nState, 'zeros'),
    ...layerNorm(`${prefix}.mlp_ln`, nState),
  ];
}

function encoderTensors(shape: WhisperShape): TensorSpec[] {
  const nState = shape.nAudioState;
  const specs: TensorSpec[] = [
    // Conv kernels follow ftype (the loader's "vtype"); conv biases are
    // 2-D [1, n_state] and always f32.
    matrix('encoder.conv1.weight', [3, shape.nMels, nState]),
    { name: 'encoder.conv1.bias', ne: [1, nState], fill: 'zeros', storage: 'f32' },
    matrix('encoder.conv2.weight', [3, nState, nState]),
    { name: 'encoder.conv2.bias', ne: [1, nState], fill: 'zeros', storage: 'f32' },
    {
      name: 'encoder.positional_embedding',
      ne: [nState, shape.nAudioCtx],
      fill: 'sinusoids',
      storage: 'f32',
    },
  ];
  for (let layer = 0; layer < shape.nAudioLayer; layer++) {
    const prefix = `encoder.blocks.${layer}`;
    specs.push(...attention(`${prefix}.attn`, nState));
    specs.push(...layerNorm(`${prefix}.attn_ln`, nState));
    specs.push(...mlp(prefix, nState));
  }
  specs.push(...layerNorm('encoder.ln_post', nState));
  return specs;
}

function decoderTensors(shape: WhisperShape): TensorSpec[] {
  const nState = shape.nTextState;
  const specs: TensorSpec[] = [
    {
      name: 'decoder.positional_embedding',
      ne: [nState, shape.nTextCtx],
      fill: 'text-positions',
      storage: 'f32',
    },
    // Also the output projection: logits are hidden states times this matrix.
    matrix('decoder.token_embedding.weight', [nState, shape.nVocab]),
  ];
  for (let layer = 0; layer < shape.nTextLayer; layer++) {
    const prefix = `decoder.blocks.${layer}`;
    specs.push(...attention(`${prefix}.attn`, nState));
    specs.push(...layerNorm(`${prefix}.attn_ln`, nState));
    specs.push(...attention(`${prefix}.cross_attn`, nState));
    specs.push(...layerNorm(`${prefix}.cross_attn_ln`, nState));
    specs.push(...mlp(prefix, nState));
  }
  specs.push(...layerNorm('decoder.ln', nState));
  return specs;
}

/** Every tensor whisper.cpp allocates for the shape, in PyTorch state_dict order. */
function tensorSpecs(shape: WhisperShape): TensorSpec[] {
  return [...encoderTensors(shape), ...decoderTensors(shape)];
}

// ---------------------------------------------------------------------------
// Tensor data

/**
 * Whisper's encoder positional embedding: per position, nState / 2 sines
 * then nState / 2 cosines over geometrically spaced timescales up to 10000.
 */
function sinusoid(position: number, channel: number, nState: number): number {
  const half = nState / 2;
  const logTimescaleStep = Math.log(10000) / (half - 1);
  const frequency = Math.exp(-logTimescaleStep * (channel % half));
  const angle = position * frequency;
  return channel < half ? Math.sin(angle) : Math.cos(angle);
}

/** Fills values for elements [start, start + out.length) of a tensor. */
function fillValues(
  spec: TensorSpec,
  start: number,
  out: Float32Array,
  normal: () => number,
): void {
  switch (spec.fill) {
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = normal() * WEIGHT_STD;
      return;
    case 'text-positions':
      for (let i = 0; i < out.length; i++) out[i] = normal() * TEXT_POSITION_STD;
      return;
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'sinusoids': {
      const nState = spec.ne[0]!;
      for (let i = 0; i < out.length; i++) {
        const element = start + i;
        out[i] = sinusoid(Math.floor(element / nState), element % nState, nState);
      }
      return;
    }
  }
}

function elementCount(spec: TensorSpec): number {
  return spec.ne.reduce((product, n) => product * n, 1);
}

function storedType(spec: TensorSpec, ftype: ModelFtype): number {
  return spec.storage === 'weight' && ftype === 'f16' ? GGML_TYPE_F16 : GGML_TYPE_F32;
}

/**
 * Raw bytes of a chunk in the stored type. Typed arrays use host byte order,
 * which writeRandomModel checks is little-endian. The result may share
 * memory with `values`, so it must be written before the next chunk fills.
 */
function encodeChunk(values: Float32Array, ggmlType: number): Buffer {
  if (ggmlType === GGML_TYPE_F32) {
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
  const halves = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) halves[i] = float16Bits(values[i]!);
  return Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength);
}

function tensorHeader(spec: TensorSpec, ggmlType: number): Buffer {
  const name = Buffer.from(spec.name, 'utf8');
  return Buffer.concat([int32s([spec.ne.length, name.length, ggmlType, ...spec.ne]), name]);
}

async function writeTensor(
  file: FileHandle,
  spec: TensorSpec,
  ftype: ModelFtype,
  normal: () => number,
): Promise<void> {
  const ggmlType = storedType(spec, ftype);
  await writeAll(file, tensorHeader(spec, ggmlType));
  const total = elementCount(spec);
  const values = new Float32Array(Math.min(total, ELEMENTS_PER_CHUNK));
  for (let start = 0; start < total; start += values.length) {
    const chunk = values.subarray(0, Math.min(values.length, total - start));
    fillValues(spec, start, chunk, normal);
    await writeAll(file, encodeChunk(chunk, ggmlType));
  }
}

// ---------------------------------------------------------------------------
// File assembly

function int32s(values: number[]): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  values.forEach((value, i) => bytes.writeInt32LE(value, i * 4));
  return bytes;
}

async function writeAll(file: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

function headerSection(shape: WhisperShape, ftype: ModelFtype): Buffer {
  const magic = Buffer.allocUnsafe(4);
  magic.writeUInt32LE(GGML_FILE_MAGIC, 0);
  const hparams = int32s([
    shape.nVocab,
    shape.nAudioCtx,
    shape.nAudioState,
    shape.nAudioHead,
    shape.nAudioLayer,
    shape.nTextCtx,
    shape.nTextState,
    shape.nTextHead,
    shape.nTextLayer,
    shape.nMels,
    ftype === 'f16' ? GGML_TYPE_F16 : GGML_TYPE_F32,
  ]);
  return Buffer.concat([magic, hparams]);
}

function melSection(shape: WhisperShape): Buffer {
  const filters = melFilterbank(shape.nMels);
  const data = Buffer.allocUnsafe(filters.length * 4);
  filters.forEach((value, i) => data.writeFloatLE(value, i * 4));
  return Buffer.concat([int32s([shape.nMels, FFT_BINS]), data]);
}

function assertValidShape(shape: WhisperShape): void {
  const counts = Object.entries(shape).filter(([key]) => key !== 'name');
  for (const [key, value] of counts) {
    if (!Number.isInteger(value) || (value as number) <= 0) {
      throw new Error(`shape ${shape.name}: ${key} must be a positive integer, got ${value}`);
    }
  }
  // whisper.cpp asserts equal widths and splits the state evenly over heads.
  if (shape.nAudioState !== shape.nTextState) {
    throw new Error(`shape ${shape.name}: nAudioState and nTextState must be equal`);
  }
  if (shape.nAudioState % shape.nAudioHead !== 0 || shape.nTextState % shape.nTextHead !== 0) {
    throw new Error(`shape ${shape.name}: the state width must divide evenly by the heads`);
  }
  if (shape.nAudioState % 2 !== 0) {
    throw new Error(`shape ${shape.name}: the sinusoidal embedding needs an even state width`);
  }
  if (shape.nVocab < ENGLISH_N_VOCAB) {
    throw new Error(`shape ${shape.name}: nVocab must be at least ${ENGLISH_N_VOCAB}`);
  }
}

/** Writes a whole model; the file is streamed, so memory stays at a few MB. */
export async function writeRandomModel(
  filePath: string,
  shape: WhisperShape,
  options: RandomModelOptions = {},
): Promise<void> {
  const seed = options.seed ?? 0;
  const ftype = options.ftype ?? 'f16';
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  assertValidShape(shape);
  if (endianness() !== 'LE') throw new Error('writing ggml models needs a little-endian host');
  const normal = normalSampler(seed);
  const file = await open(filePath, 'w');
  try {
    await writeAll(file, headerSection(shape, ftype));
    await writeAll(file, melSection(shape));
    await writeAll(file, vocabularySection(shape));
    for (const spec of tensorSpecs(shape)) await writeTensor(file, spec, ftype, normal);
  } finally {
    await file.close();
  }
}

/**
 * Returns `<dir>/ggml-random-<shape>-s<seed>.bin`, writing it first if it is
 * missing (safe with concurrent readers and writers: see write-once.ts).
 */
export async function ensureRandomModel(
  dir: string,
  shapeName: ShapeName,
  seed = 0,
): Promise<string> {
  const shape = SHAPES[shapeName];
  if (shape === undefined) throw new Error(`unknown model shape '${String(shapeName)}'`);
  return writeOnce(path.join(dir, `ggml-random-${shapeName}-s${seed}.bin`), (tempPath) =>
    writeRandomModel(tempPath, shape, { seed }),
  );
}
