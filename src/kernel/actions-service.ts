import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { canonicalActionHash, getActionType, validateParams, type BlastFacts, type TargetKind } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Ledger, LedgerEntryInput } from '../ledger/index.ts';
import type { DecisionContext, PolicyDecision, PolicyEngine } from '../policy/index.ts';
import type { ActionStatus, Database, Db, Store } from '../store/index.ts';
import type { ActionRecord, ConnectorRegistry } from './connector.ts';
import type { GrantService } from './grants.ts';
import type { IncidentService } from './incidents.ts';

export type PrincipalType = 'workflow' | 'advisor' | 'user' | 'agent';
export type Origin = 'rule' | 'ai' | 'human';

export interface Principal {
  type: PrincipalType;
  id: string;
  /** The person who owns an automation; they may not approve what it proposes. */
  owner?: string;
  /** For a workflow or agent: the catalogue actions it declares it may propose. */
  actions?: readonly string[];
  /** For a user: their roles, for policies that look at them. */
  roles?: readonly string[];
}

/** Facts about the situation the proposer knows; the kernel computes the rest. */
export interface ProposalContext {
  confidence?: number;
  uncertainty?: number;
  dependents?: number;
  identity_class?: DecisionContext['identity_class'];
  severity?: DecisionContext['severity'];
}

export interface Proposal {
  principal: Principal;
  /** Only a workflow relaying advice may say `ai`; advisors and agents are always `ai`. */
  origin?: Origin;
  type: string;
  target: { type: TargetKind; id: string };
  params: Record<string, unknown>;
  caseId?: string;
  tenant: string;
  context?: ProposalContext;
  facts?: BlastFacts;
  rollbackOf?: string;
}

export interface ActionView {
  id: string;
  caseId: string | null;
  tenant: string;
  type: string;
  target: { type: string; id: string };
  params: Record<string, unknown>;
  actionHash: string;
  origin: Origin;
  principal: string;
  decision: PolicyDecision['decision'];
  policies: string[];
  policyVersion: string;
  explanation: string;
  status: ActionStatus;
  approvalsRequired: number;
  rollbackOf: string | null;
  result: unknown;
  undo: Record<string, unknown> | null;
  error: string | null;
}

export interface TenantFacts {
  regulated?: boolean;
}

export interface ActionServiceOptions {
  approvalTtlMs: number;
  tenants?: Record<string, TenantFacts>;
  now?: () => number;
}

const REQUIRED_APPROVALS: Record<PolicyDecision['decision'], number> = { auto: 0, approve: 1, dual: 2, suggest: 0, deny: 0 };
const STATUS_FOR: Record<PolicyDecision['decision'], ActionStatus> = {
  auto: 'approved',
  approve: 'awaiting_approval',
  dual: 'awaiting_approval',
  suggest: 'suggested',
  deny: 'denied',
};

export const EXECUTE_JOB = 'action.execute';

/**
 * Proposals, decisions, approvals, execution and rollback. Nothing reaches a connector
 * except through `execute`, which runs only an action whose decision is `auto` or whose
 * approvals (bound to its exact hash, unexpired, from distinct people other than the
 * requester) are complete, and only under a grant issued for it.
 */
export class ActionService {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly jobs: JobQueue,
    private readonly policy: { current(): Promise<PolicyEngine> },
    private readonly grants: GrantService,
    private readonly connectors: ConnectorRegistry,
    private readonly incidents: IncidentService,
    private readonly options: ActionServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The policy engine in force (reloaded when another process deployed a new version). */
  policyEngine(): Promise<PolicyEngine> {
    return this.policy.current();
  }

  /** Validates, decides and records a proposal; `auto` ones are queued for execution. */
  async propose(proposal: Proposal): Promise<ActionView> {
    const engine = await this.policy.current();
    const view = await this.store.transaction(async (trx) => this.proposeIn(trx, proposal, engine));
    await this.ledger.afterCommit();
    return view;
  }

  /**
   * Proposes within the caller's transaction (a playbook recording a case and its actions
   * together). `engine` comes from `policyEngine()`, resolved before the transaction opens.
   */
  async proposeIn(trx: Db, proposal: Proposal, engine: PolicyEngine): Promise<ActionView> {
    const type = getActionType(proposal.type);
    const params = validateParams(type.name, proposal.params);
    if (!proposal.tenant) throw new WritError('WRIT_INPUT_INVALID', 'a proposal needs a tenant');
    const actionHash = canonicalActionHash({ type: type.name, target: proposal.target, params, ...(proposal.caseId ? { caseId: proposal.caseId } : {}) });
    const origin = originOf(proposal.principal, proposal.origin);
    const incident = await this.incidents.active(proposal.tenant, trx);
    const context: DecisionContext = {
      ...definedOnly(proposal.context ?? {}),
      reversible: type.isReversible(params),
      blast_radius: type.blastRadius(params, proposal.facts ?? {}) ?? null,
      regulated: this.options.tenants?.[proposal.tenant]?.regulated ?? null,
      origin,
      mode: incident ? 'major_incident' : 'normal',
    };
    const request = {
      principal: { type: proposal.principal.type, id: proposal.principal.id },
      action: type.name,
      resource: { type: proposal.target.type, id: proposal.target.id },
      tenant: proposal.tenant,
      context,
    };
    const facts = { ...(proposal.principal.actions ? { actions: proposal.principal.actions } : {}), ...(proposal.principal.roles ? { roles: proposal.principal.roles } : {}) };
    const decision = engine.decide(request, { principal: facts });
    const id = randomUUID();
    const now = this.now();
    const status = STATUS_FOR[decision.decision];
    await trx
      .insertInto('actions')
      .values({
        id,
        case_id: proposal.caseId ?? null,
        tenant: proposal.tenant,
        type: type.name,
        target_kind: proposal.target.type,
        target_id: proposal.target.id,
        params: JSON.stringify(params),
        action_hash: actionHash,
        origin,
        principal: principalKey(proposal.principal),
        principal_owner: proposal.principal.owner ?? null,
        context: JSON.stringify(context),
        decision: decision.decision,
        policies: JSON.stringify(decision.policies),
        policy_version: decision.version,
        explanation: decision.explanation,
        status,
        approvals_required: REQUIRED_APPROVALS[decision.decision],
        incident_id: incident?.id ?? null,
        rollback_of: proposal.rollbackOf ?? null,
        result: null,
        undo: null,
        error: null,
        executed_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await this.ledger.append(trx, [
      {
        kind: 'action.proposed',
        actor: principalKey(proposal.principal),
        subjects: { case: proposal.caseId, action: id },
        payload: { type: type.name, target: proposal.target, params, action_hash: actionHash, origin, rollback_of: proposal.rollbackOf ?? null },
      },
      {
        kind: 'policy.decided',
        actor: 'system:policy',
        subjects: { case: proposal.caseId, action: id },
        payload: { request, decision: decision.decision, policies: decision.policies, version: decision.version, explanation: decision.explanation, unknown: decision.unknown },
      },
    ]);
    if (status === 'approved') await this.enqueueExecution(trx, id);
    return this.view(trx, id);
  }

  /**
   * Records one person's approval of exactly `actionHash`. The requester and the owner of
   * the proposing automation cannot approve; one person counts once; `dual` needs two.
   */
  async approve(actionId: string, approver: string, actionHash: string, reason?: string): Promise<ActionView> {
    const refused = await this.store.transaction(async (trx) => {
      const row = await this.requireAction(trx, actionId);
      const problem = this.approvalProblem(row, approver, actionHash);
      if (problem) return problem;
      const prior = await trx.selectFrom('approvals').select('id').where('action_id', '=', actionId).where('approver', '=', approver).executeTakeFirst();
      if (prior) return { code: 'WRIT_APPROVAL_INVALID' as const, message: `${approver} has already given a verdict on action ${actionId}; one person counts once`, security: false };
      const now = this.now();
      await trx
        .insertInto('approvals')
        .values({ id: randomUUID(), action_id: actionId, action_hash: actionHash, approver, verdict: 'approve', reason: reason ?? null, created_at: now, expires_at: now + this.options.approvalTtlMs })
        .execute();
      const valid = await this.validApprovals(trx, actionId, row.action_hash);
      const complete = valid >= row.approvals_required;
      const entries: LedgerEntryInput[] = [
        { kind: 'approval.granted', actor: approver, subjects: { case: row.case_id ?? undefined, action: actionId }, payload: { action_hash: actionHash, approvals: valid, required: row.approvals_required, reason: reason ?? null } },
      ];
      if (complete) {
        await this.setStatus(trx, actionId, 'approved');
        await this.enqueueExecution(trx, actionId);
      }
      await this.ledger.append(trx, entries);
      return undefined;
    });
    if (refused) await this.refuse(actionId, approver, refused);
    return this.view(this.store.db, actionId);
  }

  /** A rejection ends the action; it needs a reason. */
  async reject(actionId: string, approver: string, reason: string): Promise<ActionView> {
    if (!reason || reason.trim() === '') throw new WritError('WRIT_INPUT_INVALID', 'a rejection needs a reason');
    const refused = await this.store.transaction(async (trx) => {
      const row = await this.requireAction(trx, actionId);
      const problem = this.approvalProblem(row, approver, row.action_hash);
      if (problem) return problem;
      const now = this.now();
      await trx
        .insertInto('approvals')
        .values({ id: randomUUID(), action_id: actionId, action_hash: row.action_hash, approver, verdict: 'reject', reason, created_at: now, expires_at: now })
        .onConflict((oc) => oc.columns(['action_id', 'approver']).doNothing())
        .execute();
      await this.setStatus(trx, actionId, 'rejected');
      await this.ledger.append(trx, [{ kind: 'approval.rejected', actor: approver, subjects: { case: row.case_id ?? undefined, action: actionId }, payload: { reason } }]);
      return undefined;
    });
    if (refused) await this.refuse(actionId, approver, refused);
    return this.view(this.store.db, actionId);
  }

  /**
   * Changes an action's parameters before it runs. The hash changes, so approvals given
   * for the old parameters no longer count, and the new parameters are decided afresh.
   */
  async amend(actionId: string, actor: string, params: Record<string, unknown>): Promise<ActionView> {
    return this.store.transaction(async (trx) => {
      const row = await this.requireAction(trx, actionId);
      if (row.status !== 'awaiting_approval' && row.status !== 'suggested') {
        throw new WritError('WRIT_ACTION_STATE', `action ${actionId} is ${row.status}; only an action awaiting approval can be amended`);
      }
      if (actor !== row.principal) throw new WritError('WRIT_FORBIDDEN', 'only the proposer can amend an action');
      const valid = validateParams(row.type, params);
      const actionHash = canonicalActionHash({ type: row.type, target: { type: row.target_kind as TargetKind, id: row.target_id }, params: valid, ...(row.case_id ? { caseId: row.case_id } : {}) });
      await trx.updateTable('actions').set({ params: JSON.stringify(valid), action_hash: actionHash, updated_at: this.now() }).where('id', '=', actionId).execute();
      await this.ledger.append(trx, [
        { kind: 'action.amended', actor, subjects: { case: row.case_id ?? undefined, action: actionId }, payload: { params: valid, action_hash: actionHash, previous_hash: row.action_hash } },
      ]);
      return this.view(trx, actionId);
    });
  }

  /**
   * Runs an approved action under a fresh grant (the job handler calls this). Idempotent:
   * an executed action is not run again; approvals are re-checked against the hash.
   */
  async execute(actionId: string, options: { finalAttempt?: boolean } = {}): Promise<ActionView> {
    const prepared = await this.store.transaction(async (trx) => {
      const row = await this.requireAction(trx, actionId);
      if (row.status === 'executed' || row.status === 'failed') return undefined;
      if (row.status !== 'approved' && row.status !== 'executing') {
        throw new WritError('WRIT_ACTION_STATE', `action ${actionId} is ${row.status}; it cannot execute`, { retryable: false });
      }
      const decidedUnder = (JSON.parse(row.context) as DecisionContext).mode;
      if (decidedUnder === 'major_incident' && !(await this.incidents.active(row.tenant, trx))) {
        // Authority granted by an incident ends with it, even for work already queued.
        await this.setStatus(trx, actionId, 'expired');
        await this.ledger.append(trx, [
          { kind: 'security.execution_blocked', actor: 'system:executor', subjects: { action: actionId }, payload: { reason: 'decided under a major incident that has ended', incident: row.incident_id } },
        ]);
        return undefined;
      }
      if (row.approvals_required > 0) {
        const valid = await this.validApprovals(trx, actionId, row.action_hash);
        if (valid < row.approvals_required) {
          await this.setStatus(trx, actionId, 'awaiting_approval');
          await this.ledger.append(trx, [
            { kind: 'security.execution_blocked', actor: 'system:executor', subjects: { action: actionId }, payload: { reason: 'approvals no longer cover this action (expired or for other parameters)', valid, required: row.approvals_required } },
          ]);
          return undefined;
        }
      }
      await this.setStatus(trx, actionId, 'executing');
      const grant = await this.grants.issue(trx, { actionId, actionHash: row.action_hash, target: `${row.target_kind}:${row.target_id}`, caseId: row.case_id, incidentId: row.incident_id }, 'system:executor');
      return { row, grant };
    });
    await this.ledger.afterCommit();
    if (!prepared) return this.view(this.store.db, actionId);
    const { row, grant } = prepared;
    const record = toRecord(row);
    const type = getActionType(row.type);
    try {
      let outcome;
      if (row.rollback_of) {
        const original = await this.requireAction(this.store.db, row.rollback_of);
        outcome = await this.connectors.for(getActionType(original.type).capability).undo(toRecord(original), { token: grant.token }, record);
      } else {
        outcome = await this.connectors.for(type.capability).execute(record, { token: grant.token });
      }
      await this.store.transaction(async (trx) => {
        await trx
          .updateTable('actions')
          .set({ status: 'executed', result: JSON.stringify({ result: outcome.result, evidence: outcome.evidence }), undo: outcome.undo ? JSON.stringify(outcome.undo) : null, executed_at: this.now(), updated_at: this.now() })
          .where('id', '=', actionId)
          .execute();
        if (row.rollback_of) await this.setStatus(trx, row.rollback_of, 'rolled_back');
        await this.ledger.append(trx, [
          { kind: row.rollback_of ? 'action.rolled_back' : 'action.executed', actor: 'system:executor', subjects: { case: row.case_id ?? undefined, action: actionId }, payload: { type: row.type, grant: grant.id, result: outcome.result, evidence: outcome.evidence, undo: outcome.undo ?? null, rollback_of: row.rollback_of } },
        ]);
      });
    } catch (error) {
      // The last attempt's failure is final: the action is failed, with its evidence.
      const retryable = (error instanceof WritError ? error.retryable : false) && !options.finalAttempt;
      const message = error instanceof Error ? error.message : String(error);
      await this.store.transaction(async (trx) => {
        if (!retryable) await trx.updateTable('actions').set({ status: 'failed', error: message, updated_at: this.now() }).where('id', '=', actionId).execute();
        await this.ledger.append(trx, [
          { kind: retryable ? 'action.attempt_failed' : 'action.failed', actor: 'system:executor', subjects: { case: row.case_id ?? undefined, action: actionId }, payload: { type: row.type, grant: grant.id, error: message, retryable } },
        ]);
      });
      await this.ledger.afterCommit();
      if (retryable) throw error;
    }
    await this.ledger.afterCommit();
    return this.view(this.store.db, actionId);
  }

  /** Proposes the undo of an executed action; the rollback is governed like any action. */
  async rollback(actionId: string, requester: Principal, reason: string): Promise<ActionView> {
    if (!reason || reason.trim() === '') throw new WritError('WRIT_INPUT_INVALID', 'a rollback needs a reason');
    const row = await this.requireAction(this.store.db, actionId);
    const type = getActionType(row.type);
    const params = JSON.parse(row.params) as Record<string, unknown>;
    if (row.status !== 'executed') throw new WritError('WRIT_ACTION_STATE', `action ${actionId} is ${row.status}; only an executed action can be rolled back`);
    if (!type.undo || !type.isReversible(params)) throw new WritError('WRIT_ACTION_STATE', `${row.type} with these parameters cannot be undone`);
    const recorded = row.undo ? (JSON.parse(row.undo) as Record<string, unknown>) : undefined;
    const undoParams = recorded ?? type.undo.params?.(params);
    if (!undoParams) throw new WritError('WRIT_ACTION_STATE', `action ${actionId} recorded no way to undo it`);
    const undoType = getActionType(type.undo.action);
    return this.propose({
      principal: requester,
      type: undoType.name,
      target: { type: row.target_kind as TargetKind, id: row.target_id },
      params: undoParams,
      ...(row.case_id ? { caseId: row.case_id } : {}),
      tenant: row.tenant,
      rollbackOf: actionId,
      context: { severity: (JSON.parse(row.context) as DecisionContext).severity ?? undefined },
    });
  }

  /** Reads the effect back through the connector (used by evidence-based closure). */
  async verify(actionId: string) {
    const row = await this.requireAction(this.store.db, actionId);
    return this.connectors.for(getActionType(row.type).capability).verify(toRecord(row));
  }

  async get(actionId: string): Promise<ActionView> {
    return this.view(this.store.db, actionId);
  }

  async forCase(caseId: string): Promise<ActionView[]> {
    const rows = await this.store.db.selectFrom('actions').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
    return rows.map(toActionView);
  }

  private approvalProblem(row: ActionRow, approver: string, actionHash: string): Refusal | undefined {
    if (row.status === 'executed' || row.status === 'executing') {
      return { code: 'WRIT_APPROVAL_INVALID', message: `action ${row.id} has already executed; there is nothing to approve`, security: true };
    }
    if (row.status !== 'awaiting_approval') {
      return { code: 'WRIT_APPROVAL_INVALID', message: `action ${row.id} is ${row.status}, not awaiting approval`, security: false };
    }
    if (approver === row.principal || (row.principal_owner !== null && approver === row.principal_owner)) {
      return { code: 'WRIT_SEPARATION_OF_DUTIES', message: `${approver} requested this action (or owns the automation that did) and cannot approve it`, security: true };
    }
    if (actionHash !== row.action_hash) {
      return { code: 'WRIT_APPROVAL_INVALID', message: `the approval is for action hash ${actionHash.slice(0, 12)}…, but the action is now ${row.action_hash.slice(0, 12)}… (parameters changed)`, security: true };
    }
    return undefined;
  }

  private async refuse(actionId: string, actor: string, refusal: Refusal): Promise<never> {
    if (refusal.security) {
      await this.ledger.appendNow([
        { kind: 'security.approval_refused', actor, subjects: { action: actionId }, payload: { code: refusal.code, reason: refusal.message } },
      ]);
    }
    throw new WritError(refusal.code, refusal.message);
  }

  private async validApprovals(trx: Db, actionId: string, actionHash: string): Promise<number> {
    const rows = await trx
      .selectFrom('approvals')
      .select('approver')
      .where('action_id', '=', actionId)
      .where('action_hash', '=', actionHash)
      .where('verdict', '=', 'approve')
      .where('expires_at', '>', this.now())
      .execute();
    return new Set(rows.map((r) => r.approver)).size;
  }

  private async enqueueExecution(trx: Db, actionId: string): Promise<void> {
    await this.jobs.enqueue(trx, { kind: EXECUTE_JOB, payload: { actionId }, idempotencyKey: `execute:${actionId}` });
  }

  private async setStatus(trx: Db, actionId: string, status: ActionStatus): Promise<void> {
    await trx.updateTable('actions').set({ status, updated_at: this.now() }).where('id', '=', actionId).execute();
  }

  private async requireAction(db: Db, actionId: string): Promise<ActionRow> {
    const row = await db.selectFrom('actions').selectAll().where('id', '=', actionId).executeTakeFirst();
    if (!row) throw new WritError('WRIT_NOT_FOUND', `no action ${actionId}`);
    return row;
  }

  private async view(db: Db, actionId: string): Promise<ActionView> {
    return toActionView(await this.requireAction(db, actionId));
  }
}

interface Refusal {
  code: 'WRIT_APPROVAL_INVALID' | 'WRIT_SEPARATION_OF_DUTIES';
  message: string;
  security: boolean;
}

type ActionRow = Selectable<Database['actions']>;

function toRecord(row: ActionRow): ActionRecord {
  const view = toActionView(row);
  return {
    id: view.id,
    caseId: view.caseId,
    tenant: view.tenant,
    type: view.type,
    target: view.target,
    params: view.params,
    actionHash: view.actionHash,
    undo: view.undo,
    result: view.result as ActionRecord['result'],
  };
}

/** The one mapping from a stored action row to its view (the API's read models use it too). */
export function toActionView(row: ActionRow): ActionView {
  return {
    id: row.id,
    caseId: row.case_id,
    tenant: row.tenant,
    type: row.type,
    target: { type: row.target_kind, id: row.target_id },
    params: JSON.parse(row.params) as Record<string, unknown>,
    actionHash: row.action_hash,
    origin: row.origin as Origin,
    principal: row.principal,
    decision: row.decision as PolicyDecision['decision'],
    policies: JSON.parse(row.policies) as string[],
    policyVersion: row.policy_version,
    explanation: row.explanation,
    status: row.status,
    approvalsRequired: row.approvals_required,
    rollbackOf: row.rollback_of,
    result: row.result ? (JSON.parse(row.result) as unknown) : null,
    undo: row.undo ? (JSON.parse(row.undo) as Record<string, unknown>) : null,
    error: row.error,
  };
}

export function principalKey(principal: { type: string; id: string }): string {
  return `${principal.type}:${principal.id}`;
}

/** Advisors and agents are AI; people are human; a workflow is a rule unless it relays advice. */
function originOf(principal: Principal, requested: Origin | undefined): Origin {
  if (principal.type === 'advisor' || principal.type === 'agent') return 'ai';
  if (principal.type === 'user') return 'human';
  return requested === 'ai' ? 'ai' : 'rule';
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

