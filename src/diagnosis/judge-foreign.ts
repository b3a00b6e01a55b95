/**
 * Findings about queues of other libraries in the same database. Their
 * presence is not wrong in itself (a database may serve several programs),
 * so they are information, and a warning when their name looks like one of
 * our queues and they are in use: that is how the incident looked.
 */
import { DIALECT_NAMES, type DoctorFacts, type ForeignQueue } from './facts.js';
import type { Finding } from './findings.js';
import { looksAlike } from './similar-keys.js';
import { count, foreignWorkers, runCommandFor } from './wording.js';

/** Where each library's workers read their jobs from, for the explanation. */
const READS_FROM: Record<ForeignQueue['dialect'], string> = {
  rq: "RQ's own job hashes through rq:queue:* lists",
  celery: "kombu's message envelopes",
  bullmq: "BullMQ's job hashes through bull:<queue>:* keys",
};

export function judgeForeign(facts: DoctorFacts): Finding[] {
  const ours = [facts.configuredQueue, ...facts.queues.map((q) => q.list.key)];
  return facts.foreign.map((queue) => {
    const lookalike = ours.find((key) => looksAlike(queue.key, key));
    const inUse = queue.depth > 0 || (queue.workers?.length ?? 0) > 0;
    const dialect = DIALECT_NAMES[queue.dialect];
    const advice = lookalike
      ? ` Its name looks like '${lookalike}': if these workers are meant to transcribe ` +
        `that queue, replace them with ${runCommandFor(facts.configuredQueue, facts)}.`
      : '';
    return {
      severity: lookalike && inUse ? 'warning' : 'info',
      code: 'FOREIGN_QUEUE_DIALECT',
      message:
        `${dialect} queue '${queue.name}' ('${queue.key}'): ${count(queue.depth, 'job')}, ` +
        `${workersText(queue)}. ${dialect} workers read ${READS_FROM[queue.dialect]}; ` +
        `they cannot consume plain JSON tasks from '${facts.configuredQueue}'.${advice}`,
      keys: [queue.key],
    };
  });
}

function workersText(queue: ForeignQueue): string {
  const dialect = DIALECT_NAMES[queue.dialect];
  if (queue.workers === undefined) {
    return queue.dialect === 'celery'
      ? 'workers unknown (Celery does not register them in Redis; ' +
          'celery inspect active_queues lists them)'
      : 'workers unknown (CLIENT LIST is not allowed)';
  }
  if (queue.workers.length === 0) return `no ${dialect} worker listening`;
  return (
    `${count(queue.workers.length, `${dialect} worker`)} listening: ` +
    foreignWorkers(queue.workers)
  );
}
