import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { WritError } from '../errors/index.ts';
import type { Db, Store } from '../store/index.ts';

export interface EnqueueRequest {
  kind: string;
  payload: unknown;
  /** Names the work, not the attempt: enqueuing the same key twice yields one job. */
  idempotencyKey: string;
  runAt?: number;
  maxAttempts?: number;
}

export interface Job {
  id: string;
  kind: string;
  payload: unknown;
  idempotencyKey: string;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string;
  leaseExpiresAt: number;
}

export interface JobQueueOptions {
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  /** Backoff never exceeds this. */
  backoffMaxMs?: number;
  now?: () => number;
}

export interface JobRow {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  result: string | null;
  idempotency_key: string;
}

/**
 * Durable work in the database. Jobs are enqueued in the transaction that causes them
 * (the outbox), leased with an expiry (`FOR UPDATE SKIP LOCKED` on PostgreSQL), retried
 * with exponential backoff and dead-lettered after `maxAttempts`.
 *
 * Completion is fenced by the lease: `complete` commits the job's own effects together
 * with "done" only while this worker still holds the lease, so a worker that stalled past
 * its lease while another took the job over cannot apply the job a second time.
 */
export class JobQueue {
  private readonly now: () => number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly store: Store,
    private readonly options: JobQueueOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.backoffMaxMs = options.backoffMaxMs ?? 15 * 60_000;
  }

  /** Enqueues within the caller's transaction. Returns the id of the (possibly existing) job. */
  async enqueue(trx: Db, request: EnqueueRequest): Promise<string> {
    if (!request.idempotencyKey) throw new WritError('WRIT_INPUT_INVALID', 'a job needs an idempotency key');
    const now = this.now();
    const id = randomUUID();
    await trx
      .insertInto('jobs')
      .values({
        id,
        kind: request.kind,
        payload: JSON.stringify(request.payload ?? null),
        idempotency_key: request.idempotencyKey,
        status: 'ready',
        attempts: 0,
        max_attempts: request.maxAttempts ?? this.options.maxAttempts,
        run_at: request.runAt ?? now,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        result: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    const row = await trx.selectFrom('jobs').select('id').where('idempotency_key', '=', request.idempotencyKey).executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Leases up to `limit` runnable jobs: ready ones that are due, and leased ones whose
   * holder let the lease expire (it died or stalled). A job that has used up its attempts
   * through expired leases is dead-lettered instead of being handed out again.
   */
  async lease(owner: string, limit: number, kinds?: readonly string[]): Promise<Job[]> {
    return this.store.transaction(async (trx) => {
      const now = this.now();
      let candidates = trx
        .selectFrom('jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'ready'), eb('run_at', '<=', now)]),
            eb.and([eb('status', '=', 'leased'), eb('lease_expires_at', '<', now)]),
          ]),
        )
        .orderBy('run_at')
        .limit(limit);
      if (kinds && kinds.length > 0) candidates = candidates.where('kind', 'in', kinds);
      if (this.store.engine === 'postgres') candidates = candidates.forUpdate().skipLocked();
      const ids = (await candidates.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await trx
        .updateTable('jobs')
        .set({
          status: 'leased',
          lease_owner: owner,
          lease_expires_at: now + this.options.leaseMs,
          attempts: sql<number>`attempts + 1`,
          updated_at: now,
        })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      const jobs: Job[] = [];
      for (const row of rows) {
        if (row.attempts > row.max_attempts) {
          await trx
            .updateTable('jobs')
            .set({ status: 'dead', lease_owner: null, lease_expires_at: null, last_error: row.last_error ?? 'lease expired on every attempt', updated_at: now })
            .where('id', '=', row.id)
            .execute();
          continue;
        }
        jobs.push({
          id: row.id,
          kind: row.kind,
          payload: JSON.parse(row.payload) as unknown,
          idempotencyKey: row.idempotency_key,
          attempts: row.attempts,
          maxAttempts: row.max_attempts,
          leaseOwner: owner,
          leaseExpiresAt: now + this.options.leaseMs,
        });
      }
      return jobs;
    });
  }

  /**
   * Runs `effects` and marks the job done in one transaction, only while `job`'s lease is
   * still held. Throws WRIT_CONFLICT (and commits nothing) when the lease was lost.
   */
  async complete<T>(job: Job, effects: (trx: Db) => Promise<T>, result?: unknown): Promise<T> {
    return this.store.transaction(async (trx) => {
      const value = await effects(trx);
      const updated = await trx
        .updateTable('jobs')
        .set({
          status: 'done',
          lease_owner: null,
          lease_expires_at: null,
          result: toJson(result ?? value ?? null),
          updated_at: this.now(),
        })
        .where('id', '=', job.id)
        .where('status', '=', 'leased')
        .where('lease_owner', '=', job.leaseOwner)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        throw new WritError('WRIT_CONFLICT', `job ${job.id} is no longer leased by ${job.leaseOwner}; its effects were not applied`);
      }
      return value;
    });
  }

  /** Records a failed attempt: retried after backoff, or dead-lettered when attempts are spent. */
  async fail(job: Job, error: unknown, options: { retryable?: boolean } = {}): Promise<'retry' | 'dead'> {
    const now = this.now();
    const retryable = options.retryable ?? (error instanceof WritError ? error.retryable : true);
    const dead = !retryable || job.attempts >= job.maxAttempts;
    const delay = Math.min(this.backoffMaxMs, this.options.backoffBaseMs * 2 ** (job.attempts - 1));
    const jitter = Math.floor(Math.random() * Math.min(delay, 1000) * 0.2);
    await this.store.db
      .updateTable('jobs')
      .set({
        status: dead ? 'dead' : 'ready',
        run_at: dead ? now : now + delay + jitter,
        lease_owner: null,
        lease_expires_at: null,
        last_error: describe(error),
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', job.leaseOwner)
      .execute();
    return dead ? 'dead' : 'retry';
  }

  /** Gives a job back unfinished (graceful shutdown); the attempt does not count. */
  async release(job: Job): Promise<void> {
    await this.store.db
      .updateTable('jobs')
      .set({ status: 'ready', lease_owner: null, lease_expires_at: null, attempts: sql<number>`attempts - 1`, updated_at: this.now() })
      .where('id', '=', job.id)
      .where('status', '=', 'leased')
      .where('lease_owner', '=', job.leaseOwner)
      .execute();
  }

  /** Extends a lease for long-running work. Returns false if the lease was already lost. */
  async heartbeat(job: Job): Promise<boolean> {
    const expires = this.now() + this.options.leaseMs;
    const updated = await this.store.db
      .updateTable('jobs')
      .set({ lease_expires_at: expires, updated_at: this.now() })
      .where('id', '=', job.id)
      .where('status', '=', 'leased')
      .where('lease_owner', '=', job.leaseOwner)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    job.leaseExpiresAt = expires;
    return true;
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.store.db
      .selectFrom('jobs')
      .select(['id', 'kind', 'status', 'attempts', 'max_attempts', 'last_error', 'result', 'idempotency_key'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.store.db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/** Job results are for operators; a bigint (a row count from a driver) becomes a string. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

function describe(error: unknown): string {
  if (error instanceof WritError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message.slice(0, 1000);
  return String(error).slice(0, 1000);
}
