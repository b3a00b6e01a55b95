/**
 * Lists whose names look like a given queue key.
 *
 * The incident behind this project was a producer pushing to
 * `asr_chunk_queue` while its workers listened on `rq:queue:asr-queue`: two
 * names a person reads as "the same queue". Both the worker's stall check and
 * `asr-worker doctor` use this module to point at the list that most likely
 * holds the backlog meant for a queue.
 */
import { Cluster } from 'ioredis';

import { editDistance } from '../edit-distance.js';
import type { RedisClient } from '../queue/redis.js';

export interface ListBacklog {
  key: string;
  depth: number;
}

export interface SimilarKeysOptions {
  /** Keys never reported (the result list, for example). */
  exclude?: readonly string[];
  /** Stop scanning after this many keys, so a huge database stays cheap. */
  maxScannedKeys?: number;
}

const SCAN_COUNT = 1000;
const DEFAULT_MAX_SCANNED_KEYS = 200_000;

/** Prefixes that queueing libraries put in front of a queue's own name. */
const DIALECT_PREFIXES = [/^rq:queue:/, /^bull:/, /^celery:/, /^resque:queue:/];

/** The words of a key name: dialect prefix and hash-tag braces gone, lowercase. */
export function nameWords(key: string): string[] {
  let name = key.toLowerCase().replace(/[{}]/g, '');
  for (const prefix of DIALECT_PREFIXES) name = name.replace(prefix, '');
  return name.split(/[^a-z0-9]+/).filter((word) => word.length > 0);
}

/**
 * True when a person would likely take one name for the other: a small typo,
 * or one name's words all contained in the other's (`asr-queue` and
 * `asr_chunk_queue`).
 */
export function looksAlike(a: string, b: string): boolean {
  const wordsA = nameWords(a);
  const wordsB = nameWords(b);
  if (wordsA.length === 0 || wordsB.length === 0) return false;

  const flatA = wordsA.join('');
  const flatB = wordsB.join('');
  if (flatA === flatB) return true;

  const longest = Math.max(flatA.length, flatB.length);
  const typoBudget = Math.max(1, Math.floor(longest * 0.2));
  if (editDistance(flatA, flatB) <= typoBudget) return true;

  const [fewer, more] = wordsA.length <= wordsB.length ? [wordsA, wordsB] : [wordsB, wordsA];
  return fewer.length >= 2 && fewer.every((word) => more.includes(word));
}

/**
 * Non-empty lists, other than `queueKey` and the keys derived from it, whose
 * names look like it; deepest first.
 */
export async function findSimilarBacklogs(
  redis: RedisClient,
  queueKey: string,
  options: SimilarKeysOptions = {},
): Promise<ListBacklog[]> {
  const excluded = new Set([queueKey, ...(options.exclude ?? [])]);
  const ownTag = `{${queueKey}}`;
  const lists = await scanLists(redis, options.maxScannedKeys ?? DEFAULT_MAX_SCANNED_KEYS);
  const candidates = lists.filter(
    (key) => !excluded.has(key) && !key.includes(ownTag) && looksAlike(key, queueKey),
  );

  const depths = await Promise.all(candidates.map((key) => redis.llen(key)));
  return candidates
    .map((key, index) => ({ key, depth: depths[index]! }))
    .filter((list) => list.depth > 0)
    .sort((a, b) => b.depth - a.depth || a.key.localeCompare(b.key));
}

/** Every list key, on every master of a Cluster, up to a scan budget. */
async function scanLists(redis: RedisClient, maxScannedKeys: number): Promise<string[]> {
  const found = new Set<string>();
  let scanned = 0;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'COUNT', SCAN_COUNT, 'TYPE', 'list');
      for (const key of batch) found.add(key);
      scanned += SCAN_COUNT;
      cursor = next;
    } while (cursor !== '0' && scanned < maxScannedKeys);
  }
  return [...found];
}
