import type {
  IScaledObject,
  ITriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer, IEnvVar, IProbe } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';

import { readStages } from './dockerfile-stages.js';
import { loadManifests, modelFor, type Manifest } from './manifests.js';
import { readRepoFile } from './repo.js';

const manifests = loadManifests();

function only<T>(kind: string): T {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  if (found.length !== 1) {
    throw new Error(`one ${kind} expected in the manifests, found ${found.length}`);
  }
  return found[0]!.body as T;
}

const deployment = only<IDeployment>('Deployment');
const scaledObject = only<IScaledObject>('ScaledObject');
const podSpec = deployment.spec!.template.spec!;
const worker: IContainer = podSpec.containers[0]!;

function envVar(name: string): IEnvVar {
  const found = (worker.env ?? []).filter((variable) => variable.name === name);
  expect(found, `the worker sets ${name} exactly once`).toHaveLength(1);
  return found[0]!;
}

function envValue(name: string): string {
  const { value } = envVar(name);
  expect(value, `${name} has a literal value`).toBeTypeOf('string');
  return value!;
}

/** The container port a probe's httpGet names, by name or number. */
function probedPort(probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === 'number') return port;
  return worker.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function redisSecretName(): string {
  const secret = envVar('ASR_REDIS_URL').valueFrom?.secretKeyRef;
  expect(secret, 'ASR_REDIS_URL comes from a Secret').toBeDefined();
  return secret!.name!;
}

describe('Kubernetes manifests', () => {
  it('parse as YAML and hold the Deployment, ScaledObject and TriggerAuthentication', () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'Deployment',
      'ScaledObject',
      'TriggerAuthentication',
    ]);
  });

  it.each(manifests)('$label is a valid $kind', (manifest: Manifest) => {
    const model = modelFor(manifest);
    expect(() => model.validate()).not.toThrow();
  });
});

describe('the worker Deployment', () => {
  it('has one container and leaves the replica count to KEDA', () => {
    expect(podSpec.containers).toHaveLength(1);
    expect(deployment.spec).not.toHaveProperty('replicas');
  });

  it('probes /healthz and /readyz on the port ASR_HTTP_PORT names, on every interface', () => {
    const port = Number(envValue('ASR_HTTP_PORT'));
    // The kubelet probes the pod's address, which loopback would not answer.
    expect(envValue('ASR_HTTP_HOST')).toBe('0.0.0.0');
    expect(worker.ports?.map((candidate) => candidate.containerPort)).toContain(port);

    expect(worker.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(worker.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(worker.startupProbe?.httpGet?.path).toBe('/healthz');
    for (const probe of [worker.livenessProbe, worker.readinessProbe, worker.startupProbe]) {
      expect(probedPort(probe)).toBe(port);
    }
  });

  it('gives a slow model load minutes before liveness may restart the pod', () => {
    const startup = worker.startupProbe!;
    const patienceSeconds = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
    expect(patienceSeconds).toBeGreaterThanOrEqual(120);
  });

  it('lets running tasks drain before the kubelet kills the pod', () => {
    const drainMs = Number(envValue('ASR_DRAIN_TIMEOUT_MS'));
    expect(drainMs).toBeGreaterThan(0);
    const graceMs = (podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
    // Room after the drain to publish the last results and close Redis.
    expect(graceMs).toBeGreaterThanOrEqual(drainMs + 10_000);
  });

  it('takes one GPU and states what CPU and memory it needs', () => {
    const { limits, requests } = worker.resources ?? {};
    expect(Number(limits?.['nvidia.com/gpu'])).toBe(1);
    expect(requests?.cpu).toBeDefined();
    expect(requests?.memory).toBeDefined();
  });

  it('runs unprivileged, as the uid the images run as, on a read-only root', () => {
    const imageUsers = ['docker/cpu.Dockerfile', 'docker/cuda.Dockerfile'].map(
      (file) => readStages(readRepoFile(file)).at(-1)!.user?.split(':')[0],
    );
    expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
    for (const user of imageUsers) expect(String(podSpec.securityContext?.runAsUser)).toBe(user);
    expect(worker.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(worker.securityContext?.allowPrivilegeEscalation).toBe(false);
  });

  it('reads the model from the asr-models claim, mounted read-only', () => {
    const model = envValue('ASR_MODEL');
    const mount = worker.volumeMounts?.find((candidate) =>
      model.startsWith(`${candidate.mountPath.replace(/\/$/, '')}/`),
    );
    expect(mount, `no volume is mounted where ${model} lies`).toBeDefined();
    expect(mount!.readOnly).toBe(true);
    const volume = podSpec.volumes?.find((candidate) => candidate.name === mount!.name);
    expect(volume?.persistentVolumeClaim).toEqual({ claimName: 'asr-models', readOnly: true });
  });

  it('reads the Redis URL from the asr-redis Secret', () => {
    expect(envVar('ASR_REDIS_URL').valueFrom?.secretKeyRef).toEqual({
      name: 'asr-redis',
      key: 'url',
    });
  });
});

describe('the KEDA ScaledObject', () => {
  const spec = scaledObject.spec!;
  const redisTriggers = spec.triggers.filter((trigger) => trigger.type === 'redis');

  it('scales the worker Deployment between sane bounds', () => {
    expect(spec.scaleTargetRef.name).toBe(deployment.metadata!.name);
    expect(spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
    expect(spec.scaleTargetRef.apiVersion ?? 'apps/v1').toBe('apps/v1');
    expect(spec.maxReplicaCount).toBeGreaterThanOrEqual(1);
    expect(spec.minReplicaCount ?? 0).toBeLessThanOrEqual(spec.maxReplicaCount!);
  });

  it('watches the list the workers take tasks from', () => {
    expect(redisTriggers).toHaveLength(1);
    const { metadata } = redisTriggers[0]!;
    expect(metadata.listName).toBe(envValue('ASR_QUEUE'));
    expect(metadata.listLength).toMatch(/^[1-9]\d*$/);
    // KEDA's redis scaler wants host:port, not the redis:// URL the worker reads.
    expect(metadata.address ?? `${metadata.host}:${metadata.port}`).toMatch(/^[^/:]+:\d+$/);
  });

  it('authenticates with the Secret the workers read', () => {
    const reference = redisTriggers[0]!.authenticationRef;
    expect(reference, 'the redis trigger has no authenticationRef').toBeDefined();
    expect(reference!.kind ?? 'TriggerAuthentication').toBe('TriggerAuthentication');
    const authentication = manifests.find(
      (manifest) =>
        manifest.kind === 'TriggerAuthentication' &&
        (manifest.body as ITriggerAuthentication).metadata?.name === reference!.name,
    );
    expect(authentication, `no TriggerAuthentication named ${reference!.name}`).toBeDefined();

    const secrets = (authentication!.body as ITriggerAuthentication).spec.secretTargetRef ?? [];
    const password = secrets.find((secret) => secret.parameter === 'password');
    expect(password, 'the TriggerAuthentication gives no password').toBeDefined();
    expect(password!.name).toBe(redisSecretName());
  });
});
