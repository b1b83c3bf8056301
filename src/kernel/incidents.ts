import { randomUUID } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Selectable } from 'kysely';
import type { Database, Db, Store } from '../store/index.ts';
import type { CaseService } from './cases.ts';
import type { GrantService } from './grants.ts';

/** Temporary roles given to named responders for the incident's duration. */
export interface ElevatedAccess {
  user: string;
  role: string;
}

export interface IncidentScope {
  /** What the incident is about, in words and ids (systems, campaigns, identities). */
  summary: string;
  systems?: string[];
  elevatedAccess?: ElevatedAccess[];
}

export interface Declaration {
  tenant: string;
  commander: string;
  justification: string;
  scope: IncidentScope;
  durationMs: number;
}

export interface Incident {
  id: string;
  tenant: string;
  declaredBy: string;
  justification: string;
  scope: IncidentScope;
  startedAt: number;
  expiresAt: number;
  endedAt: number | null;
  endReason: string | null;
  reviewCaseId: string | null;
}

export const INCIDENT_EXPIRY_JOB = 'incident.expire';

/**
 * Major-incident mode. Authority is bounded by time itself: `active` compares the expiry
 * with the clock, so elevated authority ends at its expiry even if no worker runs. The
 * expiry job (or a close) then revokes the incident's grants and elevated access and opens
 * the post-incident review.
 */
export class IncidentService {
  private readonly now: () => number;
  private cases: CaseService | undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly jobs: JobQueue,
    private readonly grants: GrantService,
    private readonly options: { maxDurationMs: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Cases and incidents refer to each other; the kernel wires this after both exist. */
  attachCases(cases: CaseService): void {
    this.cases = cases;
  }

  async declare(declaration: Declaration): Promise<Incident> {
    const { tenant, commander, justification, scope, durationMs } = declaration;
    if (!justification || justification.trim().length < 10) {
      throw new WritError('WRIT_INCIDENT_INVALID', 'a major incident needs a justification of at least 10 characters');
    }
    if (!scope?.summary) throw new WritError('WRIT_INCIDENT_INVALID', 'a major incident needs a scope summary');
    if (!Number.isSafeInteger(durationMs) || durationMs <= 0) throw new WritError('WRIT_INCIDENT_INVALID', 'the incident duration must be a positive number of milliseconds');
    if (durationMs > this.options.maxDurationMs) {
      throw new WritError('WRIT_INCIDENT_INVALID', `the incident may last at most ${Math.round(this.options.maxDurationMs / 60_000)} minutes (WRIT_INCIDENT_MAX_MS)`);
    }
    return this.store.transaction(async (trx) => {
      if (await this.active(tenant, trx)) throw new WritError('WRIT_INCIDENT_INVALID', `tenant ${tenant} already has an active major incident`);
      const id = randomUUID();
      const startedAt = this.now();
      const expiresAt = startedAt + durationMs;
      await trx
        .insertInto('incidents')
        .values({ id, tenant, declared_by: commander, justification, scope: JSON.stringify(scope), started_at: startedAt, expires_at: expiresAt, ended_at: null, end_reason: null, review_case_id: null })
        .execute();
      await this.jobs.enqueue(trx, { kind: INCIDENT_EXPIRY_JOB, payload: { incidentId: id }, idempotencyKey: `incident-expiry:${id}`, runAt: expiresAt, maxAttempts: 100 });
      await this.ledger.append(trx, [
        { kind: 'incident.declared', actor: commander, payload: { incident: id, tenant, justification, scope, expires_at: new Date(expiresAt).toISOString() } },
      ]);
      return this.requireIncident(trx, id);
    });
  }

  /** The tenant's incident in force now, if any. */
  async active(tenant: string, db: Db = this.store.db): Promise<Incident | undefined> {
    const now = this.now();
    const row = await db
      .selectFrom('incidents')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('ended_at', 'is', null)
      .where('started_at', '<=', now)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  /** The roles a user holds through an active incident's elevated access. */
  async elevatedRoles(tenant: string, user: string): Promise<string[]> {
    const incident = await this.active(tenant);
    return (incident?.scope.elevatedAccess ?? []).filter((a) => a.user === user).map((a) => a.role);
  }

  /**
   * Ends an incident (closed by a person, or expired): revokes its live grants and the
   * elevated access, and opens the post-incident review case. Idempotent.
   */
  async end(incidentId: string, actor: string, reason: 'closed' | 'expired'): Promise<Incident> {
    const cases = this.cases;
    if (!cases) throw new WritError('WRIT_INTERNAL', 'incident service is not wired to cases');
    return this.store.transaction(async (trx) => {
      const incident = await this.requireIncident(trx, incidentId);
      if (incident.endedAt !== null) return incident;
      const now = this.now();
      if (reason === 'expired' && incident.expiresAt > now) {
        throw new WritError('WRIT_INCIDENT_INVALID', `incident ${incidentId} has not expired yet`, { retryable: true });
      }
      const revoked = await this.grants.revokeFor(trx, { incidentId }, `incident ${reason}`, actor);
      const review = await cases.openIn(trx, {
        type: 'post_incident_review',
        title: `Post-incident review: ${incident.scope.summary}`,
        tenant: incident.tenant,
        severity: 'medium',
        queue: 'incident-review',
        openedBy: actor,
        facts: { incident: incidentId },
      });
      await trx.updateTable('incidents').set({ ended_at: now, end_reason: reason, review_case_id: review }).where('id', '=', incidentId).execute();
      await this.ledger.append(trx, [
        {
          kind: 'incident.ended',
          actor,
          subjects: { case: review },
          payload: { incident: incidentId, reason, grants_revoked: revoked, access_revoked: incident.scope.elevatedAccess ?? [], review_case: review },
        },
      ]);
      return this.requireIncident(trx, incidentId);
    });
  }

  async get(id: string): Promise<Incident> {
    return this.requireIncident(this.store.db, id);
  }

  private async requireIncident(db: Db, id: string): Promise<Incident> {
    const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new WritError('WRIT_NOT_FOUND', `no incident ${id}`);
    return toIncident(row);
  }
}

function toIncident(row: Selectable<Database['incidents']>): Incident {
  return {
    id: row.id,
    tenant: row.tenant,
    declaredBy: row.declared_by,
    justification: row.justification,
    scope: JSON.parse(row.scope) as IncidentScope,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    reviewCaseId: row.review_case_id,
  };
}
