import { sql } from 'kysely';
import { listActionTypes } from '../../actions/index.ts';
import type { Db } from '../../store/index.ts';

export interface Metrics {
  generatedAt: number;
  windowHours: number;
  /** Open cases: the analyst queue. */
  queue: { open: number; breached: number; bySeverity: Record<string, number> };
  /** The queue at evenly spaced moments across the window (oldest first). */
  queueOverTime: Array<{ at: number; open: number }>;
  /** Cases closed in the window, and those no person touched (no person proposed, approved, rejected or closed). */
  resolution: { closed: number; withoutAnalyst: number; share: number | null };
  approvalsWaiting: number;
  overrides: { total: number; inWindow: number };
  rollbacks: { total: number; inWindow: number };
  /** From proposal to executed, for disruptive containment in the window. */
  timeToContain: { count: number; medianMs: number | null; p90Ms: number | null };
  decisions: Record<string, number>;
}

const POINTS = 24;

/** Operational metrics, computed from the store on request. */
export async function computeMetrics(db: Db, now: number, hours: number): Promise<Metrics> {
  const since = now - hours * 3_600_000;
  const count = (rows: Array<{ n: number | string | bigint }>) => Number(rows[0]?.n ?? 0);
  const bySeverity = await db.selectFrom('cases').select(['severity', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '=', 'open').groupBy('severity').execute();
  const breached = count(await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'open').where('sla_due_at', '<', now).execute());

  const step = Math.max(1, Math.round((now - since) / POINTS));
  const moments = Array.from({ length: POINTS + 1 }, (_, i) => since + i * step);
  const columns = moments.map((t, i) => sql<number>`sum(case when created_at <= ${t} and (closed_at is null or closed_at > ${t}) then 1 else 0 end)`.as(`p${i}`));
  const series = (await db.selectFrom('cases').select(columns).where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>', since)])).executeTakeFirst()) as Record<string, unknown> | undefined;

  const closed = count(await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'closed').where('closed_at', '>=', since).execute());
  const untouched = count(
    await db
      .selectFrom('cases as c')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('c.status', '=', 'closed')
      .where('c.closed_at', '>=', since)
      .where('c.closed_by', 'not like', 'user:%')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('actions as a').select('a.id').whereRef('a.case_id', '=', 'c.id').where('a.principal', 'like', 'user:%'))))
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('approvals as p').innerJoin('actions as a', 'a.id', 'p.action_id').select('p.id').whereRef('a.case_id', '=', 'c.id').where('p.approver', 'like', 'user:%'))),
      )
      .execute(),
  );
  const waiting = count(await db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'awaiting_approval').execute());
  const overridesTotal = count(await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).where('close_mode', '=', 'override').execute());
  const overridesWindow = count(await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).where('close_mode', '=', 'override').where('closed_at', '>=', since).execute());
  const rollbacksTotal = count(await db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n')).where('rollback_of', 'is not', null).where('status', '=', 'executed').execute());
  const rollbacksWindow = count(
    await db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n')).where('rollback_of', 'is not', null).where('status', '=', 'executed').where('executed_at', '>=', since).execute(),
  );
  const containing = listActionTypes().filter((t) => t.disruptive && !t.groups.includes('rollback')).map((t) => t.name);
  const durations = (
    await db
      .selectFrom('actions')
      .select(['created_at', 'executed_at'])
      .where('type', 'in', containing)
      .where('rollback_of', 'is', null)
      .where('executed_at', '>=', since)
      .where('status', 'in', ['executed', 'rolled_back'])
      .limit(50_000)
      .execute()
  )
    .map((r) => Number(r.executed_at) - Number(r.created_at))
    .sort((a, b) => a - b);
  const decisions = await db.selectFrom('actions').select(['decision', (eb) => eb.fn.countAll<number>().as('n')]).where('created_at', '>=', since).groupBy('decision').execute();
  const open = bySeverity.reduce((sum, r) => sum + Number(r.n), 0);
  return {
    generatedAt: now,
    windowHours: hours,
    queue: { open, breached, bySeverity: Object.fromEntries(bySeverity.map((r) => [r.severity, Number(r.n)])) },
    queueOverTime: moments.map((at, i) => ({ at, open: Number(series?.[`p${i}`] ?? 0) })),
    resolution: { closed, withoutAnalyst: untouched, share: closed === 0 ? null : untouched / closed },
    approvalsWaiting: waiting,
    overrides: { total: overridesTotal, inWindow: overridesWindow },
    rollbacks: { total: rollbacksTotal, inWindow: rollbacksWindow },
    timeToContain: { count: durations.length, medianMs: quantile(durations, 0.5), p90Ms: quantile(durations, 0.9) },
    decisions: Object.fromEntries(decisions.map((r) => [r.decision, Number(r.n)])),
  };
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}
