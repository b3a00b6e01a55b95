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

/** Whether `value` is a task id the schema accepts (counted in code points, as JSON Schema does). */
export function isUsableTaskId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  // A code point is at most two UTF-16 units: only long strings need counting.
  return value.length <= MAX_TASK_ID_LENGTH || [...value].length <= MAX_TASK_ID_LENGTH;
}

/**
 * The task_id of a payload too large to parse, when it is the first key of
 * the top-level object; undefined otherwise.
 */
export function leadingTaskId(raw: string): string | undefined {
  const literal = LEADING_TASK_ID.exec(raw.slice(0, PEEK_CHARS))?.[1];
  if (literal === undefined) return undefined;
  let id: unknown;
  try {
    // Unescapes exactly as the full parse would, and refuses what it would refuse.
    id = JSON.parse(literal);
  } catch {
    return undefined;
  }
  return isUsableTaskId(id) ? id : undefined;
}
