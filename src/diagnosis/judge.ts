/**
 * The judgement: plain facts in, findings out, no Redis. Each part of the
 * database has its own module; this one only puts their findings in order.
 */
import type { DoctorFacts } from './facts.js';
import { bySeverity, type Finding } from './findings.js';
import { judgeForeign } from './judge-foreign.js';
import { judgeQueue } from './judge-queue.js';
import { judgeResults } from './judge-results.js';

export function judge(facts: DoctorFacts): Finding[] {
  return bySeverity([
    ...facts.queues.flatMap((queue) => judgeQueue(queue, facts)),
    ...judgeForeign(facts),
    ...judgeResults(facts),
  ]);
}
