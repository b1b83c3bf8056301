import type { App } from '../../app/index.ts';
import { WritError } from '../../errors/index.ts';
import type { SerializableCriteria } from '../../mail/containment/index.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { actionsFor, type ActionWithApprovals } from './actions-query.ts';

const LIVE_CHECK_MAX_MAILBOXES = 1000;

export type MailboxState = 'contained' | 'exposed' | 'clean' | 'unknown';
export type Containment = 'contained' | 'awaiting_approval' | 'in_progress' | 'exposed' | 'not_started';

export interface CampaignView {
  campaign: { id: string; tenant: string; name: string; criteria: unknown; indicators: unknown; createdAt: number; updatedAt: number };
  actions: ActionWithApprovals[];
  cases: string[];
  mailboxes: Array<{ mailbox: string; quarantined: number; remaining: number | null; state: MailboxState }>;
  containment: Containment;
  checkedAt: number;
}

/**
 * A campaign with every mailbox its purges name, what was quarantined there, and what a
 * live read-back finds still outside quarantine: contained means the mail system agrees.
 */
export async function campaignView(app: App, id: string, now: number): Promise<CampaignView> {
  const row = await app.store.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new WritError('WRIT_NOT_FOUND', `no campaign ${id}`);
  const actions = await actionsFor(app.store.db, { target: { kind: 'campaign', id } }, now);
  const purges = actions.filter((a) => a.type === 'purge_campaign' && !['denied', 'rejected', 'expired', 'failed'].includes(a.status));
  const named = new Set<string>();
  for (const purge of purges) for (const m of (purge.params.mailboxes as string[] | undefined) ?? []) named.add(m);
  const quarantined = new Map<string, number>();
  for (const purge of purges.filter((p) => p.status === 'executed')) {
    const records = ((purge.result as { evidence?: { records?: Array<{ mailbox: string }> } } | null)?.evidence?.records ?? []);
    for (const r of records) quarantined.set(r.mailbox, (quarantined.get(r.mailbox) ?? 0) + 1);
  }
  const mailboxes = [...named].sort();
  const remaining = await readBack(app, searchesOf(JSON.parse(row.criteria) as unknown), mailboxes);
  const rows = mailboxes.map((mailbox) => {
    const left = remaining ? (remaining.get(mailbox) ?? 0) : null;
    const moved = quarantined.get(mailbox) ?? 0;
    const state: MailboxState = left === null ? 'unknown' : left > 0 ? 'exposed' : moved > 0 ? 'contained' : 'clean';
    return { mailbox, quarantined: moved, remaining: left, state };
  });
  const exposed = rows.some((r) => r.state === 'exposed' || r.state === 'unknown');
  const containment: Containment =
    purges.some((p) => p.status === 'executed') && !exposed
      ? 'contained'
      : purges.some((p) => p.status === 'approved' || p.status === 'executing')
        ? 'in_progress'
        : purges.some((p) => p.status === 'awaiting_approval')
          ? 'awaiting_approval'
          : exposed
            ? 'exposed'
            : 'not_started';
  return {
    campaign: { id: row.id, tenant: row.tenant, name: row.name, criteria: JSON.parse(row.criteria) as unknown, indicators: JSON.parse(row.indicators) as unknown, createdAt: row.created_at, updatedAt: row.updated_at },
    actions,
    cases: [...new Set(actions.map((a) => a.caseId).filter((c): c is string => c !== null))],
    mailboxes: rows,
    containment,
    checkedAt: Date.now(),
  };
}

/** A campaign's searches (a message matching any one is in the campaign); one stored object is one search. */
function searchesOf(stored: unknown): SerializableCriteria[] {
  const list = Array.isArray(stored) ? stored : [stored];
  return list.filter((c): c is SerializableCriteria => typeof c === 'object' && c !== null && Object.keys(c).length > 0);
}

/** Matching messages still outside quarantine, per mailbox; undefined when it cannot be read. */
async function readBack(app: App, searches: SerializableCriteria[], mailboxes: string[]): Promise<Map<string, number> | undefined> {
  if (mailboxes.length === 0) return new Map();
  if (mailboxes.length > LIVE_CHECK_MAX_MAILBOXES || searches.length === 0) return undefined;
  try {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (const criteria of searches) {
      for await (const hit of app.mail.search(criteria, { mailboxes })) {
        const key = `${hit.mailbox}\u0000${hit.folder}\u0000${hit.locator}`;
        if (seen.has(key)) continue;
        seen.add(key);
        counts.set(hit.mailbox, (counts.get(hit.mailbox) ?? 0) + 1);
      }
    }
    return counts;
  } catch {
    return undefined;
  }
}

export async function listCampaigns(app: App, filter: { tenant?: string; limit: number; cursor?: string }) {
  const after = decodeCursor(filter.cursor, ['number', 'string']) as [number, string] | undefined;
  let q = app.store.db.selectFrom('campaigns').select(['id', 'tenant', 'name', 'created_at', 'updated_at']);
  if (filter.tenant) q = q.where('tenant', '=', filter.tenant);
  if (after) q = q.where((eb) => eb.or([eb('updated_at', '<', after[0]), eb.and([eb('updated_at', '=', after[0]), eb('id', '<', after[1])])]));
  const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(filter.limit + 1).execute();
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({ id: r.id, tenant: r.tenant, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at })),
    next: rows.length > filter.limit && last ? encodeCursor([last.updated_at, last.id]) : null,
  };
}
