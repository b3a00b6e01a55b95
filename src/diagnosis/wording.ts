/**
 * Small phrases the findings and the text report share: counts, ages and
 * worker lists, said the same way everywhere.
 */
import { DEFAULTS } from '../config.js';
import type { DoctorFacts, ForeignWorker, LiveWorker } from './facts.js';

/** At most this many workers are named; the rest are counted. */
const NAMED_WORKERS = 3;

export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** A duration as a person says it: "45 s", "12 min", "3 h 5 min", "2 d". */
export function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

export function ourWorkers(workers: LiveWorker[]): string {
  return named(workers.map((w) => describe(w.workerId, w.host, w.pid)));
}

export function foreignWorkers(workers: ForeignWorker[]): string {
  return named(workers.map((w) => describe(w.name, w.host, w.pid, w.state)));
}

/**
 * The command that starts a worker on `key` in the database doctor looked
 * at: without --redis it would go to the default Redis's database 0.
 */
export function runCommandFor(key: string, facts: Pick<DoctorFacts, 'redis'>): string {
  const redis = facts.redis === DEFAULTS.redisUrl ? '' : ` --redis '${facts.redis}'`;
  return `asr-worker run${redis} --queue '${key}'`;
}

/** 'a', 'b' and 'c', quoted. */
export function quotedList(items: string[]): string {
  const quoted = items.map((item) => `'${item}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

function describe(name: string, host?: string, pid?: number, state?: string): string {
  const details = [host, pid === undefined ? undefined : `pid ${pid}`, state].filter(Boolean);
  return details.length > 0 ? `${name} (${details.join(', ')})` : name;
}

function named(descriptions: string[]): string {
  const shown = descriptions.slice(0, NAMED_WORKERS).join('; ');
  const more = descriptions.length - NAMED_WORKERS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}
