/**
 * Findings about one of our queues: its key, its backlog and who takes it,
 * the tasks of dead workers, and its dead letters.
 */
import { queueKeys } from '../queue/keys.js';
import { DIALECT_NAMES, type DoctorFacts, type QueueFacts } from './facts.js';
import type { Finding } from './findings.js';
import { age, count, foreignWorkers, ourWorkers, quotedList, runCommandFor } from './wording.js';

/** A task waiting this long while workers listen means too few or stuck workers. */
export const BACKLOG_OLD_MS = 5 * 60_000;
/** Workers up this long without a single task, on an empty list, look misdirected. */
export const IDLE_WORKERS_MS = 10 * 60_000;

export function judgeQueue(queue: QueueFacts, facts: DoctorFacts): Finding[] {
  const findings: Finding[] = [];
  const key = queue.list.key;
  const { type, depth } = queue.list;

  if (type !== 'none' && type !== 'list') {
    findings.push({
      severity: 'error',
      code: 'QUEUE_WRONG_TYPE',
      message:
        `'${key}' is a ${type}, not a list: producers RPUSH JSON tasks onto a list, and ` +
        `no worker can take tasks from a ${type}. Point --queue (and the producer) at a ` +
        'list, or delete this key if it was made by mistake.',
      keys: [key],
    });
  } else if (type === 'none' && queue.workers.length === 0 && key === facts.configuredQueue) {
    findings.push(queueMissing(queue));
  }

  if (depth > 0 && queue.workers.length === 0) findings.push(backlogWithoutWorker(queue, facts));
  if (depth > 0 && queue.workers.length > 0) findings.push(...backlogOld(queue, facts));
  if (depth === 0 && queue.workers.length > 0) findings.push(...misdirected(queue, facts));
  findings.push(...orphaned(queue, facts), ...deadLetters(queue, facts));
  return findings;
}

function queueMissing(queue: QueueFacts): Finding {
  const key = queue.list.key;
  const similar = queue.similarBacklogs[0];
  const hint = similar
    ? `'${similar.key}' holds ${count(similar.depth, 'task')} and looks like it: is that ` +
      'the key your producer pushes to?'
    : 'Check that --queue names the key your producer pushes to.';
  return {
    severity: 'warning',
    code: 'QUEUE_MISSING',
    message:
      `'${key}' does not exist: no task is waiting there, and no worker of ours listens ` +
      `on it. ${hint}`,
    keys: similar ? [key, similar.key] : [key],
  };
}

function backlogWithoutWorker(queue: QueueFacts, facts: DoctorFacts): Finding {
  const key = queue.list.key;
  const details = [
    queue.oldestEnqueuedAt !== undefined &&
      `the oldest has waited ${age(facts.checkedAtMs - queue.oldestEnqueuedAt)}`,
    queue.list.grewBy > 0 && `${queue.list.grewBy} more arrived during the sample`,
  ].filter(Boolean);
  const elsewhere = workersElsewhere(key, facts);
  return {
    severity: 'error',
    code: 'BACKLOG_WITHOUT_WORKER',
    message:
      `'${key}' holds ${count(queue.list.depth, 'task')}` +
      (details.length > 0 ? ` (${details.join('; ')})` : '') +
      ', and no worker of ours listens on it: they wait forever. ' +
      (elsewhere.text === '' ? '' : `Workers seen instead: ${elsewhere.text}. `) +
      `Start a worker on this key: ${runCommandFor(key, facts)}.`,
    keys: [key, ...elsewhere.keys],
  };
}

/** Who listens where, when nobody listens on `key`: the heart of the incident. */
function workersElsewhere(key: string, facts: DoctorFacts): { text: string; keys: string[] } {
  const parts: string[] = [];
  const keys: string[] = [];
  for (const other of facts.queues) {
    if (other.list.key === key || other.workers.length === 0) continue;
    parts.push(`${count(other.workers.length, 'asr-worker')} on '${other.list.key}'`);
    keys.push(other.list.key);
  }
  for (const foreign of facts.foreign) {
    if (!foreign.workers?.length) continue;
    const dialect = DIALECT_NAMES[foreign.dialect];
    parts.push(
      `${count(foreign.workers.length, `${dialect} worker`)} on '${foreign.key}' ` +
        `(${foreignWorkers(foreign.workers)}), which cannot read plain JSON tasks`,
    );
    keys.push(foreign.key);
  }
  return { text: parts.join('; '), keys };
}

function backlogOld(queue: QueueFacts, facts: DoctorFacts): Finding[] {
  if (queue.oldestEnqueuedAt === undefined) return [];
  const waitedMs = facts.checkedAtMs - queue.oldestEnqueuedAt;
  if (waitedMs < BACKLOG_OLD_MS) return [];
  const key = queue.list.key;
  return [
    {
      severity: 'warning',
      code: 'BACKLOG_OLD',
      message:
        `The oldest of ${count(queue.list.depth, 'task')} on '${key}' has waited ` +
        `${age(waitedMs)} although ${count(queue.workers.length, 'worker')} ` +
        `${queue.workers.length === 1 ? 'listens' : 'listen'} ` +
        '(' +
        ourWorkers(queue.workers) +
        '): the workers are too few for the load, or stuck. Add workers, or read their logs.',
      keys: [key],
    },
  ];
}

/** Workers on an empty key: a similar key with a backlog, or nobody pushing at all. */
function misdirected(queue: QueueFacts, facts: DoctorFacts): Finding[] {
  const key = queue.list.key;
  const one = queue.workers.length === 1;
  const workers = `${count(queue.workers.length, 'worker')} (${ourWorkers(queue.workers)})`;
  const untaken = queue.similarBacklogs.filter((similar) => similar.workers === 0);
  if (untaken.length > 0) {
    const likely = untaken[0]!;
    const backlogs = untaken.map((s) => `'${s.key}' holds ${count(s.depth, 'task')}`);
    return [
      {
        severity: 'error',
        code: 'WORKERS_ON_OTHER_KEY',
        message:
          `${workers} ${one ? 'listens' : 'listen'} on '${key}', which is empty, while ${backlogs.join(', ')} ` +
          `that nobody takes. The likely intended key is '${likely.key}': restart the ` +
          `workers with --queue '${likely.key}', or make the producer push to '${key}'.`,
        keys: [key, ...untaken.map((s) => s.key)],
      },
    ];
  }

  const idle = queue.workers.every(
    (w) =>
      w.tasksDone === 0 &&
      w.startedAt !== undefined &&
      facts.checkedAtMs - w.startedAt >= IDLE_WORKERS_MS,
  );
  if (!idle) return [];
  const since = Math.min(...queue.workers.map((w) => facts.checkedAtMs - w.startedAt!));
  return [
    {
      severity: 'warning',
      code: 'WORKERS_IDLE',
      message:
        `${workers} on '${key}' ${one ? 'has' : 'have'} taken no task in ${age(since)} and the list is ` +
        `empty: nobody seems to push to '${key}'. Check the key, Redis and database ` +
        'the producer uses.',
      keys: [key],
    },
  ];
}

function orphaned(queue: QueueFacts, facts: DoctorFacts): Finding[] {
  const lists = queue.processing.filter((list) => !list.workerAlive);
  if (lists.length === 0) return [];
  const key = queue.list.key;
  const tasks = lists.reduce((sum, list) => sum + list.depth, 0);
  const recovery =
    queue.workers.length > 0
      ? `The ${count(queue.workers.length, 'live worker')} on '${key}' move them back to ` +
        'the queue within their redelivery interval; if they stay, read the logs of those workers.'
      : `No live worker on '${key}' will move them back: start one ` +
        `(${runCommandFor(key, facts)}); it recovers them as it starts.`;
  return [
    {
      severity: queue.workers.length > 0 ? 'warning' : 'error',
      code: 'ORPHANED_PROCESSING',
      message:
        `${count(tasks, 'task')} taken by ${count(lists.length, 'worker')} that no longer ` +
        `${lists.length === 1 ? 'has' : 'have'} a heartbeat wait on ` +
        `${quotedList(lists.map((list) => list.key))}. ${recovery}`,
      keys: lists.map((list) => list.key),
    },
  ];
}

function deadLetters(queue: QueueFacts, facts: DoctorFacts): Finding[] {
  const { dead } = queue;
  if (dead.depth === 0) return [];
  const growth =
    facts.sampleMs > 0 && dead.grewBy > 0 ? `, ${dead.grewBy} of them during the sample` : '';
  const newest = dead.newestReason ? ` The newest: ${dead.newestReason}.` : '';
  const keys = queueKeys(queue.list.key);
  return [
    {
      severity: 'warning',
      code: 'DEAD_LETTERS',
      message:
        `'${keys.dead}' holds ${count(dead.depth, 'task')} that could not be processed` +
        `${growth}.${newest} Read them (LRANGE '${keys.dead}' -10 -1), fix the producer or ` +
        'the worker, then push again the raw tasks that are whole (an entry with ' +
        'raw_truncated kept only the first 64 KiB: send that task afresh) and trim the list.',
      keys: [keys.dead],
    },
  ];
}
