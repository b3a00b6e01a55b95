/**
 * The JSON Schema files in schemas/ are the wire contract other teams validate
 * against, so the worker validates with those very files instead of a copy of
 * them in TypeScript that could drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';

export type SchemaFile = 'task.v1.json' | 'result.v1.json';

// schemas/ sits at the project root, two levels above both src/protocol/
// (tests, tsx) and dist/protocol/ (the compiled package), so one relative URL
// finds it from either.
const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

export function schemaPath(file: SchemaFile): string {
  return fileURLToPath(new URL(file, SCHEMA_DIR));
}

export function readSchema(file: SchemaFile): AnySchemaObject {
  return JSON.parse(readFileSync(schemaPath(file), 'utf8')) as AnySchemaObject;
}

/**
 * A validator for one schema file. All errors are collected so the caller can
 * pick the most useful one to report, not merely the first ajv met.
 */
export function compileSchema<T>(file: SchemaFile): ValidateFunction<T> {
  return newAjv().compile<T>(readSchema(file));
}

/** Compiles one property's subschema of a schema file, for checking that field alone. */
export function compileProperty(file: SchemaFile, property: string): ValidateFunction {
  const schema = readSchema(file) as { properties?: Record<string, AnySchemaObject> };
  const subschema = schema.properties?.[property];
  if (!subschema) throw new Error(`${file} has no property '${property}'`);
  return newAjv().compile(subschema);
}

/**
 * Strict mode turns a typo in a schema keyword into an exception at load time.
 * strictRequired stays off: the conditional rules (`if`/`then`) require fields
 * that the top-level `properties` define, which that check does not look at.
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, strictRequired: false } as const;

function newAjv(): Ajv {
  return new Ajv(AJV_OPTIONS);
}
