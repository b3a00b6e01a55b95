/**
 * The doctor's answer as one value: facts, findings and the exit status, for
 * `--json` as it is and for people through renderText.
 */
import type { DoctorFacts } from './facts.js';
import { exitCodeFor, type Finding } from './findings.js';
import { judge } from './judge.js';

export const REPORT_VERSION = 1;

export interface DoctorReport {
  version: typeof REPORT_VERSION;
  /** True when exitCode is 0. */
  ok: boolean;
  /** 0 nothing wrong, 1 errors (or warnings under --strict). 2 is never in a report: see NoVerdictReport. */
  exitCode: 0 | 1;
  strict: boolean;
  summary: { errors: number; warnings: number; infos: number };
  findings: Finding[];
  facts: DoctorFacts;
}

/** What --json prints when there is no verdict: Redis unreachable, or a flag unusable. */
export interface NoVerdictReport {
  version: typeof REPORT_VERSION;
  ok: false;
  exitCode: 2;
  redis: string;
  error: { code: string; message: string };
}

export function buildReport(facts: DoctorFacts, strict = false): DoctorReport {
  const findings = judge(facts);
  const exitCode = exitCodeFor(findings, strict);
  const tally = (severity: Finding['severity']) =>
    findings.filter((f) => f.severity === severity).length;
  return {
    version: REPORT_VERSION,
    ok: exitCode === 0,
    exitCode,
    strict,
    summary: { errors: tally('error'), warnings: tally('warning'), infos: tally('info') },
    findings,
    facts,
  };
}
