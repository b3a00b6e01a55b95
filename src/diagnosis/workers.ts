/**
 * Our live workers, read from their heartbeat keys across every queue.
 *
 * A heartbeat is `{<queue>}:worker:<workerId>` holding JSON, with a short TTL,
 * so the keys that exist are the workers that are alive. Only `queue` is
 * required; every other field is read when present and of the right type,
 * so heartbeats of older and newer workers are both understood.
 */
import { queueKeys } from '../queue/keys.js';
import type { RedisClient } from '../queue/redis.js';
import type { LiveWorker } from './facts.js';
import { scanKeys } from './scan.js';

/** Braces are literal in a SCAN glob: this matches every queue's heartbeats. */
const HEARTBEAT_MATCH = '{*}:worker:*';

export async function findLiveWorkers(redis: RedisClient): Promise<LiveWorker[]> {
  const keys = await scanKeys(redis, { match: HEARTBEAT_MATCH, type: 'string' });
  // A heartbeat may expire between SCAN and GET: that worker is simply gone.
  const values = await Promise.all(keys.map((key) => redis.get(key)));
  const workers: LiveWorker[] = [];
  keys.forEach((key, index) => {
    const worker = parseHeartbeat(key, values[index] ?? null);
    if (worker) workers.push(worker);
  });
  return workers.sort((a, b) => a.queue.localeCompare(b.queue) || a.key.localeCompare(b.key));
}

/** The worker a heartbeat key and its value describe, or undefined if it is not one of ours. */
export function parseHeartbeat(key: string, value: string | null): LiveWorker | undefined {
  if (value === null) return undefined;
  let info: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    info = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }

  const queue = text(info.queue);
  if (queue === undefined) return undefined;
  // The key must be the one keys.ts derives for this queue: a string of some
  // other program that happens to match the glob is not a heartbeat.
  const prefix = queueKeys(queue).heartbeat('');
  if (!key.startsWith(prefix) || key.length === prefix.length) return undefined;

  return dropUndefined({
    key,
    workerId: key.slice(prefix.length),
    queue,
    host: text(info.host),
    pid: number(info.pid),
    database: number(info.database),
    model: text(info.model),
    backend: text(info.backend),
    version: text(info.version),
    results: text(info.results),
    channel: text(info.channel),
    startedAt: number(info.started_at),
    tasksDone: number(info.tasks_done),
    tasksFailed: number(info.tasks_failed),
    lastTaskAt: number(info.last_task_at),
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Absent fields stay absent in the JSON output instead of appearing as null. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
