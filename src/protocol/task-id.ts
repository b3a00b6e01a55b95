/**
 * A task id good enough to answer with. A failed result and the status key
 * are addressed by task_id, so a task that cannot be processed can still be
 * answered as long as its id can be read; otherwise it is dead-lettered.
 */
export const MAX_TASK_ID_LENGTH = 256;

// How much of an oversize payload is searched for a leading task_id: enough
// for the longest id written entirely in \uXXXX escapes, far less than any
// payload that is too large.
const PEEK_CHARS = 4096;

// The object's first key, and only that: "task_id" found anywhere else could
// sit inside a nested object or belong to a key like "x\"task_id". Go's
// encoding/json writes struct fields in declaration order and Python dicts keep
// insertion order, so a producer that puts task_id first gets it recovered.
const LEADING_TASK_ID = /^[ \t\r\n]*\{[ \t\r\n]*"task_id"[ \t\r\n]*:[ \t\r\n]*("(?:[^"\\]|\\.)*")/;

// JSON.parse keeps the last of duplicate keys, so a later task_id key would
// win over the leading one. It is spelled "task_id" or carries a \u escape
// of one of its letters (no short escape makes a letter or '_'); where the
// rest of the payload has neither, the leading id is the one JSON.parse
// would read. Where it has one (a duplicate, but also a nested key or a
// value "task_id"), the id is not guessed.
const ANOTHER_TASK_ID_KEY = /"task_id"|\\u00(?:7[34]|6[149bB]|5[fF])/;

/** Whether `value` is a task id the schema accepts (counted in code points, as JSON Schema does). */
export function isUsableTaskId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  // A code point is at most two UTF-16 units: only long strings need counting.
  return value.length <= MAX_TASK_ID_LENGTH || [...value].length <= MAX_TASK_ID_LENGTH;
}

/**
 * The task_id of a payload too large to parse (or not JSON at all), when it
 * is the first key of the top-level object and no other key could be
 * task_id; undefined otherwise. Where the payload is JSON, this is the id
 * JSON.parse would read, or nothing.
 */
export function leadingTaskId(raw: string): string | undefined {
  const match = LEADING_TASK_ID.exec(raw.slice(0, PEEK_CHARS));
  if (match === null) return undefined;
  const literal = match[1]!;
  if (ANOTHER_TASK_ID_KEY.test(raw.slice(match[0].length))) return undefined;
  let id: unknown;
  try {
    // Unescapes exactly as the full parse would, and refuses what it would refuse.
    id = JSON.parse(literal);
  } catch {
    return undefined;
  }
  return isUsableTaskId(id) ? id : undefined;
}
