import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { SHAPES, ensureRandomModel, writeRandomModel } from '../../src/tools/random-model.js';

const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.fixtures');

const GGML_FILE_MAGIC = 0x67676d6c;
const ENGLISH_TEXT_TOKENS = 50256;

interface ParsedTensor {
  name: string;
  ne: number[];
  ggmlType: number;
  dataOffset: number;
}

interface ParsedModel {
  magic: number;
  hparams: number[];
  melDims: [number, number];
  melFilters: Float32Array;
  tokens: Buffer[];
  tensors: ParsedTensor[];
  endOffset: number;
}

/** Reads a model back the way whisper_model_load() does. */
function parseModel(bytes: Buffer): ParsedModel {
  let offset = 0;
  const int32 = (): number => {
    const value = bytes.readInt32LE(offset);
    offset += 4;
    return value;
  };
  const magic = bytes.readUInt32LE(0);
  offset = 4;
  const hparams = Array.from({ length: 11 }, int32);
  const melDims: [number, number] = [int32(), int32()];
  const melFilters = new Float32Array(melDims[0] * melDims[1]);
  for (let i = 0; i < melFilters.length; i++) melFilters[i] = bytes.readFloatLE(offset + i * 4);
  offset += melFilters.length * 4;
  const tokenCount = int32();
  const tokens: Buffer[] = [];
  for (let i = 0; i < tokenCount; i++) {
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    tokens.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  const tensors: ParsedTensor[] = [];
  while (offset < bytes.length) {
    const nDims = int32();
    const nameLength = int32();
    const ggmlType = int32();
    const ne = Array.from({ length: nDims }, int32);
    const name = bytes.toString('utf8', offset, offset + nameLength);
    offset += nameLength;
    const elementCount = ne.reduce((product, n) => product * n, 1);
    tensors.push({ name, ne, ggmlType, dataOffset: offset });
    offset += elementCount * (ggmlType === 1 ? 2 : 4);
  }
  return { magic, hparams, melDims, melFilters, tokens, tensors, endOffset: offset };
}

function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function generate(name: string, seed: number): Promise<Buffer> {
  await mkdir(FIXTURES_DIR, { recursive: true });
  const filePath = path.join(FIXTURES_DIR, name);
  await writeRandomModel(filePath, SHAPES.test, { seed });
  const bytes = await readFile(filePath);
  await rm(filePath);
  return bytes;
}

describe('writeRandomModel', () => {
  it('writes the header, mel filters and vocabulary whisper.cpp expects', async () => {
    const model = parseModel(await generate('header-check.bin', 1));
    const shape = SHAPES.test;

    expect(model.magic).toBe(GGML_FILE_MAGIC);
    expect(model.hparams).toEqual([
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
      1,
    ]);
    expect(model.hparams[0]).toBe(51864);
    // Exactly two decoder layers would make whisper.cpp drop timestamps.
    expect(shape.nTextLayer).not.toBe(2);

    expect(model.melDims).toEqual([80, 201]);
    expect(model.melFilters.every((value) => value >= 0)).toBe(true);
    // Reference values of librosa.filters.mel(sr=16000, n_fft=400, n_mels=80).
    expect(model.melFilters[1]).toBeCloseTo(0.0248622, 6);
    expect(Math.max(...model.melFilters)).toBeCloseTo(0.0258807, 6);

    expect(model.tokens).toHaveLength(ENGLISH_TEXT_TOKENS);
    expect(model.tokens[220]).toEqual(Buffer.from(' '));
    expect(model.tokens[0]).toEqual(Buffer.from('!'));
    expect(model.tokens[188]).toEqual(Buffer.from([0]));
    const singleBytes = model.tokens.slice(0, 256).map((token) => {
      expect(token).toHaveLength(1);
      return token[0];
    });
    expect(new Set(singleBytes).size).toBe(256);
    const unique = new Set(model.tokens.map((token) => token.toString('latin1')));
    expect(unique.size).toBe(ENGLISH_TEXT_TOKENS);
    expect(model.tokens.slice(256).every((token) => token.length >= 2)).toBe(true);
  });

  it('writes every tensor with whisper.cpp shapes and storage types', async () => {
    const bytes = await generate('tensor-check.bin', 1);
    const model = parseModel(bytes);
    const shape = SHAPES.test;
    const byName = new Map(model.tensors.map((tensor) => [tensor.name, tensor]));
    const nState = shape.nAudioState;

    expect(model.endOffset).toBe(bytes.length);
    // whisper.cpp creates 11 global tensors, 15 per encoder and 24 per decoder layer.
    expect(model.tensors).toHaveLength(11 + 15 * shape.nAudioLayer + 24 * shape.nTextLayer);
    expect(byName.size).toBe(model.tensors.length);

    const expectTensor = (name: string, ne: number[], ggmlType: number): void => {
      expect(byName.get(name), name).toMatchObject({ ne, ggmlType });
    };
    expectTensor('encoder.conv1.weight', [3, 80, nState], 1);
    expectTensor('encoder.conv1.bias', [1, nState], 0);
    expectTensor('encoder.positional_embedding', [nState, shape.nAudioCtx], 0);
    expectTensor('decoder.positional_embedding', [nState, shape.nTextCtx], 0);
    expectTensor('decoder.token_embedding.weight', [nState, shape.nVocab], 1);
    expectTensor('encoder.blocks.1.mlp.0.weight', [nState, 4 * nState], 1);
    expectTensor('decoder.blocks.2.cross_attn.key.weight', [nState, nState], 1);
    expectTensor('decoder.blocks.2.cross_attn_ln.weight', [nState], 0);
    expect(byName.has('decoder.blocks.0.attn.key.bias')).toBe(false);

    // Random matrices are roughly normal(0, 0.02) after the f16 round trip.
    const embedding = byName.get('decoder.token_embedding.weight')!;
    const sampleCount = 100_000;
    let sum = 0;
    let sumOfSquares = 0;
    for (let i = 0; i < sampleCount; i++) {
      const value = float16ToNumber(bytes.readUInt16LE(embedding.dataOffset + i * 2));
      sum += value;
      sumOfSquares += value * value;
    }
    const mean = sum / sampleCount;
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(Math.sqrt(sumOfSquares / sampleCount - mean * mean)).toBeCloseTo(0.02, 3);

    const lnWeight = byName.get('decoder.ln.weight')!;
    expect(bytes.readFloatLE(lnWeight.dataOffset)).toBe(1);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const [first, again, other] = await Promise.all([
      generate('seed-7-a.bin', 7),
      generate('seed-7-b.bin', 7),
      generate('seed-8.bin', 8),
    ]);
    expect(sha256(again)).toBe(sha256(first));
    expect(sha256(other)).not.toBe(sha256(first));
    expect(other.length).toBe(first.length);
  });
});

describe('ensureRandomModel', () => {
  it('writes the model once under its canonical name and reuses it', async () => {
    const dir = path.join(FIXTURES_DIR, 'ensure-check');
    await rm(dir, { recursive: true, force: true });
    const [modelPath, concurrentPath] = await Promise.all([
      ensureRandomModel(dir, 'test', 3),
      ensureRandomModel(dir, 'test', 3),
    ]);
    expect(modelPath).toBe(path.join(dir, 'ggml-random-test-s3.bin'));
    expect(concurrentPath).toBe(modelPath);
    const written = await readFile(modelPath);
    expect(parseModel(written).magic).toBe(GGML_FILE_MAGIC);

    expect(await ensureRandomModel(dir, 'test', 3)).toBe(modelPath);
    expect(sha256(await readFile(modelPath))).toBe(sha256(written));
    await rm(dir, { recursive: true, force: true });
  });
});
