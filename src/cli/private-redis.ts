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

export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  const chosen = port ?? (await freePort());
  const child = spawn('redis-server', ephemeralServerArgs(chosen), { stdio: 'ignore' });
  const failed = once(child, 'error').then(([error]) => {
    throw new Error(`could not start redis-server (${(error as Error).message}); is it installed?`);
  });
  await Promise.race([waitUntilRedis(`redis-server on port ${chosen}`, chosen), failed]);

  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
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
