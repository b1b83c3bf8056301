import type { Selectable } from 'kysely';
import { toActionView, type ActionView } from '../../kernel/index.ts';
import type { Database, Db } from '../../store/index.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';

type ActionRow = Selectable<Database['actions']>;

export interface ApprovalView {
  approver: string;
  verdict: 'approve' | 'reject';
  actionHash: string;
  reason: string | null;
  at: number;
  expiresAt: number;
  valid: boolean;
}

export type ActionWithApprovals = ActionView & {
  approvals: ApprovalView[];
  createdAt: number;
  /** The person who owns the proposing automation; like the proposer, they cannot approve. */
  principalOwner: string | null;
};

/** Actions as the kernel shows them, with the approvals given so far (read straight from the store). */
export async function withApprovals(db: Db, rows: ActionRow[], now: number): Promise<ActionWithApprovals[]> {
  if (rows.length === 0) return [];
  const approvals = await db.selectFrom('approvals').selectAll().where('action_id', 'in', rows.map((r) => r.id)).orderBy('created_at').execute();
  return rows.map((row) => ({
    ...toActionView(row),
    createdAt: row.created_at,
    principalOwner: row.principal_owner,
    approvals: approvals
      .filter((a) => a.action_id === row.id)
      .map((a) => ({
        approver: a.approver,
        verdict: a.verdict,
        actionHash: a.action_hash,
        reason: a.reason,
        at: a.created_at,
        expiresAt: a.expires_at,
        valid: a.verdict === 'approve' && a.action_hash === row.action_hash && a.expires_at > now,
      })),
  }));
}

export async function actionsFor(db: Db, where: { caseId?: string; target?: { kind: string; id: string } }, now: number): Promise<ActionWithApprovals[]> {
  let q = db.selectFrom('actions').selectAll();
  if (where.caseId) q = q.where('case_id', '=', where.caseId);
  if (where.target) q = q.where('target_kind', '=', where.target.kind).where('target_id', '=', where.target.id);
  return withApprovals(db, await q.orderBy('created_at').orderBy('id').limit(500).execute(), now);
}

export async function actionById(db: Db, id: string, now: number): Promise<ActionWithApprovals | undefined> {
  const row = await db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && (await withApprovals(db, [row], now))[0];
}

/** Actions waiting for a person, oldest first. */
export async function awaitingApproval(db: Db, filter: { tenant?: string; limit: number; cursor?: string }, now: number) {
  const after = decodeCursor(filter.cursor, ['number', 'string']) as [number, string] | undefined;
  let q = db.selectFrom('actions').selectAll().where('status', '=', 'awaiting_approval');
  if (filter.tenant) q = q.where('tenant', '=', filter.tenant);
  if (after) q = q.where((eb) => eb.or([eb('created_at', '>', after[0]), eb.and([eb('created_at', '=', after[0]), eb('id', '>', after[1])])]));
  const rows = await q.orderBy('created_at').orderBy('id').limit(filter.limit + 1).execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  return { items: await withApprovals(db, items, now), next: rows.length > filter.limit && last ? encodeCursor([last.created_at, last.id]) : null };
}

export { toActionView };
