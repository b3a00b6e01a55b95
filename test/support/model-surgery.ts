/**
 * Damaged copies of a valid generated model, one flaw each, to prove the
 * addon answers a bad model file with MODEL_INVALID instead of crashing.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Layout {
  /** Byte offset of the single-byte token " " (id 220) in the vocabulary. */
  spaceToken: number;
  /** Byte offset of the first tensor header. */
  firstTensor: number;
}

function layoutOf(model: Buffer): Layout {
  let offset = 4 + 11 * 4; // magic, hyperparameters
  const nMel = model.readInt32LE(offset);
  const nFft = model.readInt32LE(offset + 4);
  offset += 8 + nMel * nFft * 4;

  const count = model.readInt32LE(offset);
  offset += 4;
  let spaceToken = -1;
  for (let i = 0; i < count; i++) {
    const length = model.readUInt32LE(offset);
    if (length === 1 && model[offset + 4] === 0x20) spaceToken = offset + 4;
    offset += 4 + length;
  }
  return { spaceToken, firstTensor: offset };
}

export type ModelFlaw =
  | 'bad-magic'
  | 'truncated'
  | 'lying-tensor-header'
  | 'no-space-token'
  | 'retired-weight-type'
  | 'weight-type-out-of-range'
  | 'weight-type-that-cannot-tile-rows';

/** Byte offset of the header's ftype: after the magic and ten hyperparameters. */
const FTYPE_OFFSET = 4 + 10 * 4;

export function damagedModel(sourcePath: string, flaw: ModelFlaw, targetPath: string): string {
  const model = Buffer.from(readFileSync(sourcePath));
  const layout = layoutOf(model);

  switch (flaw) {
    case 'bad-magic':
      model.write('GGUF', 0, 'latin1');
      break;
    case 'truncated':
      writeFileSync(targetPath, model.subarray(0, Math.floor(model.length * 0.6)));
      return targetPath;
    case 'lying-tensor-header':
      // Nine dimensions would overrun whisper.cpp's four-element shape array.
      model.writeInt32LE(9, layout.firstTensor);
      break;
    case 'no-space-token':
      model[layout.spaceToken] = 0x7f;
      break;
    // ggml aborts the process on each of these unless they are caught first.
    case 'retired-weight-type':
      model.writeInt32LE(5, FTYPE_OFFSET); // q4_2, long gone from ggml
      break;
    case 'weight-type-out-of-range':
      model.writeInt32LE(143, FTYPE_OFFSET);
      break;
    case 'weight-type-that-cannot-tile-rows':
      model.writeInt32LE(1010, FTYPE_OFFSET); // q2_K: blocks of 256 elements
      break;
  }
  writeFileSync(targetPath, model);
  return targetPath;
}
