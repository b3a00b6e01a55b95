/**
 * The report for people: what was found where, then the findings, each with
 * its severity, code and message wrapped to the terminal's width.
 */
import { DIALECT_NAMES, type DoctorFacts, type QueueFacts } from './facts.js';
import type { Finding } from './findings.js';
import type { DoctorReport } from './report.js';
import { age, count } from './wording.js';

const WIDTH = 88;
const INDENT = '    ';

export function renderText(report: DoctorReport): string {
  const { facts } = report;
  const sample =
    facts.sampleMs > 0 ? `, lists watched for ${(facts.sampleMs / 1000).toFixed(1)} s` : '';
  return [
    `asr-worker doctor: ${facts.redis}, queue '${facts.configuredQueue}'${sample}`,
    '',
    ...section(
      'Our queues',
      facts.queues.map((q) => queueLine(q, facts)),
    ),
    ...section('Results', resultLines(facts)),
    ...section(
      'Other queueing libraries',
      facts.foreign.map(
        (f) =>
          `${DIALECT_NAMES[f.dialect]} '${f.name}' (${f.key}): ${count(f.depth, 'job')}, ` +
          (f.workers === undefined ? 'workers unknown' : count(f.workers.length, 'worker')),
      ),
    ),
    verdict(report),
    ...report.findings.flatMap(findingLines),
  ].join('\n');
}

function section(title: string, lines: string[]): string[] {
  if (lines.length === 0) return [];
  return [title, ...lines.map((line) => `  ${line}`), ''];
}

function queueLine(queue: QueueFacts, facts: DoctorFacts): string {
  const { key, type, depth } = queue.list;
  const state =
    type === 'none' ? 'absent (empty)' : type === 'list' ? count(depth, 'task') : `a ${type}`;
  const oldest =
    queue.oldestEnqueuedAt === undefined
      ? ''
      : `, oldest waiting ${age(facts.checkedAtMs - queue.oldestEnqueuedAt)}`;
  const orphaned = queue.processing.filter((p) => !p.workerAlive).length;
  const extras = [
    count(queue.workers.length, 'live worker'),
    orphaned > 0 && count(orphaned, 'orphaned processing list'),
    queue.dead.depth > 0 && count(queue.dead.depth, 'dead-lettered task'),
  ].filter(Boolean);
  return `${key}: ${state}${oldest}; ${extras.join(', ')}`;
}

function resultLines(facts: DoctorFacts): string[] {
  const lists = facts.results.map(
    (r) => `${r.key}: ${r.type === 'none' ? 'absent (empty)' : count(r.depth, 'result')}`,
  );
  const channels = facts.channels.map(
    (c) =>
      `channel ${c.name}: ` +
      (c.subscribers === undefined ? 'subscribers unknown' : count(c.subscribers, 'subscriber')),
  );
  return [...lists, ...channels];
}

function verdict(report: DoctorReport): string {
  const { errors, warnings, infos } = report.summary;
  const tally = `${count(errors, 'error')}, ${count(warnings, 'warning')}, ${count(infos, 'note')}`;
  if (errors > 0) return `Something is wrong (${tally}):`;
  if (warnings > 0) return `Nothing blocks the queue, but look at these (${tally}):`;
  return infos > 0 ? `All clear (${tally}):` : 'All clear: nothing to report.';
}

function findingLines(finding: Finding): string[] {
  const head = `${finding.severity.toUpperCase()} ${finding.code}`;
  return ['', head, ...wrap(finding.message, WIDTH - INDENT.length).map((l) => INDENT + l)];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
