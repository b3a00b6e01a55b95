/**
 * The Kubernetes manifests in deploy/kubernetes/, every document of every
 * file, each checked against the schema of its kind. A YAML error, or a kind
 * without a model here, is a failure: nothing is skipped unvalidated.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { parseAllDocuments } from 'yaml';

import { readRepoFile, repoPath } from './repo.js';

export const MANIFEST_DIR = 'deploy/kubernetes';

export interface Manifest {
  /** "deploy/kubernetes/x.yaml#2": where a failure points. */
  label: string;
  apiVersion: string;
  kind: string;
  body: unknown;
}

interface Validatable {
  apiVersion: string;
  kind: string;
  validate(): void;
}

// Each constructor takes the parsed document as is; validate() then checks it.
const MODELS: Record<string, (body: never) => Validatable> = {
  'apps/v1 Deployment': (body) => new Deployment(body),
  'keda.sh/v1alpha1 ScaledObject': (body) => new ScaledObject(body),
  'keda.sh/v1alpha1 TriggerAuthentication': (body) => new TriggerAuthentication(body),
};

export function loadManifests(): Manifest[] {
  const files = readdirSync(repoPath(MANIFEST_DIR))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return files.flatMap((name) => {
    const file = path.posix.join(MANIFEST_DIR, name);
    return parseAllDocuments(readRepoFile(file)).flatMap((document, index) => {
      const label = `${file}#${index + 1}`;
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) {
        throw new Error(`${label}: ${problems.map((problem) => problem.message).join('; ')}`);
      }
      const body = document.toJS() as unknown;
      // A trailing `---` leaves an empty document behind; it holds nothing.
      if (body === null) return [];
      if (typeof body !== 'object' || Array.isArray(body)) {
        throw new Error(`${label}: not a Kubernetes object`);
      }
      const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
        throw new Error(`${label}: no apiVersion or kind`);
      }
      return [{ label, apiVersion, kind, body }];
    });
  });
}

/** The schema model for a manifest's kind; throws for a kind this table lacks. */
export function modelFor(manifest: Manifest): Validatable {
  const construct = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!construct) {
    throw new Error(
      `${manifest.label}: no schema model for ${manifest.apiVersion} ${manifest.kind}; ` +
        'add one to test/deploy/manifests.ts',
    );
  }
  return construct(manifest.body as never);
}
