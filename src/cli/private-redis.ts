/**
 * A throwaway redis-server on a free loopback port, nothing on disk, for the
 * demo and for tests that stop or break Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

import { Redis } from 'ioredis';

export interface PrivateRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server on loopback `port` that writes nothing to disk. */
export function ephemeralServerArgs(port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
}

export interface PrivateRedisOptions {
  /** More redis-server arguments, such as `--requirepass`. */
  extraArgs?: string[];
  /** The password the extra arguments set, for the readiness probe. */
  password?: string;
}

/** Free ports tried before giving up, when none was asked for. */
const PORT_ATTEMPTS = 5;

class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

/**
 * A redis-server of our own: on `port`, or on a free one. A free port can be
 * taken by another process between our finding it and redis-server binding
 * it, and a port we gave up (a restart) can be taken before we bind it again.
 * The readiness probe therefore asks for the server's process id: answering
 * on the port is not enough, it must be our child that answers.
 */
export async function startPrivateRedis(
  port?: number,
  options: PrivateRedisOptions = {},
): Promise<PrivateRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(port ?? (await freePort()), options);
    } catch (error) {
      const retry = error instanceof PortTakenError && port === undefined;
      if (!retry || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startOn(port: number, options: PrivateRedisOptions): Promise<PrivateRedis> {
  const args = [...ephemeralServerArgs(port), ...(options.extraArgs ?? [])];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const failed = once(child, 'error').then(([error]) => {
    throw new Error(`could not start redis-server (${(error as Error).message}); is it installed?`);
  });
  const exited = once(child, 'exit').then(() => {
    throw new PortTakenError(`redis-server exited at start; is port ${port} taken?`);
  });
  const ours = async (redis: Redis) => (await serverPid(redis)) === child.pid;
  const ready = waitUntilRedis(`redis-server on port ${port}`, port, ours, {
    ...(options.password !== undefined && { password: options.password }),
  });
  try {
    await Promise.race([ready, failed, exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    // Both stay pending on success; their rejections must not go unhandled.
    failed.catch(() => undefined);
    exited.catch(() => undefined);
    ready.catch(() => undefined);
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function serverPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('server');
  const match = /^process_id:(\d+)/m.exec(info);
  return match ? Number(match[1]) : undefined;
}

/**
 * Polls `probe` on a fresh connection to a local `port` until it returns
 * true; a server still starting refuses connections, which counts as "not
 * yet".
 */
export async function waitUntilRedis(
  what: string,
  port: number,
  probe: (redis: Redis) => Promise<boolean> = async (redis) => (await redis.ping()) === 'PONG',
  { timeoutMs = 10_000, password }: { timeoutMs?: number; password?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...(password !== undefined && { password }),
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if (await probe(client)) return;
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last error: ${lastError})`);
}
