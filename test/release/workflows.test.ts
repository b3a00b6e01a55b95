/**
 * Every GitHub workflow in the repository: valid for GitHub's schema, and
 * held to the rules for workflows that build and publish what users run.
 * The last block breaks the release workflow on purpose, so that a rule that
 * quietly stopped matching anything would fail here instead of passing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { validateWorkflow, type ValidationError } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKFLOWS_DIR = path.join(PROJECT_ROOT, '.github', 'workflows');

/** Target and backend pairs the package must ship a prebuilt addon for. */
const REQUIRED_PREBUILDS = [
  'linux-x64 cpu',
  'linux-x64 cuda',
  'linux-arm64 cpu',
  'darwin-arm64 metal',
];

// Only the fields the rules read. The schema test vouches for their types.
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  'timeout-minutes'?: number | string;
  strategy?: { matrix?: string | { include?: Record<string, unknown>[] } };
  steps?: Step[];
}
interface Workflow {
  permissions?: unknown;
  jobs?: Record<string, Job>;
}

function schemaProblems(text: string): string[] {
  return [...new Set(describeErrors(validateWorkflow(text).errors))];
}

// A one-of mismatch nests the errors of each alternative; the leaves say
// what is wrong.
function describeErrors(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => {
    const nested =
      'states' in error ? (error.states ?? []).flatMap((s) => describeErrors(s.errors)) : [];
    if (nested.length > 0) return nested;
    const where = 'path' in error ? error.path : `line ${error.location?.line ?? '?'}`;
    return [`${where || '/'}: ${error.detail ?? error.title}`];
  });
}

function jobsOf(workflow: Workflow): [string, Job][] {
  return Object.entries(workflow.jobs ?? {});
}

function stepsOf(workflow: Workflow): Step[] {
  return jobsOf(workflow).flatMap(([, job]) => job.steps ?? []);
}

// A tag or branch can be moved to other code after review; a commit cannot.
// Local actions come from the commit being run, so they are pinned already.
function unpinnedActions(workflow: Workflow): string[] {
  const refs = [
    ...jobsOf(workflow).map(([, job]) => job.uses),
    ...stepsOf(workflow).map((step) => step.uses),
  ].filter((ref): ref is string => ref !== undefined);
  return refs.filter((ref) => {
    if (ref.startsWith('./')) return false;
    if (ref.startsWith('docker://')) return !/@sha256:[0-9a-f]{64}$/.test(ref);
    return !/@[0-9a-f]{40}$/.test(ref);
  });
}

// A bare SHA tells a reviewer nothing; the comment names the release.
function pinsWithoutVersionComment(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /\buses:\s*\S+@[0-9a-f]{40}\b/.test(line))
    .filter((line) => !/#\s*v\d+\.\d+\.\d+\s*$/.test(line))
    .map((line) => line.trim());
}

function writableTopLevelPermissions(workflow: Workflow): string[] {
  const permissions = workflow.permissions;
  if (permissions === undefined || permissions === null) return ['no top-level permissions'];
  if (typeof permissions === 'string') {
    return permissions === 'read-all' ? [] : [`permissions: ${permissions}`];
  }
  return Object.entries(permissions as Record<string, unknown>)
    .filter(([, level]) => level !== 'read' && level !== 'none')
    .map(([scope, level]) => `${scope}: ${String(level)}`);
}

// GitHub's default is six hours of a hung build. A job that calls a reusable
// workflow cannot set one: the called workflow's jobs do.
function jobsWithoutTimeout(workflow: Workflow): string[] {
  return jobsOf(workflow)
    .filter(([, job]) => job.uses === undefined && job['timeout-minutes'] === undefined)
    .map(([name]) => name);
}

// Otherwise the job's token stays in .git/config for every later step.
function checkoutsKeepingCredentials(workflow: Workflow): string[] {
  return jobsOf(workflow).flatMap(([name, job]) =>
    (job.steps ?? [])
      .filter((step) => step.uses?.startsWith('actions/checkout@'))
      .filter((step) => String(step.with?.['persist-credentials']) !== 'false')
      .map(() => name),
  );
}

// package.json is edited apart from the workflows; a renamed script would
// otherwise first fail on a tag push.
function unknownNpmScripts(workflow: Workflow, scripts: Set<string>): string[] {
  const named = stepsOf(workflow).flatMap((step) =>
    [...(step.run ?? '').matchAll(/\bnpm run ([\w:.-]+)/g)].map((match) => match[1]!),
  );
  return named.filter((script) => !scripts.has(script));
}

/** Each job's matrix entries that name a target, as "target backend" pairs. */
function prebuildsByJob(workflow: Workflow): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  for (const [name, job] of jobsOf(workflow)) {
    const matrix = job.strategy?.matrix;
    const entries = typeof matrix === 'object' ? (matrix.include ?? []) : [];
    const pairs = entries
      .filter((entry) => typeof entry.target === 'string' && typeof entry.backends === 'string')
      .flatMap((entry) =>
        String(entry.backends)
          .split(/\s+/)
          .filter(Boolean)
          .map((backend) => `${String(entry.target)} ${backend}`),
      );
    if (pairs.length > 0) byJob.set(name, pairs);
  }
  return byJob;
}

function readWorkflowText(file: string): string {
  return readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
}

function packageScripts(): Set<string> {
  const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return new Set(Object.keys(manifest.scripts ?? {}));
}

const workflowFiles = readdirSync(WORKFLOWS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();

describe('GitHub workflows', () => {
  it('include the release workflow', () => {
    expect(workflowFiles).toContain('release.yml');
  });

  describe.each(workflowFiles)('%s', (file) => {
    const text = readWorkflowText(file);
    const workflow = (): Workflow => parse(text) as Workflow;

    it('is valid for GitHub', () => {
      const problems = schemaProblems(text);
      expect(problems, 'schema errors').toEqual([]);
    });

    it('pins every action to a full commit SHA, with its version in a comment', () => {
      expect(unpinnedActions(workflow())).toEqual([]);
      expect(pinsWithoutVersionComment(text)).toEqual([]);
    });

    it('grants only read access at the top level', () => {
      expect(writableTopLevelPermissions(workflow())).toEqual([]);
    });

    it('gives every job a timeout', () => {
      expect(jobsWithoutTimeout(workflow())).toEqual([]);
    });

    it('checks out without persisting credentials', () => {
      expect(checkoutsKeepingCredentials(workflow())).toEqual([]);
    });

    it('runs only npm scripts that package.json defines', () => {
      expect(unknownNpmScripts(workflow(), packageScripts())).toEqual([]);
    });
  });

  describe('release.yml', () => {
    const workflow = (): Workflow => parse(readWorkflowText('release.yml')) as Workflow;

    it('builds a prebuilt addon for every required target and backend', () => {
      const built = [...prebuildsByJob(workflow()).values()].flat();
      expect(built).toEqual(expect.arrayContaining(REQUIRED_PREBUILDS));
    });

    it('publishes only after every job that makes prebuilt addons', () => {
      const needs = workflow().jobs?.publish?.needs ?? [];
      expect([needs].flat()).toEqual(
        expect.arrayContaining([...prebuildsByJob(workflow()).keys()]),
      );
    });
  });
});

describe('the workflow rules catch what they are for', () => {
  const release = readWorkflowText('release.yml');

  function broken(from: RegExp, to: string): { text: string; workflow: Workflow } {
    expect(release, `release.yml no longer contains ${String(from)}`).toMatch(from);
    const text = release.replace(from, to);
    return { text, workflow: parse(text) as Workflow };
  }

  it('a misspelled key', () => {
    expect(schemaProblems(broken(/runs-on:/, 'runs-onn:').text)).toContainEqual(
      expect.stringContaining("'runs-onn' is not allowed"),
    );
  });

  it('an action on a movable tag', () => {
    const { workflow } = broken(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4');
    expect(unpinnedActions(workflow)).toEqual(['actions/checkout@v4']);
  });

  it('a pin without its version', () => {
    const { text } = broken(/(checkout@[0-9a-f]{40}) # v[\d.]+/, '$1');
    expect(pinsWithoutVersionComment(text)).toHaveLength(1);
  });

  it('write access at the top level', () => {
    const { workflow } = broken(/^permissions:\n {2}contents: read$/m, 'permissions: write-all');
    expect(writableTopLevelPermissions(workflow)).toEqual(['permissions: write-all']);
  });

  it('a job without a timeout', () => {
    const { workflow } = broken(/^ {4}timeout-minutes: \d+\n/m, '');
    expect(jobsWithoutTimeout(workflow)).toHaveLength(1);
  });

  it('a checkout that keeps its credentials', () => {
    const { workflow } = broken(/persist-credentials: false/, 'persist-credentials: true');
    expect(checkoutsKeepingCredentials(workflow)).toHaveLength(1);
  });

  it('a script package.json lacks', () => {
    const { workflow } = broken(/npm run build$/m, 'npm run compile');
    expect(unknownNpmScripts(workflow, packageScripts())).toEqual(['compile']);
  });

  it('a missing target', () => {
    const { workflow } = broken(/backends: cpu metal/, 'backends: cpu');
    const built = [...prebuildsByJob(workflow).values()].flat();
    expect(REQUIRED_PREBUILDS.filter((pair) => !built.includes(pair))).toEqual([
      'darwin-arm64 metal',
    ]);
  });
});
