/**
 * An item of the queue list, as this worker holds it. Redis stores bytes and
 * producers are meant to push UTF-8 JSON, but a list can hold anything: a
 * pickled job, a Latin-1 string. Decoding such bytes to a JS string replaces
 * each invalid sequence with U+FFFD, and the string no longer matches the
 * stored item: LREM would remove nothing and its SHA-1 would differ from the
 * one the Lua scripts compute. So an item that is valid UTF-8 travels as a
 * string (which encodes back to the very same bytes), and any other item as
 * the bytes Redis returned.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';

/** A string when the item is valid UTF-8; otherwise its exact bytes. */
export type QueueItem = string | Buffer;

/** The item as Redis returned it, in the form that acknowledges it exactly. */
export function itemFromReply(bytes: Buffer): QueueItem {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

/** The item as text, for parsing; lossy only for an item that is not UTF-8. */
export function itemText(item: QueueItem): string {
  return typeof item === 'string' ? item : item.toString('utf8');
}

/** Identifies a task in the deliveries hash: SHA-1 of the item's bytes, hex, as Lua's redis.sha1hex. */
export function taskFingerprint(item: QueueItem): string {
  return createHash('sha1').update(item).digest('hex');
}
