/**
 * Where results go and whether anyone takes them: the result lists (the
 * configured one and every one a live worker names in its heartbeat) and the
 * live-result channels with their subscriber counts.
 */
import type { RedisClient } from '../queue/redis.js';
import type { ChannelFacts, LiveWorker, ResultListFacts } from './facts.js';
import { readList } from './lists.js';
import { allNodes } from './scan.js';

export async function inspectResultLists(
  redis: RedisClient,
  configured: string,
  workers: LiveWorker[],
): Promise<ResultListFacts[]> {
  const keys = distinct([configured, ...workers.map((w) => w.results)]);
  return Promise.all(
    keys.map(async (key) => ({
      ...(await readList(redis, key)),
      workers: workers.filter((w) => w.results === key).length,
    })),
  );
}

export async function inspectChannels(
  redis: RedisClient,
  configured: string,
  workers: LiveWorker[],
): Promise<ChannelFacts[]> {
  const names = distinct([configured, ...workers.map((w) => w.channel)]);
  return Promise.all(names.map(async (name) => subscribers(redis, name)));
}

/**
 * PUBSUB NUMSUB counts the subscribers of the node asked; on a Cluster each
 * subscriber is connected to one node, so the counts are summed.
 */
async function subscribers(redis: RedisClient, name: string): Promise<ChannelFacts> {
  try {
    const counts = await Promise.all(
      allNodes(redis).map(async (node) => {
        const reply = (await node.call('PUBSUB', 'NUMSUB', name)) as [string, number | string];
        return Number(reply[1]);
      }),
    );
    return { name, subscribers: counts.reduce((sum, count) => sum + count, 0) };
  } catch {
    // An ACL may deny PUBSUB: say nothing rather than something wrong.
    return { name };
  }
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
