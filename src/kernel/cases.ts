import { randomUUID } from 'node:crypto';
import { getActionType } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Db, Store } from '../store/index.ts';
import type { ActionService, ActionView } from './actions-service.ts';
import type { GrantService } from './grants.ts';

/**
 * What must be shown, by reading systems back, before a case of a type may close.
 * - `no_pending_actions`: nothing awaits approval or is executing.
 * - `disruptive_actions_verified`: every executed disruptive action still holds when its
 *   connector reads the system back (messages gone from every mailbox, the old credential
 *   refused); actions rolled back are not counted as containment.
 */
export type ClosureCriterion = 'no_pending_actions' | 'disruptive_actions_verified';

/** Case types (the catalogue's `open_case` caseType values) with criteria and SLA. */
export const CASE_TYPES: Record<string, { criteria: ClosureCriterion[]; slaMs: number }> = {
  phishing: { criteria: ['no_pending_actions', 'disruptive_actions_verified'], slaMs: 4 * 3_600_000 },
  identity: { criteria: ['no_pending_actions', 'disruptive_actions_verified'], slaMs: 2 * 3_600_000 },
  host: { criteria: ['no_pending_actions', 'disruptive_actions_verified'], slaMs: 2 * 3_600_000 },
  general: { criteria: ['no_pending_actions'], slaMs: 24 * 3_600_000 },
  post_incident_review: { criteria: ['no_pending_actions'], slaMs: 5 * 86_400_000 },
};

export interface NewCase {
  type: string;
  title: string;
  tenant: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  queue?: string;
  openedBy: string;
  facts?: Record<string, unknown>;
}

export interface CaseView {
  id: string;
  type: string;
  title: string;
  tenant: string;
  status: 'open' | 'closed';
  severity: string;
  queue: string | null;
  slaDueAt: number | null;
  openedBy: string;
  criteria: ClosureCriterion[];
  facts: Record<string, unknown>;
  closedAt: number | null;
  closedBy: string | null;
  closeMode: 'evidence' | 'override' | null;
  closeReason: string | null;
}

export interface CriterionResult {
  criterion: ClosureCriterion;
  met: boolean;
  evidence: unknown;
}

/**
 * Cases and evidence-based closure: a case closes when its criteria are verified by
 * reading the effects back; closing otherwise is an override with a justification,
 * recorded as such. Closing revokes the case's live grants.
 */
export class CaseService {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly grants: GrantService,
    private readonly actions: ActionService,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async open(input: NewCase): Promise<CaseView> {
    const id = await this.store.transaction((trx) => this.openIn(trx, input));
    await this.ledger.afterCommit();
    return this.get(id);
  }

  /** Opens a case under an id chosen by the proposer (the `open_case` action's target). */
  async openWithId(id: string, input: NewCase): Promise<CaseView> {
    await this.store.transaction((trx) => this.openIn(trx, input, id));
    await this.ledger.afterCommit();
    return this.get(id);
  }

  async openIn(trx: Db, input: NewCase, id = `case-${randomUUID()}`, slaMs?: number): Promise<string> {
    const type = CASE_TYPES[input.type];
    if (!type) throw new WritError('WRIT_INPUT_INVALID', `unknown case type "${input.type}"; known: ${Object.keys(CASE_TYPES).join(', ')}`);
    if (!input.title?.trim()) throw new WritError('WRIT_INPUT_INVALID', 'a case needs a title');
    const now = this.now();
    await trx
      .insertInto('cases')
      .values({
        id,
        type: input.type,
        title: input.title,
        tenant: input.tenant,
        status: 'open',
        severity: input.severity,
        queue: input.queue ?? null,
        sla_due_at: now + (slaMs ?? type.slaMs),
        opened_by: input.openedBy,
        criteria: JSON.stringify(type.criteria),
        facts: JSON.stringify(input.facts ?? {}),
        closed_at: null,
        closed_by: null,
        close_mode: null,
        close_reason: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await this.ledger.append(trx, [
      { kind: 'case.opened', actor: input.openedBy, subjects: { case: id }, payload: { type: input.type, title: input.title, tenant: input.tenant, severity: input.severity, queue: input.queue ?? null, criteria: type.criteria } },
    ]);
    return id;
  }

  /** Checks every closure criterion by reading the systems back; changes nothing. */
  async evaluate(caseId: string): Promise<CriterionResult[]> {
    const view = await this.get(caseId);
    const actions = await this.actions.forCase(caseId);
    const results: CriterionResult[] = [];
    for (const criterion of view.criteria) results.push(await this.check(criterion, actions));
    return results;
  }

  /**
   * Closes the case if every criterion is verified. Otherwise refuses (WRIT_CASE_NOT_CLOSABLE)
   * unless `override` carries a justification: then it closes as an override, ledgered.
   */
  async close(caseId: string, actor: string, options: { override?: string } = {}): Promise<CaseView> {
    const view = await this.get(caseId);
    if (view.status === 'closed') throw new WritError('WRIT_ACTION_STATE', `case ${caseId} is already closed`);
    const results = await this.evaluate(caseId);
    const unmet = results.filter((r) => !r.met);
    const override = options.override?.trim();
    if (unmet.length > 0 && !override) {
      throw new WritError('WRIT_CASE_NOT_CLOSABLE', `case ${caseId} cannot close: ${unmet.map((r) => r.criterion).join(', ')} not verified; close with an override and a justification if you must`, {
        details: { unmet: unmet.map((r) => r.criterion) },
      });
    }
    if (options.override !== undefined && !override) throw new WritError('WRIT_INPUT_INVALID', 'an override needs a justification');
    const mode = unmet.length === 0 ? 'evidence' : 'override';
    await this.store.transaction(async (trx) => {
      const now = this.now();
      const updated = await trx
        .updateTable('cases')
        .set({ status: 'closed', closed_at: now, closed_by: actor, close_mode: mode, close_reason: override ?? null, updated_at: now })
        .where('id', '=', caseId)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new WritError('WRIT_CONFLICT', `case ${caseId} was closed meanwhile`);
      await this.grants.revokeFor(trx, { caseId }, 'case closed', actor);
      await this.ledger.append(trx, [
        {
          kind: mode === 'evidence' ? 'case.closed' : 'case.closed_override',
          actor,
          subjects: { case: caseId },
          payload: { mode, criteria: results, justification: override ?? null },
        },
      ]);
    });
    await this.ledger.afterCommit();
    return this.get(caseId);
  }

  async get(caseId: string): Promise<CaseView> {
    const row = await this.store.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!row) throw new WritError('WRIT_NOT_FOUND', `no case ${caseId}`);
    return {
      id: row.id,
      type: row.type,
      title: row.title,
      tenant: row.tenant,
      status: row.status,
      severity: row.severity,
      queue: row.queue,
      slaDueAt: row.sla_due_at,
      openedBy: row.opened_by,
      criteria: JSON.parse(row.criteria) as ClosureCriterion[],
      facts: JSON.parse(row.facts) as Record<string, unknown>,
      closedAt: row.closed_at,
      closedBy: row.closed_by,
      closeMode: row.close_mode,
      closeReason: row.close_reason,
    };
  }

  private async check(criterion: ClosureCriterion, actions: ActionView[]): Promise<CriterionResult> {
    switch (criterion) {
      case 'no_pending_actions': {
        const pending = actions.filter((a) => ['awaiting_approval', 'approved', 'executing'].includes(a.status)).map((a) => ({ id: a.id, type: a.type, status: a.status }));
        return { criterion, met: pending.length === 0, evidence: { pending } };
      }
      case 'disruptive_actions_verified': {
        const checks = [];
        for (const action of actions.filter((a) => a.status === 'executed' && !a.rollbackOf && getActionType(a.type).disruptive)) {
          try {
            const outcome = await this.actions.verify(action.id);
            checks.push({ action: action.id, type: action.type, satisfied: outcome.satisfied, evidence: outcome.evidence });
          } catch (error) {
            checks.push({ action: action.id, type: action.type, satisfied: false, evidence: { error: (error as Error).message } });
          }
        }
        return { criterion, met: checks.every((c) => c.satisfied), evidence: { checks } };
      }
    }
  }
}
