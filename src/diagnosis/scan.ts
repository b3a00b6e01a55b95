/**
 * Reading a whole database without blocking it: SCAN on every master of a
 * Cluster (SCAN names no key, so a Cluster would ask one random node), and
 * commands whose answer is per node (PUBSUB NUMSUB) summed over all nodes.
 */
import { Cluster, type Redis } from 'ioredis';

import type { RedisClient } from '../queue/redis.js';

const SCAN_COUNT = 1000;
/** A database with more keys than this is sampled, not read whole. */
export const DEFAULT_MAX_SCANNED_KEYS = 200_000;

export interface ScanOptions {
  /** A SCAN MATCH glob. */
  match?: string;
  /** A SCAN TYPE filter (Redis 6.0 or newer). */
  type?: string;
  maxScannedKeys?: number;
}

/** Every key matching, once, from every master. */
export async function scanKeys(redis: RedisClient, options: ScanOptions = {}): Promise<string[]> {
  const found = new Set<string>(); // SCAN may return a key more than once.
  const budget = options.maxScannedKeys ?? DEFAULT_MAX_SCANNED_KEYS;
  const filters: string[] = [];
  if (options.match !== undefined) filters.push('MATCH', options.match);
  if (options.type !== undefined) filters.push('TYPE', options.type);

  for (const node of masters(redis)) {
    let cursor = '0';
    let scanned = 0;
    do {
      const [next, batch] = (await node.call('SCAN', cursor, ...filters, 'COUNT', SCAN_COUNT)) as [
        string,
        string[],
      ];
      for (const key of batch) found.add(key);
      scanned += SCAN_COUNT;
      cursor = next;
    } while (cursor !== '0' && scanned < budget);
  }
  return [...found];
}

/** The nodes that hold data: the Redis itself, or every Cluster master. */
export function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Every node a client may be connected to: subscribers can sit on replicas too. */
export function allNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('all') : [redis];
}

/** A key's name with glob characters escaped, for a MATCH prefix. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
