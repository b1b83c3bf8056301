import type { Selectable } from 'kysely';
import type { Database, Db, Store } from '../../store/index.ts';
import type { IdentityFinding } from '../findings/finding.ts';
import type { ResponsePlan } from '../plans/proposal.ts';

/**
 * - `active`: steps are running or waiting (for a gate, a deadline, an approval);
 * - `stalled`: a step failed, was denied or could not be verified; the case went to an analyst;
 * - `completed`: every step is done or skipped;
 * - `closed`: the case closed first; what was still pending was cancelled;
 * - `superseded`: a later finding called for a stronger response in the same case.
 */
export type PlanStatus = 'active' | 'stalled' | 'completed' | 'closed' | 'superseded';

/**
 * - action steps: `pending` → `proposed` (decided; awaiting approval or execution) →
 *   `done` (executed and read back) | `failed` (denied, rejected, failed, expired, unverified);
 * - gates: `pending` → `waiting` → `done` (passed) | `missed` (deadline passed first);
 * - `skipped`: the gate it depends on passed (the owner rotated in time);
 * - `cancelled`: the case closed before the step ran.
 */
export type StepStatus = 'pending' | 'proposed' | 'done' | 'failed' | 'waiting' | 'missed' | 'skipped' | 'cancelled';

export interface GateSubjectCheck {
  subject: string;
  ok: boolean;
  detail: string;
}

export interface StepDetail {
  /** Why the step is in its status, for people. */
  note?: string;
  decision?: string;
  actionStatus?: string;
  /** Owner or partner notices the plan asked for. */
  notice?: { recipients: string[]; template: string; delivered: boolean };
  /** The gate's last evaluation. */
  checks?: GateSubjectCheck[];
  checkedAt?: number;
  /** People who vouched for a gate's subjects (`writ identity attest`). */
  attestations?: Array<{ subject: string; actor: string; at: number; note?: string }>;
  /** owner_rotated: the leaked fingerprints that were the identity's when the plan began. */
  leakedFingerprints?: string[];
}

export interface FindingRecord {
  id: string;
  tenant: string;
  uid: string;
  dedupKey: string;
  source: string;
  kind: string;
  identityId: string | null;
  matchStatus: string;
  queue: string;
  finding: IdentityFinding;
  caseId: string | null;
  planId: string | null;
  repeats: number;
  firstSeen: number;
  lastSeen: number;
}

export interface PlanRecord {
  id: string;
  tenant: string;
  findingId: string;
  identityId: string | null;
  caseId: string | null;
  strategy: string;
  status: PlanStatus;
  plan: ResponsePlan;
  note: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface StepRecord {
  planId: string;
  stepId: string;
  kind: 'action' | 'gate';
  status: StepStatus;
  actionId: string | null;
  detail: StepDetail;
  updatedAt: number;
}

/** Findings, response plans and their steps, as stored. */
export class ResponseRecords {
  constructor(private readonly store: Store) {}

  async insertFinding(trx: Db, record: FindingRecord): Promise<void> {
    await trx
      .insertInto('identity_findings')
      .values({
        id: record.id,
        tenant: record.tenant,
        uid: record.uid,
        dedup_key: record.dedupKey,
        source: record.source,
        kind: record.kind,
        identity_id: record.identityId,
        match_status: record.matchStatus,
        queue: record.queue,
        body: JSON.stringify(record.finding),
        case_id: record.caseId,
        plan_id: record.planId,
        repeats: record.repeats,
        first_seen: record.firstSeen,
        last_seen: record.lastSeen,
      })
      .execute();
  }

  /**
   * The finding that an open response already handles for this credential (same dedup key
   * or the same source uid, its case still open), newest first.
   */
  async openFinding(db: Db, tenant: string, dedupKey: string, uid: string): Promise<FindingRecord | undefined> {
    const row = await db
      .selectFrom('identity_findings as f')
      .innerJoin('cases as c', 'c.id', 'f.case_id')
      .selectAll('f')
      .where('f.tenant', '=', tenant)
      .where((eb) => eb.or([eb('f.dedup_key', '=', dedupKey), eb('f.uid', '=', uid)]))
      .where('c.status', '=', 'open')
      .orderBy('f.first_seen', 'desc')
      .executeTakeFirst();
    return row ? toFinding(row) : undefined;
  }

  async findingByUid(db: Db, tenant: string, uid: string): Promise<FindingRecord | undefined> {
    const row = await db.selectFrom('identity_findings').selectAll().where('tenant', '=', tenant).where('uid', '=', uid).orderBy('first_seen', 'desc').executeTakeFirst();
    return row ? toFinding(row) : undefined;
  }

  async finding(id: string, db: Db = this.store.db): Promise<FindingRecord | undefined> {
    const row = await db.selectFrom('identity_findings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toFinding(row) : undefined;
  }

  async findingsForCase(caseId: string): Promise<FindingRecord[]> {
    return (await this.store.db.selectFrom('identity_findings').selectAll().where('case_id', '=', caseId).orderBy('first_seen').execute()).map(toFinding);
  }

  async markRepeat(trx: Db, id: string, at: number): Promise<void> {
    const row = await trx.selectFrom('identity_findings').select('repeats').where('id', '=', id).executeTakeFirstOrThrow();
    await trx.updateTable('identity_findings').set({ repeats: row.repeats + 1, last_seen: at }).where('id', '=', id).execute();
  }

  async insertPlan(trx: Db, plan: PlanRecord, steps: readonly StepRecord[]): Promise<void> {
    await trx
      .insertInto('identity_plans')
      .values({
        id: plan.id,
        tenant: plan.tenant,
        finding_id: plan.findingId,
        identity_id: plan.identityId,
        case_id: plan.caseId,
        strategy: plan.strategy,
        status: plan.status,
        body: JSON.stringify(plan.plan),
        note: plan.note,
        created_at: plan.createdAt,
        updated_at: plan.updatedAt,
      })
      .execute();
    if (steps.length > 0) {
      await trx
        .insertInto('identity_plan_steps')
        .values(steps.map((s) => ({ plan_id: s.planId, step_id: s.stepId, kind: s.kind, status: s.status, action_id: s.actionId, detail: JSON.stringify(s.detail), updated_at: s.updatedAt })))
        .execute();
    }
  }

  async plan(id: string, db: Db = this.store.db): Promise<PlanRecord | undefined> {
    const row = await db.selectFrom('identity_plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlan(row) : undefined;
  }

  /** Locks the plan row for the rest of the transaction (PostgreSQL; SQLite transactions hold the write lock). */
  async lockPlan(trx: Db, id: string): Promise<PlanRecord | undefined> {
    let query = trx.selectFrom('identity_plans').selectAll().where('id', '=', id);
    if (this.store.engine === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? toPlan(row) : undefined;
  }

  async plansFor(filter: { caseId?: string; identityId?: string; status?: PlanStatus }): Promise<PlanRecord[]> {
    let query = this.store.db.selectFrom('identity_plans').selectAll().orderBy('created_at');
    if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
    if (filter.identityId) query = query.where('identity_id', '=', filter.identityId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toPlan);
  }

  async steps(planId: string, db: Db = this.store.db): Promise<StepRecord[]> {
    const rows = await db.selectFrom('identity_plan_steps').selectAll().where('plan_id', '=', planId).execute();
    return rows.map(toStep).sort((a, b) => stepOrder(a.stepId) - stepOrder(b.stepId));
  }

  async stepForAction(actionId: string): Promise<StepRecord | undefined> {
    const row = await this.store.db.selectFrom('identity_plan_steps').selectAll().where('action_id', '=', actionId).executeTakeFirst();
    return row ? toStep(row) : undefined;
  }

  async updateStep(trx: Db, planId: string, stepId: string, patch: { status?: StepStatus; actionId?: string | null; detail?: StepDetail }, at: number): Promise<void> {
    await trx
      .updateTable('identity_plan_steps')
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.actionId !== undefined ? { action_id: patch.actionId } : {}),
        ...(patch.detail ? { detail: JSON.stringify(patch.detail) } : {}),
        updated_at: at,
      })
      .where('plan_id', '=', planId)
      .where('step_id', '=', stepId)
      .execute();
  }

  async updatePlan(trx: Db, id: string, patch: { status?: PlanStatus; note?: string | null }, at: number): Promise<void> {
    await trx
      .updateTable('identity_plans')
      .set({ ...(patch.status ? { status: patch.status } : {}), ...(patch.note !== undefined ? { note: patch.note } : {}), updated_at: at })
      .where('id', '=', id)
      .execute();
  }
}

function stepOrder(id: string): number {
  const n = Number(id.replace(/^s/, ''));
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

type Row<T extends keyof Database> = Selectable<Database[T]>;

function toFinding(row: Row<'identity_findings'>): FindingRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    uid: row.uid,
    dedupKey: row.dedup_key,
    source: row.source,
    kind: row.kind,
    identityId: row.identity_id,
    matchStatus: row.match_status,
    queue: row.queue,
    finding: JSON.parse(row.body) as IdentityFinding,
    caseId: row.case_id,
    planId: row.plan_id,
    repeats: row.repeats,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}

function toPlan(row: Row<'identity_plans'>): PlanRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    findingId: row.finding_id,
    identityId: row.identity_id,
    caseId: row.case_id,
    strategy: row.strategy,
    status: row.status as PlanStatus,
    plan: JSON.parse(row.body) as ResponsePlan,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toStep(row: Row<'identity_plan_steps'>): StepRecord {
  return {
    planId: row.plan_id,
    stepId: row.step_id,
    kind: row.kind as 'action' | 'gate',
    status: row.status as StepStatus,
    actionId: row.action_id,
    detail: JSON.parse(row.detail) as StepDetail,
    updatedAt: row.updated_at,
  };
}
