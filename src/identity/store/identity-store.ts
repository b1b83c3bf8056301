import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { WritError } from '../../errors/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Db, Store } from '../../store/index.ts';
import { AuthLog, type AuthEvent } from '../findings/auth-log.ts';
import { describeIssue, formatPath } from '../input-issues.ts';
import type { DependencyChain } from '../inventory/dependency-chain.ts';
import type { SecretFingerprinter } from '../inventory/fingerprint-index.ts';
import { identityInputSchema, type Identity } from '../inventory/identity-schema.ts';
import { importInventory } from '../inventory/inventory-import.ts';
import { Inventory } from '../inventory/inventory.ts';

/** An identity as stored: removed identities keep their row, so a finding can be told so. */
export interface IdentityRecord {
  identity: Identity;
  tenant: string;
  /** Epoch ms when it was removed from the inventory; null while it exists. */
  deletedAt: number | null;
  deletedReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

export interface IdentityDescription {
  record: IdentityRecord;
  chain: DependencyChain | null;
  /** Distinct things that break if the credential dies. */
  blastRadius: number;
  /** Identities that list this one among their dependents. */
  dependedOnBy: string[];
  recentAuth: AuthEvent[];
}

export interface WriteOptions {
  tenant: string;
  actor: string;
  /** Names the input in the ledger (a file name, `api`). */
  source?: string;
}

/**
 * The identity inventory in the database (both engines): identities, their fingerprint and
 * key-id index, and ingested authentication events. Only fingerprints are ever written:
 * inventory input carries `fp:…` values and public key ids, never a secret.
 *
 * Every change bumps one revision counter in the same transaction, so each process rebuilds
 * its in-memory {@link Inventory} (used for enrichment) only when the inventory changed.
 */
export class IdentityStore {
  private readonly now: () => number;
  private readonly cache = new Map<string, { revision: number; inventory: Inventory }>();

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly fingerprinter: SecretFingerprinter,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Parses YAML or CSV (by the file name) and imports every identity in it; all or nothing. */
  async importText(text: string, fileName: string, options: WriteOptions): Promise<ImportReport> {
    return this.import(importInventory(text, fileName), { ...options, source: options.source ?? fileName });
  }

  /** Validates one identity from the API (a YAML entry's shape) and stores it. */
  async put(input: unknown, options: WriteOptions): Promise<Identity> {
    const parsed = identityInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue ? formatPath(issue.path) : '';
      throw new WritError('WRIT_INPUT_INVALID', `identity, field ${field || '(identity)'}: ${issue ? describeIssue(issue, input) : 'is invalid'}`);
    }
    await this.import([parsed.data], { ...options, source: options.source ?? 'api' });
    return parsed.data;
  }

  /** Creates or replaces identities (by id) in one transaction, re-indexing each, and ledgers the change. */
  async import(identities: readonly Identity[], options: WriteOptions): Promise<ImportReport> {
    const report: ImportReport = { created: [], updated: [], unchanged: [] };
    if (identities.length === 0) return report;
    await this.store.transaction(async (trx) => {
      const now = this.now();
      const ids = identities.map((i) => i.id);
      const existing = new Map<string, { tenant: string; body: string; deleted_at: number | null }>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx.selectFrom('identities').select(['id', 'tenant', 'body', 'deleted_at']).where('id', 'in', ids.slice(i, i + 500)).execute();
        for (const row of rows) existing.set(row.id, row);
      }
      for (const identity of identities) {
        const before = existing.get(identity.id);
        if (before && before.tenant !== options.tenant) {
          throw new WritError('WRIT_CONFLICT', `identity ${identity.id} belongs to tenant ${before.tenant}, not ${options.tenant}; nothing was imported`);
        }
        const body = JSON.stringify(identity);
        if (before && before.deleted_at === null && before.body === body) {
          report.unchanged.push(identity.id);
          continue;
        }
        (before ? report.updated : report.created).push(identity.id);
        await this.write(trx, identity, options.tenant, now, before !== undefined);
      }
      if (report.created.length + report.updated.length === 0) return;
      await this.bump(trx);
      await this.ledger.append(trx, [
        {
          kind: 'identity.inventory_imported',
          actor: options.actor,
          payload: {
            tenant: options.tenant,
            source: options.source ?? null,
            created: report.created.length,
            updated: report.updated.length,
            unchanged: report.unchanged.length,
            identities: [...report.created, ...report.updated].slice(0, 1000),
          },
        },
      ]);
    });
    await this.ledger.afterCommit();
    return report;
  }

  /**
   * Removes an identity from the inventory. Its row stays, marked removed, so a later finding
   * that names it is told it no longer exists instead of being matched or silently dropped.
   */
  async remove(identityId: string, options: { actor: string; reason: string }): Promise<IdentityRecord> {
    if (!options.reason?.trim()) throw new WritError('WRIT_INPUT_INVALID', 'removing an identity needs a reason');
    await this.store.transaction(async (trx) => {
      const row = await trx.selectFrom('identities').select(['id', 'tenant', 'deleted_at']).where('id', '=', identityId).executeTakeFirst();
      if (!row || row.deleted_at !== null) throw new WritError('WRIT_NOT_FOUND', `identity ${identityId} is not in the inventory`);
      const now = this.now();
      await trx.updateTable('identities').set({ deleted_at: now, deleted_reason: options.reason, updated_at: now }).where('id', '=', identityId).execute();
      await trx.deleteFrom('identity_index').where('identity_id', '=', identityId).execute();
      await this.bump(trx);
      await this.ledger.append(trx, [{ kind: 'identity.removed', actor: options.actor, subjects: { identity: identityId }, payload: { tenant: row.tenant, reason: options.reason } }]);
    });
    await this.ledger.afterCommit();
    return (await this.record(identityId))!;
  }

  /** The identity if it exists (not removed). */
  async get(identityId: string): Promise<Identity | undefined> {
    const record = await this.record(identityId);
    return record && record.deletedAt === null ? record.identity : undefined;
  }

  /** The stored record, removed ones included. */
  async record(identityId: string, db: Db = this.store.db): Promise<IdentityRecord | undefined> {
    const row = await db.selectFrom('identities').selectAll().where('id', '=', identityId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(options: { tenant?: string; includeRemoved?: boolean } = {}): Promise<IdentityRecord[]> {
    let query = this.store.db.selectFrom('identities').selectAll().orderBy('id');
    if (options.tenant) query = query.where('tenant', '=', options.tenant);
    if (!options.includeRemoved) query = query.where('deleted_at', 'is', null);
    return (await query.execute()).map(toRecord);
  }

  /** Identity ids whose stored secret fingerprint or key id is this value (the database index). */
  async lookup(value: string): Promise<Array<{ identityId: string; by: 'fp' | 'key_id' }>> {
    const rows = await this.store.db.selectFrom('identity_index').select(['identity_id', 'kind']).where('value', '=', value).orderBy('identity_id').execute();
    return rows.map((r) => ({ identityId: r.identity_id, by: r.kind }));
  }

  /**
   * The tenant's live identities as an in-memory inventory with its fingerprint index, for
   * enrichment and dependency walks. Rebuilt only when the revision moved.
   */
  async inventory(tenant: string): Promise<Inventory> {
    const revision = await this.revision();
    const cached = this.cache.get(tenant);
    if (cached && cached.revision === revision) return cached.inventory;
    const rows = await this.store.db.selectFrom('identities').select('body').where('tenant', '=', tenant).where('deleted_at', 'is', null).execute();
    const inventory = new Inventory(this.fingerprinter, rows.map((r) => JSON.parse(r.body) as Identity));
    this.cache.set(tenant, { revision, inventory });
    return inventory;
  }

  /** The identity with its dependency chain, blast radius, reverse dependencies and recent authentications. */
  async describe(identityId: string, options: { authLimit?: number } = {}): Promise<IdentityDescription> {
    const record = await this.record(identityId);
    if (!record) throw new WritError('WRIT_NOT_FOUND', `identity ${identityId} is not in the inventory`);
    const inventory = await this.inventory(record.tenant);
    const chain = record.deletedAt === null ? inventory.dependencyChain(identityId) : null;
    const dependedOnBy = inventory
      .list()
      .filter((i) => i.dependents.some((d) => d.kind === 'identity' && d.ref === identityId))
      .map((i) => i.id)
      .sort();
    return { record, chain, blastRadius: chain?.blastRadius ?? 0, dependedOnBy, recentAuth: await this.recentAuth(identityId, { limit: options.authLimit ?? 20 }) };
  }

  /**
   * Stores authentication events, attributed to an identity directly, by key id, or by
   * system and principal (events that name no known identity are kept unattributed).
   */
  async recordAuthEvents(events: readonly AuthEvent[], tenant: string): Promise<{ stored: number; attributed: Array<string | undefined> }> {
    const inventory = await this.inventory(tenant);
    const attribution = new AuthLog({ maxPerIdentity: 1 });
    const now = this.now();
    const rows = events.map((event) => {
      const identityId = attribution.record(event, inventory);
      return { id: randomUUID(), tenant, identity_id: identityId ?? null, time: event.time, outcome: event.outcome, body: JSON.stringify({ ...event, ...(identityId ? { identityId } : {}) }), created_at: now };
    });
    await this.store.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('identity_auth_events').values(rows.slice(i, i + 200)).execute();
    });
    return { stored: rows.length, attributed: rows.map((r) => r.identity_id ?? undefined) };
  }

  /** Newest first. */
  async recentAuth(identityId: string, options: { sinceMs?: number; limit?: number } = {}): Promise<AuthEvent[]> {
    let query = this.store.db.selectFrom('identity_auth_events').select('body').where('identity_id', '=', identityId).orderBy('time', 'desc').limit(options.limit ?? 20);
    if (options.sinceMs !== undefined) query = query.where('time', '>=', options.sinceMs);
    return (await query.execute()).map((r) => JSON.parse(r.body) as AuthEvent);
  }

  /**
   * Records a rotation in the caller's transaction: the new secret's fingerprint joins the
   * identity (and the index) and `lastRotatedAt` moves; retired fingerprints leave it.
   */
  async recordRotation(trx: Db, identityId: string, change: { addFingerprint?: string; removeFingerprints?: readonly string[]; at: number; actor: string }): Promise<void> {
    const row = await trx.selectFrom('identities').select(['body', 'tenant']).where('id', '=', identityId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) return;
    const identity = JSON.parse(row.body) as Identity;
    const remove = new Set(change.removeFingerprints ?? []);
    const fingerprints = identity.secretFingerprints.filter((fp) => !remove.has(fp));
    if (change.addFingerprint && !fingerprints.includes(change.addFingerprint)) fingerprints.push(change.addFingerprint);
    // Retiring old secrets is the end of a rotation already recorded, not a new one.
    const next: Identity = { ...identity, secretFingerprints: fingerprints, lastRotatedAt: change.addFingerprint ? new Date(change.at).toISOString() : identity.lastRotatedAt };
    await this.write(trx, next, row.tenant, this.now(), true);
    await this.bump(trx);
    await this.ledger.append(trx, [
      {
        kind: 'identity.rotation_recorded',
        actor: change.actor,
        subjects: { identity: identityId },
        payload: { added: change.addFingerprint ?? null, removed: [...remove], fingerprints: fingerprints.length, at: next.lastRotatedAt },
      },
    ]);
  }

  private async write(trx: Db, identity: Identity, tenant: string, now: number, exists: boolean): Promise<void> {
    const values = {
      tenant,
      kind: identity.kind,
      class: identity.class,
      connector: identity.system.connector,
      target: identity.system.target,
      owner_team: identity.owner.team,
      body: JSON.stringify(identity),
      deleted_at: null,
      deleted_reason: null,
      updated_at: now,
    };
    if (exists) await trx.updateTable('identities').set(values).where('id', '=', identity.id).execute();
    else await trx.insertInto('identities').values({ id: identity.id, ...values, created_at: now }).execute();
    await trx.deleteFrom('identity_index').where('identity_id', '=', identity.id).execute();
    const index = [
      ...identity.secretFingerprints.map((value) => ({ kind: 'fp' as const, value, identity_id: identity.id })),
      ...identity.keyIds.map((value) => ({ kind: 'key_id' as const, value, identity_id: identity.id })),
    ];
    if (index.length > 0) await trx.insertInto('identity_index').values(index).execute();
  }

  private async bump(trx: Db): Promise<void> {
    await trx.updateTable('identity_meta').set({ value: sql<number>`value + 1` }).where('key', '=', 'revision').execute();
  }

  private async revision(): Promise<number> {
    const row = await this.store.db.selectFrom('identity_meta').select('value').where('key', '=', 'revision').executeTakeFirst();
    return Number(row?.value ?? 0);
  }
}

function toRecord(row: { body: string; tenant: string; deleted_at: number | null; deleted_reason: string | null; created_at: number; updated_at: number }): IdentityRecord {
  return {
    identity: JSON.parse(row.body) as Identity,
    tenant: row.tenant,
    deletedAt: row.deleted_at,
    deletedReason: row.deleted_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
