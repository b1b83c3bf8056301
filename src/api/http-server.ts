import Fastify from 'fastify';
import { sql } from 'kysely';
import type { App } from '../app/index.ts';
import { toProblem } from '../errors/index.ts';

export interface HttpServerOptions {
  /** Reports whether background workers are running, for readiness. */
  workersRunning?: () => boolean;
}

/**
 * The HTTP surface. Errors leave as RFC 9457 problem+json with a stable code; unknown
 * errors never leak their message.
 */
export function buildHttpServer(app: App, options: HttpServerOptions = {}) {
  const server = Fastify({ loggerInstance: app.logger.child({ component: 'http' }), disableRequestLogging: true, bodyLimit: 1024 * 1024 });

  server.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request.url);
    const status = problem.code === 'WRIT_INTERNAL' && typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : problem.status;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(status).type('application/problem+json').send({ ...problem, status });
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  server.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(app.store.db);
      checks.database = 'ok';
    } catch {
      checks.database = 'unavailable';
    }
    if (options.workersRunning) checks.workers = options.workersRunning() ? 'ok' : 'stopped';
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  return server;
}
