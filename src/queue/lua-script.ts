/**
 * A Lua script sent by its SHA-1 (EVALSHA) once Redis has it, and in full
 * (EVAL) only when Redis says it does not: after a restart, a failover, or
 * on a Cluster node that has not seen it yet. Scripts that run once per task
 * are kilobytes long; sending them whole every time would cost more than
 * the work they do.
 */
import { createHash } from 'node:crypto';

import type { RedisClient } from './redis.js';

type ScriptArg = string | number | Buffer;

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source, 'utf8').digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      // EVAL also caches the script, so the next call is an EVALSHA again.
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * The same, with every string in the reply left as the bytes Redis sent:
   * for a script that returns queue items, which need not be UTF-8.
   */
  async runBuffer(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    try {
      return await redis.callBuffer('evalsha', this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.callBuffer('eval', this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
