/**
 * /healthz, /readyz and /metrics over plain node:http: three read-only
 * routes need no framework. Bound to loopback unless told otherwise, since
 * /metrics names queues and models.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import { errorSummary } from '../logger.js';
import type { WorkerMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port; port() tells which after listen(). */
  port: number;
  readiness: Readiness;
  metrics: WorkerMetrics;
  logger: Logger;
}

export class HealthServerError extends Error {
  override readonly name = 'HealthServerError';
  constructor(
    readonly code: 'HTTP_PORT_IN_USE' | 'HTTP_LISTEN_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export class HealthServer {
  private readonly server: http.Server;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: HealthServerOptions) {
    this.server = http.createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        options.logger.warn(
          { err: errorSummary(error), url: request.url },
          'health request failed',
        );
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
  }

  /** Resolves with the bound port; rejects with a HealthServerError. */
  listen(): Promise<number> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const inUse = error.code === 'EADDRINUSE';
        reject(
          new HealthServerError(
            inUse ? 'HTTP_PORT_IN_USE' : 'HTTP_LISTEN_FAILED',
            inUse
              ? `port ${port} on ${host} is already in use: pass --http-port with a free port (0 picks one) or --no-http`
              : `could not serve health and metrics on ${host}:${port}: ${error.message}`,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Idempotent; open keep-alive connections (a scraper's) are cut. */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse) {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'text/plain', 'only GET\n');
    }
    switch (path) {
      case '/healthz':
        // Alive means the event loop answers; readiness says the rest.
        return send(response, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const report = this.options.readiness.report();
        const body = `${JSON.stringify(report)}\n`;
        return send(response, report.ready ? 200 : 503, 'application/json', body);
      }
      case '/metrics': {
        const { metrics } = this.options;
        return send(response, 200, metrics.contentType, await metrics.text());
      }
      default:
        return send(response, 404, 'text/plain', 'not found: try /healthz, /readyz or /metrics\n');
    }
  }
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
