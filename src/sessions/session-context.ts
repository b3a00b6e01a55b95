/**
 * The context a session gives its next chunk: the end of the transcript so
 * far, used as the decoder's prompt by whichever worker takes the chunk.
 *
 * Only when every chunk before this one has its result and the one just
 * before was transcribed: a prompt from a transcript with a gap in it would
 * tell the decoder the wrong thing about what was just said, and no context
 * is better than wrong context.
 */
import type { QueueKeys } from '../queue/keys.js';
import type { RedisClient } from '../queue/redis.js';

export async function sessionContext(
  redis: RedisClient,
  keys: QueueKeys,
  sessionId: string,
  chunkIndex: number,
  maxChars: number,
): Promise<string | undefined> {
  if (chunkIndex === 0 || maxChars <= 0) return undefined;

  const [stable, text, previous] = await redis.hmget(
    keys.session(sessionId),
    'stable',
    'text',
    `c:${chunkIndex - 1}`,
  );
  if (!stable || Number(stable) < chunkIndex || !text || !previous) return undefined;
  if (!previousWasTranscribed(previous)) return undefined;
  return tailAtWord(text, maxChars);
}

function previousWasTranscribed(entry: string): boolean {
  try {
    return (JSON.parse(entry) as { status?: unknown }).status === 'done';
  } catch {
    return false;
  }
}

/** The last `maxChars` characters or fewer, starting at a word. */
export function tailAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const tail = text.slice(text.length - maxChars);
  const space = tail.indexOf(' ');
  return space === -1 ? tail : tail.slice(space + 1);
}
