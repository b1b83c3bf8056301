import type { JobHandler } from '../jobs/index.ts';
import { PLAYBOOK_JOB } from '../intake/index.ts';
import { CLOSE_JOB } from '../playbooks/index.ts';
import { identityJobHandlers } from '../identity/index.ts';
import type { App } from './open-app.ts';

/**
 * The job kinds this process can run, by domain. Each domain that enqueues work adds
 * its handlers here.
 */
export function jobHandlers(app: App): Map<string, JobHandler> {
  const handlers = app.kernel.jobHandlers();
  for (const [kind, handler] of identityJobHandlers(app.identity)) handlers.set(kind, handler);
  handlers.set(PLAYBOOK_JOB, async (payload, ctx) => app.playbook.runReport((payload as { reportId: string }).reportId, ctx));
  handlers.set(CLOSE_JOB, async (payload) => app.playbook.closeIfVerified((payload as { caseId: string }).caseId));
  // An operator-visible no-op that proves the queue end to end (`writ jobs ping`).
  handlers.set('system.ping', async (payload, ctx) =>
    ctx.complete(async (trx) => {
      await app.ledger.append(trx, [{ kind: 'system.ping', actor: 'system:worker', payload: { job: ctx.job.id, payload } }]);
      return { pong: true };
    }),
  );
  return handlers;
}
