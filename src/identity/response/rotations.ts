import { WritError } from '../../errors/index.ts';
import type { JobQueue } from '../../jobs/index.ts';
import { targetKey, type ActionRecord, type Kernel } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Store } from '../../store/index.ts';
import type { IdentityActionResult, IdentityKernelConnector, RetirementState } from './kernel-connector.ts';

export const ROTATION_CHECK_JOB = 'identity.rotation.check';

const ACTOR = 'system:identity-response';
/** A retirement stuck in `retiring` this long (its worker died) is tried again. */
const STALE_RETIRING_MS = 120_000;

export interface RotationView extends RetirementState {
  actionId: string;
  identityId: string;
  caseId: string | null;
  retireReason: string | null;
  error: string | null;
}

/**
 * Temporary access created by a response: the old secret of a coordinated rotation stays
 * valid for the grace period so dependents can move. It ends, whichever comes first, when
 * the dependents have moved (the plan calls {@link retire}), when the grace period runs out
 * (a durable job, with nobody acting), or when the case closes (the same job notices).
 */
export class RotationTracker {
  private readonly now: () => number;
  private connector: IdentityKernelConnector | undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly jobs: JobQueue,
    private readonly kernel: Pick<Kernel, 'grants' | 'cases' | 'actions'>,
    private readonly options: { pollMs: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  attach(connector: IdentityKernelConnector): void {
    this.connector = connector;
  }

  /** Records the temporary access and schedules its end (called by the connector after the rotation). */
  async open(action: ActionRecord, graceEndsAt: number): Promise<void> {
    const now = this.now();
    await this.store.transaction(async (trx) => {
      await trx
        .insertInto('identity_rotations')
        .values({
          action_id: action.id,
          identity_id: String(action.params.identity),
          case_id: action.caseId,
          status: 'pending',
          rotation: '{}',
          grace_ends_at: graceEndsAt,
          retire_result: null,
          retire_reason: null,
          error: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('action_id').doUpdateSet({ grace_ends_at: graceEndsAt, status: 'pending', updated_at: now }))
        .execute();
      await this.ledger.append(trx, [
        {
          kind: 'identity.temporary_access_opened',
          actor: ACTOR,
          subjects: { action: action.id, case: action.caseId ?? undefined, identity: String(action.params.identity) },
          payload: { what: 'the previous secret stays valid while dependents move to the new one', until: new Date(graceEndsAt).toISOString() },
        },
      ]);
      await this.schedule(trx, action.id, graceEndsAt);
    });
    await this.ledger.afterCommit();
  }

  async get(actionId: string): Promise<RotationView | undefined> {
    const row = await this.store.db.selectFrom('identity_rotations').selectAll().where('action_id', '=', actionId).executeTakeFirst();
    if (!row) return undefined;
    return {
      actionId: row.action_id,
      identityId: row.identity_id,
      caseId: row.case_id,
      status: row.status as RotationView['status'],
      graceEndsAt: row.grace_ends_at,
      retireResult: row.retire_result ? (JSON.parse(row.retire_result) as RotationView['retireResult']) : null,
      retireReason: row.retire_reason,
      error: row.error,
    };
  }

  /** The job: ends the temporary access once the grace period is over or the case closed; else looks again later. */
  async check(actionId: string): Promise<RotationView | undefined> {
    const view = await this.get(actionId);
    if (!view || view.status === 'retired' || view.status === 'failed') return view;
    const now = this.now();
    const caseClosed = view.caseId ? (await this.kernel.cases.get(view.caseId)).status === 'closed' : false;
    if (caseClosed) return this.retire(actionId, 'the case closed, which ends temporary access it created');
    if (now >= view.graceEndsAt) return this.retire(actionId, 'the grace period ended');
    await this.store.transaction((trx) => this.schedule(trx, actionId, view.graceEndsAt));
    return view;
  }

  /**
   * Retires the old secret under a fresh grant for the rotation action (the approval of a
   * rotation with a grace period covers retiring the old secret at its end). Idempotent:
   * a retired rotation is left alone; a failure is ledgered and, when transient, retried by
   * the next check.
   */
  async retire(actionId: string, reason: string): Promise<RotationView | undefined> {
    const connector = this.connector;
    if (!connector) throw new WritError('WRIT_INTERNAL', 'the rotation tracker has no connector attached');
    const action = await this.kernel.actions.get(actionId);
    const claimed = await this.store.transaction(async (trx) => {
      const row = await trx.selectFrom('identity_rotations').selectAll().where('action_id', '=', actionId).executeTakeFirst();
      if (!row) return undefined;
      const now = this.now();
      const stale = row.status === 'retiring' && now - row.updated_at > STALE_RETIRING_MS;
      if (row.status !== 'pending' && !stale) return undefined;
      const updated = await trx
        .updateTable('identity_rotations')
        .set({ status: 'retiring', retire_reason: reason, updated_at: now })
        .where('action_id', '=', actionId)
        .where('status', '=', row.status)
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return undefined;
      return this.kernel.grants.issue(trx, { actionId, actionHash: action.actionHash, target: targetKey(action), caseId: action.caseId }, ACTOR);
    });
    await this.ledger.afterCommit();
    if (!claimed) return this.get(actionId);
    const record: ActionRecord = {
      id: action.id,
      caseId: action.caseId,
      tenant: action.tenant,
      type: action.type,
      target: action.target,
      params: action.params,
      actionHash: action.actionHash,
      undo: action.undo,
      result: action.result as ActionRecord['result'],
    };
    try {
      const outcome = await connector.retire(record, { token: claimed.token });
      await this.store.transaction(async (trx) => {
        await trx
          .updateTable('identity_rotations')
          .set({ status: 'retired', retire_result: JSON.stringify(outcome), error: null, updated_at: this.now() })
          .where('action_id', '=', actionId)
          .execute();
        await this.ledger.append(trx, [
          {
            kind: 'identity.secret_retired',
            actor: ACTOR,
            subjects: { action: actionId, case: action.caseId ?? undefined, identity: (action.result as { result?: IdentityActionResult } | null)?.result?.identity },
            payload: { reason, grant: claimed.id, result: outcome.result, evidence: outcome.evidence },
          },
        ]);
      });
    } catch (error) {
      const retryable = error instanceof WritError ? error.retryable : false;
      const message = error instanceof Error ? error.message : String(error);
      await this.store.transaction(async (trx) => {
        await trx
          .updateTable('identity_rotations')
          .set({ status: retryable ? 'pending' : 'failed', error: message, updated_at: this.now() })
          .where('action_id', '=', actionId)
          .execute();
        await this.ledger.append(trx, [
          { kind: 'identity.retire_failed', actor: ACTOR, subjects: { action: actionId, case: action.caseId ?? undefined }, payload: { reason, error: message, retryable, grant: claimed.id } },
        ]);
        if (retryable) await this.schedule(trx, actionId, this.now() + this.options.pollMs);
      });
    }
    await this.ledger.afterCommit();
    return this.get(actionId);
  }

  private async schedule(trx: Parameters<JobQueue['enqueue']>[0], actionId: string, graceEndsAt: number): Promise<void> {
    const runAt = Math.min(graceEndsAt, this.now() + this.options.pollMs);
    await this.jobs.enqueue(trx, { kind: ROTATION_CHECK_JOB, payload: { actionId }, idempotencyKey: `${ROTATION_CHECK_JOB}:${actionId}:${runAt}`, runAt });
  }
}
