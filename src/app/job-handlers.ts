import type { JobHandler } from '../jobs/index.ts';
import type { App } from './open-app.ts';

/**
 * The job kinds this process can run, by domain. Each domain that enqueues work adds
 * its handlers here.
 */
export function jobHandlers(app: App): Map<string, JobHandler> {
  const handlers = app.kernel.jobHandlers();
  // An operator-visible no-op that proves the queue end to end (`writ jobs ping`).
  handlers.set('system.ping', async (payload, ctx) =>
    ctx.complete(async (trx) => {
      await app.ledger.append(trx, [{ kind: 'system.ping', actor: 'system:worker', payload: { job: ctx.job.id, payload } }]);
      return { pong: true };
    }),
  );
  return handlers;
}
