import type { Capability } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import type { Store } from '../store/index.ts';
import type { CaseService } from './cases.ts';
import type { ActionRecord, Connector, ExecutionOutcome, Grant, VerifyOutcome } from './connector.ts';

/**
 * Writ's own records as a connector, so opening, routing and closing cases are governed
 * actions like any other (decided, granted, ledgered).
 */
export class CaseConnector implements Connector {
  readonly name = 'cases';
  readonly capabilities: readonly Capability[] = ['case.write'];

  constructor(
    private readonly store: Store,
    private readonly cases: () => CaseService,
    private readonly actor = 'system:executor',
  ) {}

  async execute(action: ActionRecord, _grant: Grant): Promise<ExecutionOutcome> {
    const caseId = action.target.id;
    switch (action.type) {
      case 'open_case': {
        const { title, caseType, severity } = action.params as { title: string; caseType: string; severity: 'low' | 'medium' | 'high' | 'critical' };
        const existing = await this.store.db.selectFrom('cases').select('id').where('id', '=', caseId).executeTakeFirst();
        if (!existing) await this.cases().openWithId(caseId, { type: caseType, title, tenant: action.tenant, severity, openedBy: this.actor });
        return { result: { case: caseId, created: !existing }, evidence: { case: caseId }, undo: { resolution: 'opened_in_error' } };
      }
      case 'route_case': {
        const { queue } = action.params as { queue: string };
        const before = await this.cases().get(caseId);
        await this.store.db.updateTable('cases').set({ queue, updated_at: Date.now() }).where('id', '=', caseId).execute();
        return { result: { case: caseId, queue, previous: before.queue }, evidence: { queue }, undo: { queue: before.queue ?? 'triage' } };
      }
      case 'close_case': {
        const { resolution } = action.params as { resolution: string };
        const closed = await this.cases().close(caseId, this.actor);
        return { result: { case: caseId, resolution, mode: closed.closeMode }, evidence: { closed_at: closed.closedAt } };
      }
      default:
        throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} cannot ${action.type}`, { retryable: false });
    }
  }

  async undo(original: ActionRecord, grant: Grant, rollback: ActionRecord): Promise<ExecutionOutcome> {
    if (original.type === 'route_case') return this.execute({ ...rollback, type: 'route_case' }, grant);
    throw new WritError('WRIT_CONNECTOR_REFUSED', `${this.name} cannot undo ${original.type}`, { retryable: false });
  }

  async verify(action: ActionRecord): Promise<VerifyOutcome> {
    const view = await this.cases().get(action.target.id);
    return { satisfied: true, evidence: { status: view.status, queue: view.queue } };
  }
}
