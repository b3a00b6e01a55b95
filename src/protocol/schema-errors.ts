/**
 * Turns an ajv error into one sentence with one template: which field, what
 * was expected, what came ("field 'sample_rate' must be integer, got "16k"").
 * Producers read these messages in their own logs, often in another language
 * than ours, so they name the wire field and never ajv's schema paths.
 */
import type { ErrorObject } from 'ajv';

/** The top-level field an error is about: the one it points at, or the missing one. */
export function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  // A JSON pointer: '/sample_rate', with '~1' for '/' and '~0' for '~'.
  const first = error.instancePath.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function describeSchemaError(error: ErrorObject, data: Record<string, unknown>): string {
  const field = fieldOf(error);
  if (error.keyword === 'required') {
    return `field '${field}' is required${renamedHint(field, data)}`;
  }
  return `field '${field}' ${expectation(error)}, got ${describeValue(data[field])}`;
}

function expectation(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${withoutNull([params.type].flat()).join(' or ')}`;
    case 'enum': {
      const allowed = withoutNull(params.allowedValues as unknown[]);
      return allowed.length === 1
        ? `must be ${allowed[0]}`
        : `must be one of ${allowed.join(', ')}`;
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must have at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must have at most ${String(params.limit)} characters`;
    case 'pattern':
      return `must match ${String(params.pattern)}`;
    default:
      return error.message ?? `must satisfy '${error.keyword}'`;
  }
}

// Optional fields accept null as "not given"; saying so in every message
// would only distract from the type that was meant.
function withoutNull(values: unknown[]): string[] {
  return values.filter((value) => value !== null && value !== 'null').map(String);
}

/** A short, safe rendering of a received value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    if (value.length <= 60) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, 40))}... (${value.length} characters)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : 'an object';
}

/**
 * When a required field is missing but a differently spelled one is there
 * (taskId, TaskID, sample-rate), says so: a producer that spells a field its
 * own way is otherwise only told that the field is missing.
 */
export function renamedHint(field: string, data: Record<string, unknown>): string {
  const wanted = normalise(field);
  const found = Object.keys(data).find((key) => key !== field && normalise(key) === wanted);
  return found === undefined ? '' : ` (found '${found}'; field names are snake_case)`;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}
