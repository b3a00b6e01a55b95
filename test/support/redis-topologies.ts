/**
 * Throwaway Redis deployments for tests, on free loopback ports, with every
 * file in a temporary directory: a three-master Cluster and a
 * primary-plus-Sentinel pair. They never touch the shared Redis at 6379.
 * Each start function returns the URL the worker takes and a stop() that
 * kills the servers and deletes the directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ephemeralServerArgs, freePort, waitUntilRedis } from '../../src/cli/private-redis.js';

export interface Topology {
  url: string;
  /** The data nodes' ports (the Cluster's masters, or the Sentinel's primary). */
  ports: number[];
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The Cluster bus listens on port + 10000: both must be usable. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await freePort();
    if (taken.has(port) || port + 10_000 > 65_535 || taken.has(port + 10_000)) continue;
    if (!(await isFree(port + 10_000))) continue;
    taken.add(port).add(port + 10_000);
    return port;
  }
  throw new Error('found no free port pair for a Redis Cluster node');
}

async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  }
}

function startServer(args: string[], logFile: string): ChildProcess {
  const child = spawn('redis-server', [...args, '--logfile', logFile], { stdio: 'ignore' });
  child.on('error', () => undefined); // reported by waitUntil's timeout instead
  return child;
}

async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await rm(dir, { recursive: true, force: true });
}

/** Cluster and Sentinel set-up can take a while on a loaded machine. */
const TOPOLOGY_WAIT = { timeoutMs: 20_000 };

/**
 * Three masters, no replicas, all 16384 slots assigned; resolves once every
 * node reports cluster_state:ok. The URL lists all three as seeds.
 */
export async function startCluster(): Promise<Topology> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'asr-cluster-'));
  const children: ChildProcess[] = [];
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await freeClusterPort(taken));
    for (const port of ports) {
      children.push(
        startServer(
          [
            ...ephemeralServerArgs(port),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
            '--dir',
            dir,
          ],
          path.join(dir, `redis-${port}.log`),
        ),
      );
    }
    for (const port of ports) {
      await waitUntilRedis(`the cluster node on ${port}`, port, undefined, TOPOLOGY_WAIT);
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitUntilRedis(
        `cluster_state:ok on ${port}`,
        port,
        async (r) => /^cluster_state:ok\r?$/m.test(await r.cluster('INFO')),
        TOPOLOGY_WAIT,
      );
    }
    return {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
      ports,
      stop: () => stopAll(children, dir),
    };
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
}

export const SENTINEL_MASTER = 'mymaster';

/**
 * One primary and one Sentinel that monitors it as `mymaster` (quorum 1);
 * resolves once the Sentinel names the primary. The Sentinel rewrites its
 * config file, so the file is written to the temporary directory.
 */
export async function startSentinel(): Promise<Topology & { sentinelPort: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'asr-sentinel-'));
  const children: ChildProcess[] = [];
  try {
    const primary = await freePort();
    let sentinelPort = await freePort();
    while (sentinelPort === primary) sentinelPort = await freePort();

    children.push(
      startServer([...ephemeralServerArgs(primary), '--dir', dir], path.join(dir, 'primary.log')),
    );
    await waitUntilRedis(`the primary on ${primary}`, primary, undefined, TOPOLOGY_WAIT);

    const config = path.join(dir, 'sentinel.conf');
    await writeFile(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primary} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 5000`,
        '',
      ].join('\n'),
    );
    children.push(startServer([config, '--sentinel'], path.join(dir, 'sentinel.log')));
    await waitUntilRedis(
      `the Sentinel on ${sentinelPort}`,
      sentinelPort,
      async (r) => {
        const address = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as
          string[] | null;
        return address?.[1] === String(primary);
      },
      TOPOLOGY_WAIT,
    );
    return {
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${SENTINEL_MASTER}`,
      ports: [primary],
      sentinelPort,
      stop: () => stopAll(children, dir),
    };
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
}
