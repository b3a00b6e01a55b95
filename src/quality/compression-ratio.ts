/**
 * How well a text compresses, as OpenAI's whisper measures it to catch a
 * decoder that repeats itself: UTF-8 bytes over zlib-deflated bytes, at the
 * default level with the zlib wrapper, as Python's zlib.compress does. (Node's
 * zlib build can land a byte away from Python's on some texts, so values may
 * differ from whisper's in the third decimal.) Ordinary speech stays below
 * about 2; a loop climbs well past whisper's limit of 2.4.
 */
import { deflateSync } from 'node:zlib';

/**
 * UTF-8 length over deflated length. Empty text gives 0 (as in whisper:
 * nothing over zlib's 8 bytes of framing). Short texts give less than 1,
 * the framing outweighing any saving, so only long repetitive texts score high.
 */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}
