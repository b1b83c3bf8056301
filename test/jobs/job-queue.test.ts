import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue } from '../../src/jobs/index.ts';
import { isWritError, WritError } from '../../src/errors/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, tempDir, withStore } from '../support/engines.ts';

const queueOn = (store: Store, options: Partial<{ leaseMs: number; maxAttempts: number }> = {}) =>
  new JobQueue(store, { leaseMs: options.leaseMs ?? 10_000, maxAttempts: options.maxAttempts ?? 3, backoffBaseMs: 1 });

async function effects(store: Store, name: string): Promise<number> {
  const rows = await store.db.selectFrom('writ_meta').select('key').where('key', 'like', `effect:${name}:%`).execute();
  return rows.length;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

for (const engine of ENGINES) {
  test(`${engine}: a job enqueued in a rolled-back transaction does not exist (outbox)`, async () => {
    await withStore(engine, async (store) => {
      const queue = queueOn(store);
      await assert.rejects(
        store.transaction(async (trx) => {
          await queue.enqueue(trx, { kind: 'k', payload: {}, idempotencyKey: 'a' });
          throw new Error('state change failed');
        }),
      );
      assert.deepEqual(await queue.counts(), {});
      const id1 = await store.transaction((trx) => queue.enqueue(trx, { kind: 'k', payload: { x: 1 }, idempotencyKey: 'b' }));
      const id2 = await store.transaction((trx) => queue.enqueue(trx, { kind: 'k', payload: { x: 2 }, idempotencyKey: 'b' }));
      assert.equal(id1, id2, 'the same idempotency key is one job');
      assert.deepEqual(await queue.counts(), { ready: 1 });
    });
  });

  test(`${engine}: concurrent leases never hand out the same job`, async () => {
    await withStore(engine, async (store) => {
      const queue = queueOn(store);
      await store.transaction(async (trx) => {
        for (let i = 0; i < 40; i++) await queue.enqueue(trx, { kind: 'k', payload: i, idempotencyKey: `j${i}` });
      });
      const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => queue.lease(`w${i}`, 7)));
      const ids = batches.flat().map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, 'no job leased twice');
      assert.equal(ids.length, 40);
    });
  });

  test(`${engine}: failures retry with backoff, then dead-letter; non-retryable errors dead-letter at once`, async () => {
    await withStore(engine, async (store) => {
      const queue = queueOn(store, { maxAttempts: 3 });
      await store.transaction((trx) => queue.enqueue(trx, { kind: 'k', payload: null, idempotencyKey: 'r' }));
      const outcomes: string[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        let job;
        const deadline = Date.now() + 5000;
        while (!(job = (await queue.lease('w', 1))[0])) {
          assert.ok(Date.now() < deadline, 'the retried job becomes due again');
          await sleep(5);
        }
        assert.equal(job.attempts, attempt);
        outcomes.push(await queue.fail(job, new Error(`transient ${attempt}`)));
      }
      assert.deepEqual(outcomes, ['retry', 'retry', 'dead']);
      const [row] = await store.db.selectFrom('jobs').selectAll().execute();
      assert.equal(row!.status, 'dead');
      assert.match(row!.last_error!, /transient 3/);

      await store.transaction((trx) => queue.enqueue(trx, { kind: 'k', payload: null, idempotencyKey: 'nr' }));
      const [job] = await queue.lease('w', 1);
      assert.equal(await queue.fail(job!, new WritError('WRIT_INPUT_INVALID', 'bad payload')), 'dead');
    });
  });

  test(`${engine}: a worker that lost its lease cannot complete the job a second time`, async () => {
    await withStore(engine, async (store) => {
      const queue = queueOn(store, { leaseMs: 50 });
      await store.transaction((trx) => queue.enqueue(trx, { kind: 'k', payload: null, idempotencyKey: 'f' }));
      const [stale] = await queue.lease('slow', 1);
      await sleep(80);
      const [fresh] = await queue.lease('fast', 1);
      assert.equal(fresh!.id, stale!.id, 'the expired lease is taken over');
      await queue.complete(fresh!, (trx) => trx.insertInto('writ_meta').values({ key: 'effect:f:1', value: 'fast' }).execute());
      await assert.rejects(
        queue.complete(stale!, (trx) => trx.insertInto('writ_meta').values({ key: 'effect:f:2', value: 'slow' }).execute()),
        (e) => isWritError(e, 'WRIT_CONFLICT'),
      );
      assert.equal(await effects(store, 'f'), 1);
    });
  });

  test(`${engine}: a worker process SIGKILLed mid-job: the job completes exactly once`, async () => {
    await withStore(engine, async (store, database) => {
      const queue = queueOn(store);
      await store.transaction((trx) => queue.enqueue(trx, { kind: 'test.effect', payload: { name: 'kill' }, idempotencyKey: 'kill' }));
      const markers = tempDir();
      const children: ChildProcess[] = [];
      const startWorker = (sleepMs: number, leaseMs: number) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/job-worker.ts'), database.url, markers.path, String(sleepMs), String(leaseMs)], { stdio: 'inherit' });
        children.push(child);
        return child;
      };
      try {
        const doomed = startWorker(60_000, 1000);
        await until(() => existsSync(join(markers.path, `started-${doomed.pid}`)), 30_000, 'the first worker to start the job');
        doomed.kill('SIGKILL');
        await new Promise((resolve) => doomed.once('exit', resolve));
        assert.equal(await effects(store, 'kill'), 0, 'nothing applied by the killed worker');
        const survivor = startWorker(0, 1000);
        await until(async () => (await queue.counts()).done === 1, 30_000, 'the job to complete');
        assert.equal(await effects(store, 'kill'), 1, 'applied exactly once');
        const [row] = await store.db.selectFrom('jobs').selectAll().execute();
        assert.equal(row!.attempts, 2);
        survivor.kill('SIGTERM');
        await new Promise((resolve) => survivor.once('exit', resolve));
        assert.ok(readdirSync(markers.path).includes(`finished-${survivor.pid}`));
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
        markers.remove();
      }
    });
  });
}
