/**
 * A worker's health surface in one object: its metrics, its readiness
 * checks, the HTTP server that shows both (when configured), and the Redis
 * reconnect counting. The worker feeds it; it never reaches into the worker.
 */
import type { Logger } from 'pino';

import type { RedisClient } from '../queue/redis.js';
import { HealthServer } from './http-server.js';
import { WorkerMetrics, type WorkerIdentity } from './metrics.js';
import { Readiness } from './readiness.js';

export interface MonitorOptions {
  identity: WorkerIdentity;
  /** undefined: no HTTP server. */
  httpPort: number | undefined;
  httpHost: string;
  logger: Logger;
}

export class HealthMonitor {
  readonly metrics: WorkerMetrics;
  readonly readiness = new Readiness();

  private readonly server: HealthServer | undefined;
  private boundPort: number | undefined;
  private readonly unwatch: Array<() => void> = [];

  constructor(private readonly options: MonitorOptions) {
    this.metrics = new WorkerMetrics(options.identity);
    if (options.httpPort !== undefined) {
      this.server = new HealthServer({
        host: options.httpHost,
        port: options.httpPort,
        readiness: this.readiness,
        metrics: this.metrics,
        logger: options.logger,
      });
    }
  }

  /** The port the HTTP server listens on; undefined before listen() or without one. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** http://host:port, or undefined without a server. */
  get url(): string | undefined {
    if (this.boundPort === undefined) return undefined;
    const host = this.options.httpHost.includes(':')
      ? `[${this.options.httpHost}]`
      : this.options.httpHost;
    return `http://${host}:${this.boundPort}`;
  }

  async listen(): Promise<void> {
    if (this.server !== undefined) this.boundPort = await this.server.listen();
  }

  /** Counts reconnects, and readiness fails while a connection is not ready. */
  watchRedis(role: string, redis: RedisClient): void {
    const onReconnecting = () => this.metrics.reconnecting(role);
    redis.on('reconnecting', onReconnecting);
    this.unwatch.push(() => redis.off('reconnecting', onReconnecting));
    this.readiness.add(`redis_${role}`, () =>
      redis.status === 'ready'
        ? { ok: true }
        : { ok: false, detail: `${role} connection is ${redis.status}` },
    );
  }

  async close(): Promise<void> {
    for (const undo of this.unwatch.splice(0)) undo();
    await this.server?.close();
  }
}
