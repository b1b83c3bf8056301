import type { Db } from '../../store/index.ts';
import type { LedgerEntry } from '../../ledger/index.ts';

export interface EntryFilter {
  after?: number;
  limit: number;
  kind?: string;
  caseId?: string;
  actionId?: string;
  campaignId?: string;
  identityId?: string;
  order?: 'asc' | 'desc';
}

export type EntryView = LedgerEntry & { leafHash: string };

/** Ledger entries as recorded (their canonical bodies parsed), filtered by subject or kind. */
export async function listEntries(db: Db, filter: EntryFilter): Promise<{ items: EntryView[]; next: number | null }> {
  let q = db.selectFrom('ledger_entries').select(['seq', 'body', 'leaf_hash']);
  const desc = filter.order === 'desc';
  if (filter.after !== undefined) q = q.where('seq', desc ? '<' : '>', filter.after);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.caseId) q = q.where('case_id', '=', filter.caseId);
  if (filter.actionId) q = q.where('action_id', '=', filter.actionId);
  if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
  if (filter.identityId) q = q.where('identity_id', '=', filter.identityId);
  const rows = await q.orderBy('seq', desc ? 'desc' : 'asc').limit(filter.limit + 1).execute();
  const items = rows.slice(0, filter.limit).map((r) => ({ ...(JSON.parse(r.body) as LedgerEntry), leafHash: r.leaf_hash }));
  const last = items[items.length - 1];
  return { items, next: rows.length > filter.limit && last ? last.seq : null };
}
