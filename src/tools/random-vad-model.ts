// Writes Silero-shaped VAD models in the ggml layout that whisper.cpp 1.9.1's
// whisper_vad_init_with_params() reads (models/convert-silero-vad-to-ggml.py
// in its tree writes the real one), without downloading Silero's weights:
//
//   uint32 magic, int32 type length, type bytes ("silero-16k"),
//   int32 version major, minor, patch, int32 window (512), int32 context (64),
//   int32 encoder layers (4), then per layer int32 in, out, kernel,
//   int32 LSTM input, LSTM hidden, final conv in, final conv out,
//   tensor records until EOF, as in random-model.ts (ggml order, ne[0]
//   innermost): convolution kernels and the STFT basis in f16, the rest f32.
//
// Two kinds of weights:
//   'random'    seeded noise: the detector's verdicts mean nothing, but every
//               tensor has its real shape and the whole graph runs.
//   'loudness'  chosen by hand so that the network is a loudness detector:
//               the STFT basis is a Hann-windowed DFT, the encoder averages
//               the spectrum, the LSTM keeps no memory and its cell saturates
//               once the spectrum is loud enough, and the output is near 1
//               above that and near 0 below. Measured: white noise counts as
//               speech from about -35 dBFS, a 440 Hz tone from about -27;
//               speech at -20 dBFS is found where it is, and silence around
//               it is not. Tests can check boundaries against that.
import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';

import { float16Bits, normalSampler } from './random-model.js';
import { writeOnce } from './write-once.js';

export type VadWeights = 'random' | 'loudness';

const GGML_FILE_MAGIC = 0x67676d6c;
const GGML_TYPE_F32 = 0;
const GGML_TYPE_F16 = 1;

const MODEL_TYPE = 'silero-16k';
const VERSION = [5, 1, 2];
const WINDOW = 512;
const CONTEXT = 64;
const ENCODER_IN = [129, 128, 64, 64];
const ENCODER_OUT = [128, 64, 64, 128];
const KERNEL = 3;
const LSTM = 128;
const FFT_SIZE = 256;
const FFT_BINS = FFT_SIZE / 2 + 1;

const RANDOM_STD = 0.1;

// The loudness detector's constants (see the file comment); the cell gain
// sets the level at which it switches.
const CELL_GAIN = 240 / LSTM; // per input channel
const CELL_BIAS = -3;
const OPEN_GATE_BIAS = 10;
const CLOSED_GATE_BIAS = -10;
const OUTPUT_GAIN = 0.08; // per hidden unit
const OUTPUT_BIAS = -4;

interface Tensor {
  name: string;
  ne: number[];
  type: typeof GGML_TYPE_F32 | typeof GGML_TYPE_F16;
  values: Float32Array;
}

function int32s(values: number[]): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  values.forEach((value, i) => bytes.writeInt32LE(value, i * 4));
  return bytes;
}

function header(): Buffer {
  const magic = Buffer.allocUnsafe(4);
  magic.writeUInt32LE(GGML_FILE_MAGIC, 0);
  const type = Buffer.from(MODEL_TYPE, 'utf8');
  const layers = ENCODER_IN.flatMap((input, i) => [input, ENCODER_OUT[i]!, KERNEL]);
  return Buffer.concat([
    magic,
    int32s([type.length]),
    type,
    int32s([...VERSION, WINDOW, CONTEXT, ENCODER_IN.length, ...layers, LSTM, LSTM, LSTM, 1]),
  ]);
}

function tensorRecord(tensor: Tensor): Buffer {
  const name = Buffer.from(tensor.name, 'utf8');
  let data: Buffer;
  if (tensor.type === GGML_TYPE_F32) {
    data = Buffer.from(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength);
  } else {
    const halves = Uint16Array.from(tensor.values, float16Bits);
    data = Buffer.from(halves.buffer);
  }
  return Buffer.concat([
    int32s([tensor.ne.length, name.length, tensor.type, ...tensor.ne]),
    name,
    data,
  ]);
}

function size(ne: number[]): number {
  return ne.reduce((product, n) => product * n, 1);
}

/** Every tensor, in the converter's order, filled by `fill(name, ne)`. */
function tensors(fill: (name: string, ne: number[]) => Float32Array): Tensor[] {
  const make = (name: string, ne: number[], type: Tensor['type']): Tensor => ({
    name,
    ne,
    type,
    values: fill(name, ne),
  });
  const list: Tensor[] = [];
  ENCODER_IN.forEach((input, i) => {
    const prefix = `_model.encoder.${i}.reparam_conv`;
    list.push(make(`${prefix}.weight`, [KERNEL, input, ENCODER_OUT[i]!], GGML_TYPE_F16));
    list.push(make(`${prefix}.bias`, [ENCODER_OUT[i]!], GGML_TYPE_F32));
  });
  list.push(make('_model.decoder.rnn.weight_ih', [LSTM, 4 * LSTM], GGML_TYPE_F32));
  list.push(make('_model.decoder.rnn.weight_hh', [LSTM, 4 * LSTM], GGML_TYPE_F32));
  list.push(make('_model.decoder.rnn.bias_ih', [4 * LSTM], GGML_TYPE_F32));
  list.push(make('_model.decoder.rnn.bias_hh', [4 * LSTM], GGML_TYPE_F32));
  list.push(make('_model.decoder.decoder.2.weight', [LSTM], GGML_TYPE_F16));
  list.push(make('_model.decoder.decoder.2.bias', [1], GGML_TYPE_F32));
  list.push(make('_model.stft.forward_basis_buffer', [FFT_SIZE, 1, 2 * FFT_BINS], GGML_TYPE_F16));
  return list;
}

function randomFill(seed: number): (name: string, ne: number[]) => Float32Array {
  const normal = normalSampler(seed);
  return (_name, ne) => Float32Array.from({ length: size(ne) }, () => normal() * RANDOM_STD);
}

/** Rows 0..128: cosines, rows 129..257: sines, each times a Hann window. */
function stftBasis(): Float32Array {
  const basis = new Float32Array(2 * FFT_BINS * FFT_SIZE);
  for (let bin = 0; bin < FFT_BINS; bin++) {
    for (let n = 0; n < FFT_SIZE; n++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / FFT_SIZE);
      const angle = (2 * Math.PI * bin * n) / FFT_SIZE;
      basis[bin * FFT_SIZE + n] = Math.cos(angle) * hann;
      basis[(FFT_BINS + bin) * FFT_SIZE + n] = Math.sin(angle) * hann;
    }
  }
  return basis;
}

/** Gate order in the LSTM's rows: input, forget, cell, output. */
function lstmInputWeights(): Float32Array {
  const weights = new Float32Array(4 * LSTM * LSTM);
  weights.fill(CELL_GAIN, 2 * LSTM * LSTM, 3 * LSTM * LSTM);
  return weights;
}

function lstmBias(): Float32Array {
  const bias = new Float32Array(4 * LSTM);
  bias.fill(OPEN_GATE_BIAS, 0, LSTM);
  bias.fill(CLOSED_GATE_BIAS, LSTM, 2 * LSTM);
  bias.fill(CELL_BIAS, 2 * LSTM, 3 * LSTM);
  bias.fill(OPEN_GATE_BIAS, 3 * LSTM, 4 * LSTM);
  return bias;
}

function loudnessFill(name: string, ne: number[]): Float32Array {
  if (name.endsWith('reparam_conv.weight')) {
    // Each output channel: the mean of its inputs over the kernel.
    return new Float32Array(size(ne)).fill(1 / (ne[0]! * ne[1]!));
  }
  switch (name) {
    case '_model.stft.forward_basis_buffer':
      return stftBasis();
    case '_model.decoder.rnn.weight_ih':
      return lstmInputWeights();
    case '_model.decoder.rnn.bias_ih':
      return lstmBias();
    case '_model.decoder.decoder.2.weight':
      return new Float32Array(size(ne)).fill(OUTPUT_GAIN);
    case '_model.decoder.decoder.2.bias':
      return new Float32Array(size(ne)).fill(OUTPUT_BIAS);
    default:
      return new Float32Array(size(ne)); // biases and the unused recurrence
  }
}

/** The whole file's bytes (about 1 MB). */
export function randomVadModelBytes(weights: VadWeights, seed = 0): Buffer {
  if (endianness() !== 'LE') throw new Error('writing ggml models needs a little-endian host');
  const fill = weights === 'random' ? randomFill(seed) : loudnessFill;
  return Buffer.concat([header(), ...tensors(fill).map(tensorRecord)]);
}

/**
 * Returns `<dir>/ggml-vad-<weights>-s<seed>.bin`, writing it first if it is
 * missing (safe with concurrent readers and writers: see write-once.ts).
 */
export async function ensureRandomVadModel(
  dir: string,
  weights: VadWeights,
  seed = 0,
): Promise<string> {
  return writeOnce(path.join(dir, `ggml-vad-${weights}-s${seed}.bin`), (tempPath) =>
    writeFile(tempPath, randomVadModelBytes(weights, seed)),
  );
}
