import type { JobHandler, JobQueue } from '../jobs/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import { ActionService, EXECUTE_JOB, type TenantFacts } from './actions-service.ts';
import { CaseConnector } from './case-connector.ts';
import { CaseService } from './cases.ts';
import { ConnectorRegistry } from './connector.ts';
import { ConnectorJournal } from './connector-journal.ts';
import { GrantService } from './grants.ts';
import { INCIDENT_EXPIRY_JOB, IncidentService } from './incidents.ts';
import { PolicyDeployments } from './policy-deployments.ts';

export interface KernelOptions {
  grantKey: Buffer;
  grantTtlMs: number;
  approvalTtlMs: number;
  incidentMaxMs: number;
  tenants?: Record<string, TenantFacts>;
  now?: () => number;
}

export interface Kernel {
  actions: ActionService;
  cases: CaseService;
  incidents: IncidentService;
  grants: GrantService;
  connectors: ConnectorRegistry;
  policies: PolicyDeployments;
  journal: ConnectorJournal;
  /** The job kinds the kernel runs: action execution and incident expiry. */
  jobHandlers(): Map<string, JobHandler>;
  close(): void;
}

/** Wires the governance kernel. Connectors for outside systems are registered by the caller. */
export function createKernel(store: Store, ledger: Ledger, jobs: JobQueue, options: KernelOptions): Kernel {
  const clock = options.now ? { now: options.now } : {};
  const grants = new GrantService(store, ledger, { key: options.grantKey, ttlMs: options.grantTtlMs, ...clock });
  const connectors = new ConnectorRegistry(grants);
  const policies = new PolicyDeployments(store, ledger);
  const incidents = new IncidentService(store, ledger, jobs, grants, { maxDurationMs: options.incidentMaxMs, ...clock });
  const actions = new ActionService(store, ledger, jobs, policies, grants, connectors, incidents, {
    approvalTtlMs: options.approvalTtlMs,
    ...(options.tenants ? { tenants: options.tenants } : {}),
    ...clock,
  });
  const cases = new CaseService(store, ledger, grants, actions, clock);
  incidents.attachCases(cases);
  connectors.register(new CaseConnector(store, () => cases));
  return {
    actions,
    cases,
    incidents,
    grants,
    connectors,
    policies,
    journal: new ConnectorJournal(store),
    jobHandlers() {
      const handlers = new Map<string, JobHandler>();
      handlers.set(EXECUTE_JOB, async (payload, ctx) => {
        const { actionId } = payload as { actionId: string };
        const view = await actions.execute(actionId, { finalAttempt: ctx.job.attempts >= ctx.job.maxAttempts });
        return { status: view.status };
      });
      handlers.set(INCIDENT_EXPIRY_JOB, async (payload) => {
        const { incidentId } = payload as { incidentId: string };
        const incident = await incidents.end(incidentId, 'system:clock', 'expired');
        return { ended: incident.endedAt };
      });
      return handlers;
    },
    close() {
      policies.close();
    },
  };
}
