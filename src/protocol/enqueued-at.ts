/**
 * `enqueued_at` is Unix milliseconds. The task schema bounds it to the
 * values that can only be milliseconds (13 digits: 1973 to 2286), because
 * the other units producers reach for look like a time too: Python's
 * time.time() gives seconds (10 digits, read as milliseconds: January 1970),
 * time.time_ns() nanoseconds. Taken as milliseconds such a value makes every
 * task decades old (expired, a stalled queue) or not due for centuries, so
 * it is refused, and the message names the unit it looks like.
 */
import type { ErrorObject } from 'ajv';

import { describeValue } from './schema-errors.js';
import { readSchema } from './schema-files.js';

// The bounds come from the schema file, so the message can never quote other ones.
const BOUNDS = (
  readSchema('task.v1.json') as {
    properties: { enqueued_at: { minimum: number; maximum: number } };
  }
).properties.enqueued_at;

/** A unit, what to multiply it by for milliseconds, and how a producer does that. */
const UNITS: Array<[string, number, string]> = [
  ['seconds', 1e3, 'multiply by 1000'],
  ['microseconds', 1e-3, 'divide by 1000'],
  ['nanoseconds', 1e-6, 'divide by 1000000'],
];

/** Whether a value is an enqueued_at the schema accepts. */
export function isUnixMillis(value: unknown): value is number {
  return typeof value === 'number' && value >= BOUNDS.minimum && value <= BOUNDS.maximum;
}

/** Whether an ajv error is enqueued_at out of the schema's range. */
export function isEnqueuedAtRange(error: ErrorObject): boolean {
  return (
    error.instancePath === '/enqueued_at' &&
    (error.keyword === 'minimum' || error.keyword === 'maximum')
  );
}

/** Why an enqueued_at out of range is refused, naming the unit it looks like. */
export function describeEnqueuedAt(value: unknown): string {
  const { minimum, maximum } = BOUNDS;
  const expected =
    `field 'enqueued_at' must be Unix milliseconds, from ${minimum} to ${maximum}, ` +
    `got ${describeValue(value)}`;
  const unit = typeof value === 'number' ? unitOf(value) : undefined;
  if (unit === undefined) return expected;
  const [name, , fix] = unit;
  return `${expected}: that looks like ${name} (${fix})`;
}

function unitOf(value: number): (typeof UNITS)[number] | undefined {
  return UNITS.find(([, toMs]) => {
    const ms = value * toMs;
    return ms >= BOUNDS.minimum && ms <= BOUNDS.maximum;
  });
}
