/**
 * What the doctor concludes: findings with a severity, a stable code that
 * scripts may match on, and a message a person can act on.
 */
export type Severity = 'error' | 'warning' | 'info';

export const FINDING_CODES = [
  'QUEUE_MISSING',
  'QUEUE_WRONG_TYPE',
  'BACKLOG_WITHOUT_WORKER',
  'BACKLOG_OLD',
  'WORKERS_ON_OTHER_KEY',
  'WORKERS_IDLE',
  'FOREIGN_QUEUE_DIALECT',
  'ORPHANED_PROCESSING',
  'DEAD_LETTERS',
  'RESULTS_UNCONSUMED',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  severity: Severity;
  code: FindingCode;
  /** One or more plain sentences: what is wrong, and what to do. */
  message: string;
  /** The Redis keys the finding is about, for scripts. */
  keys: string[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then information; stable within a severity. */
export function bySeverity(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

/** Exit status: 0 clean (warnings allowed unless strict), 1 something wrong. */
export function exitCodeFor(findings: Finding[], strict = false): 0 | 1 {
  const failing = findings.some(
    (f) => f.severity === 'error' || (strict && f.severity === 'warning'),
  );
  return failing ? 1 : 0;
}
