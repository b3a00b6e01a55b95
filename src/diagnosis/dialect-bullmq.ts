/**
 * BullMQ's queues and workers.
 *
 * A queue `<name>` keeps its keys under `bull:<name>:`: waiting job ids on the
 * list `:wait` (`:paused` while paused), prioritized ones in the sorted set
 * `:prioritized`, settings in the hash `:meta`. Workers are not keys: each
 * names its connection `bull:<base64 of the queue name>` (plus a suffix), so
 * they are counted from CLIENT LIST, which an ACL may deny.
 */
import type { RedisClient } from '../queue/redis.js';
import type { ForeignQueue, ForeignWorker } from './facts.js';
import { listDepth, sortedSetSize } from './redis-reads.js';
import { allNodes, scanKeys } from './scan.js';

const PREFIX = 'bull:';
/** Key suffixes that only a BullMQ queue has; job hashes (`bull:<q>:<id>`) are not among them. */
const QUEUE_KEY = /^bull:(.+):(wait|paused|active|meta|id|events|prioritized|delayed|marker)$/;

export async function inspectBullmq(redis: RedisClient): Promise<ForeignQueue[]> {
  const names = new Set<string>();
  for (const key of await scanKeys(redis, { match: `${PREFIX}*` })) {
    const name = QUEUE_KEY.exec(key)?.[1];
    if (name !== undefined) names.add(name);
  }
  if (names.size === 0) return [];

  const clients = await clientNames(redis);
  return Promise.all(
    [...names].sort().map(async (name): Promise<ForeignQueue> => {
      const [waiting, paused, prioritized] = await Promise.all([
        listDepth(redis, `${PREFIX}${name}:wait`),
        listDepth(redis, `${PREFIX}${name}:paused`),
        sortedSetSize(redis, `${PREFIX}${name}:prioritized`),
      ]);
      return {
        dialect: 'bullmq',
        name,
        key: `${PREFIX}${name}:wait`,
        depth: waiting + paused + prioritized,
        ...(clients && { workers: workersOf(name, clients) }),
      };
    }),
  );
}

function workersOf(queue: string, clients: ClientEntry[]): ForeignWorker[] {
  const base = `${PREFIX}${Buffer.from(queue).toString('base64')}`;
  return clients
    .filter((client) => client.name === base || client.name.startsWith(`${base}:`))
    .map((client) => ({ name: client.name, host: client.addr }));
}

interface ClientEntry {
  name: string;
  addr: string;
}

/** Named connections on every node; undefined when CLIENT LIST is not allowed. */
async function clientNames(redis: RedisClient): Promise<ClientEntry[] | undefined> {
  try {
    const lists = await Promise.all(
      allNodes(redis).map((node) => node.call('CLIENT', 'LIST') as Promise<string>),
    );
    return lists.flatMap((list) => list.split('\n').map(parseClientLine)).filter((c) => c.name);
  } catch {
    return undefined;
  }
}

function parseClientLine(line: string): ClientEntry {
  const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1] ?? '';
  return { name: field('name'), addr: field('addr') };
}
