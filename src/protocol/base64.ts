/**
 * Strict standard base64 (RFC 4648 section 4, padded), the form Go's
 * encoding/json writes for a []byte and Python's base64.b64encode returns.
 * Node's own decoder accepts anything, skipping characters it does not know,
 * so a URL-safe or line-wrapped string would decode to different bytes
 * without a word; here it is refused with the reason instead.
 *
 * Checked with a linear character-class search rather than one regular
 * expression over 4-character groups: V8 runs out of stack on such a group
 * repeated over a string of a few tens of megabytes.
 */
const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/]/;

/** Why `text` is not strict standard base64, or undefined when it is. */
export function base64Problem(text: string): string | undefined {
  // The common case, checked natively: a string that survives a round trip
  // is canonical base64. Only the rest is searched for the reason.
  if (Buffer.from(text, 'base64').toString('base64') === text) return undefined;
  return searchProblem(text);
}

function searchProblem(text: string): string | undefined {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - padding);
  if (/^data:[^,]*;base64,/.test(text)) {
    return 'it starts with a data: URL prefix (send only the base64 after the comma)';
  }
  const offset = body.search(OUTSIDE_ALPHABET);
  if (offset >= 0) {
    return `character ${JSON.stringify(body[offset])} at offset ${offset}${hintFor(body[offset]!)}`;
  }
  if (text.length % 4 !== 0) {
    return `its length ${text.length} is not a multiple of 4 (is the '=' padding missing?)`;
  }
  return undefined;
}

/**
 * The bytes `text` encodes, or undefined when it is not strict standard
 * base64. An empty string is valid and decodes to no bytes. Unused low bits in
 * the last character are tolerated, as Go's and Python's default decoders do.
 */
export function decodeAudioB64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') === text) return bytes;
  return searchProblem(text) === undefined ? bytes : undefined;
}

function hintFor(character: string): string {
  if (character === '-' || character === '_') {
    return ' (that is the URL-safe alphabet; send standard base64 with + and /)';
  }
  if (/\s/.test(character)) return ' (send base64 without line breaks or spaces)';
  if (character === '=') return ' (padding may only end the string)';
  return '';
}
