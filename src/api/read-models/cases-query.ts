import type { Selectable, SelectQueryBuilder } from 'kysely';
import type { CaseView } from '../../kernel/index.ts';
import type { Database, Db } from '../../store/index.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';

export const CASE_SORTS = ['sla', 'severity', 'created'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;

export interface CaseFilter {
  status?: 'open' | 'closed';
  queue?: string;
  severity?: string;
  tenant?: string;
  type?: string;
  sort: CaseSort;
  limit: number;
  cursor?: string;
}

export type CaseRow = Selectable<Database['cases']>;

/**
 * The analyst queue and other case lists, paged by keyset so page 2,000 costs what page 1
 * does. `sla`: soonest due first; `severity`: critical first, then soonest due (one indexed
 * range per severity); `created`: newest first.
 */
export async function listCases(db: Db, filter: CaseFilter): Promise<{ items: Array<CaseView & { createdAt: number }>; next: string | null }> {
  const base = (): CaseQuery => {
    let q = db.selectFrom('cases').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.queue) q = q.where('queue', '=', filter.queue);
    if (filter.tenant) q = q.where('tenant', '=', filter.tenant);
    if (filter.type) q = q.where('type', '=', filter.type);
    return q;
  };
  const take = filter.limit + 1;
  let rows: CaseRow[];
  if (filter.sort === 'created') {
    const after = decodeCursor(filter.cursor, ['number', 'string']) as [number, string] | undefined;
    let q = base();
    if (filter.severity) q = q.where('severity', '=', filter.severity);
    if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after[0]), eb.and([eb('created_at', '=', after[0]), eb('id', '<', after[1])])]));
    rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(take).execute();
  } else if (filter.sort === 'sla' || filter.severity) {
    const after = decodeCursor(filter.cursor, ['number', 'string']) as [number, string] | undefined;
    rows = await slaRange(base, filter.severity, after, take);
  } else {
    // Severity order: walk the severities from the cursor's, each an indexed range by SLA.
    const after = decodeCursor(filter.cursor, ['string', 'number', 'string']) as [string, number, string] | undefined;
    const start = after ? Math.max(0, SEVERITY_ORDER.indexOf(after[0] as (typeof SEVERITY_ORDER)[number])) : 0;
    rows = [];
    for (let i = start; i < SEVERITY_ORDER.length && rows.length < take; i++) {
      const severity = SEVERITY_ORDER[i]!;
      const within = after && after[0] === severity ? ([after[1], after[2]] as [number, string]) : undefined;
      rows.push(...(await slaRange(base, severity, within, take - rows.length)));
    }
  }
  const more = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  let next: string | null = null;
  if (more && last) {
    next =
      filter.sort === 'created'
        ? encodeCursor([last.created_at, last.id])
        : filter.sort === 'severity' && !filter.severity
          ? encodeCursor([last.severity, last.sla_due_at ?? 0, last.id])
          : encodeCursor([last.sla_due_at ?? 0, last.id]);
  }
  return { items: items.map(toCaseView), next };
}

type CaseQuery = SelectQueryBuilder<Database, 'cases', CaseRow>;

function slaRange(base: () => CaseQuery, severity: string | undefined, after: [number, string] | undefined, take: number): Promise<CaseRow[]> {
  let q = base();
  if (severity) q = q.where('severity', '=', severity);
  if (after) q = q.where((eb) => eb.or([eb('sla_due_at', '>', after[0]), eb.and([eb('sla_due_at', '=', after[0]), eb('id', '>', after[1])])]));
  return q.orderBy('sla_due_at').orderBy('id').limit(take).execute();
}

export function toCaseView(row: CaseRow): CaseView & { createdAt: number } {
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
    criteria: JSON.parse(row.criteria) as CaseView['criteria'],
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    closeMode: row.close_mode,
    closeReason: row.close_reason,
    createdAt: row.created_at,
  };
}
