// Writes one random-weight whisper model for tests and benchmarks:
//
//   node dist/tools/generate-model-cli.js --shape tiny.en --seed 1 --out m.bin
//
// --shape test|tiny.en|base.en (default test), --seed N (default 0),
// --ftype f16|f32 (default f16; whisper.cpp's CPU encoder needs f16),
// --out PATH (required).
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { SHAPES, writeRandomModel } from './random-model.js';
import type { ModelFtype, ShapeName } from './random-model.js';

interface CliOptions {
  shapeName: ShapeName;
  seed: number;
  ftype: ModelFtype;
  outPath: string;
}

function usageError(message: string): never {
  throw new Error(
    `${message}\nusage: generate-model-cli --shape test|tiny.en|base.en ` +
      '[--seed N] [--ftype f16|f32] --out PATH',
  );
}

function isShapeName(value: string): value is ShapeName {
  return Object.hasOwn(SHAPES, value);
}

function parseCliOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      shape: { type: 'string', default: 'test' },
      seed: { type: 'string', default: '0' },
      ftype: { type: 'string', default: 'f16' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!isShapeName(values.shape)) usageError(`unknown --shape '${values.shape}'`);
  // Digits only: Number() would also accept '', '0x10' or '1e3'.
  if (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff) {
    usageError(`--seed must be an integer in [0, 2^32), got '${values.seed}'`);
  }
  if (values.ftype !== 'f16' && values.ftype !== 'f32') {
    usageError(`--ftype must be f16 or f32, got '${values.ftype}'`);
  }
  if (values.out === undefined || values.out === '') usageError('--out is required');
  return {
    shapeName: values.shape,
    seed: Number(values.seed),
    ftype: values.ftype,
    outPath: values.out,
  };
}

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  const startedMs = performance.now();
  await writeRandomModel(options.outPath, SHAPES[options.shapeName], {
    seed: options.seed,
    ftype: options.ftype,
  });
  const elapsedS = (performance.now() - startedMs) / 1000;
  const sizeMb = (await stat(options.outPath)).size / 1e6;
  console.error(
    `wrote ${options.outPath}: shape ${options.shapeName}, seed ${options.seed}, ` +
      `${options.ftype}, ${sizeMb.toFixed(1)} MB in ${elapsedS.toFixed(2)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
