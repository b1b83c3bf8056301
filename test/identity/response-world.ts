import { randomBytes } from 'node:crypto';
import { JobQueue, type JobHandler } from '../../src/jobs/index.ts';
import { createKernel, type Kernel } from '../../src/kernel/index.ts';
import type { Fingerprinter } from '../../src/secrets/index.ts';
import type { Store } from '../../src/store/index.ts';
import { identityJobHandlers, MemorySecretSink, registerIdentityResponse, type DependentProbe, type IdentityResponse, type IdentitySystem } from '../../src/identity/index.ts';
import { makeLedger } from '../support/ledger.ts';
import { TestClock } from '../support/kernel.ts';

export interface IdentityWorld {
  kernel: Kernel;
  queue: JobQueue;
  clock: TestClock;
  key: string;
  fingerprinter: Fingerprinter;
  response: IdentityResponse;
  sink: MemorySecretSink;
  /** Runs every job due by the test clock until none is left. */
  drain(): Promise<number>;
  /** Moves the clock on, then drains. */
  later(ms: number): Promise<number>;
  dispose(): Promise<void>;
}

export interface WorldOptions {
  /** The identity systems, built with the world's fingerprinter (the app's, shared with the inventory). */
  systems: (fingerprinter: Fingerprinter) => Record<string, IdentitySystem>;
  probe?: DependentProbe;
  playbookOwner?: string;
  stagedWindowMs?: number;
  rotationGraceSeconds?: number;
  pollMs?: number;
  /** Sign a checkpoint at most this often (default 0: after every append, so tests can verify all). */
  checkpointIntervalMs?: number;
}

export async function makeIdentityWorld(store: Store, options: WorldOptions): Promise<IdentityWorld> {
  const clock = new TestClock(Date.now());
  const { ledger, key, fingerprinter } = makeLedger(store, { checkpointIntervalMs: options.checkpointIntervalMs ?? 0 });
  const queue = new JobQueue(store, { leaseMs: 60_000, maxAttempts: 3, backoffBaseMs: 1, now: clock.now });
  const kernel = createKernel(store, ledger, queue, { grantKey: randomBytes(32), grantTtlMs: 5 * 60_000, approvalTtlMs: 3_600_000, incidentMaxMs: 86_400_000, now: clock.now, tenants: { acme: { regulated: false } } });
  const sink = new MemorySecretSink();
  const host = { store, ledger, jobs: queue, kernel, fingerprinter, config: { dataDir: '/nonexistent', tenants: { default: 'acme' } } };
  const response = registerIdentityResponse(host, {
    systems: options.systems(fingerprinter),
    sink,
    ...(options.probe ? { probe: options.probe } : {}),
    ...(options.playbookOwner ? { playbookOwner: options.playbookOwner } : {}),
    ...(options.stagedWindowMs === undefined ? {} : { stagedWindowMs: options.stagedWindowMs }),
    ...(options.rotationGraceSeconds === undefined ? {} : { rotationGraceSeconds: options.rotationGraceSeconds }),
    pollMs: options.pollMs ?? 10_000,
    now: clock.now,
  });
  const handlers = new Map<string, JobHandler>([...kernel.jobHandlers(), ...identityJobHandlers(host)]);
  const drain = async () => {
    let ran = 0;
    for (let round = 0; round < 200; round++) {
      const jobs = await queue.lease('test', 10);
      if (jobs.length === 0) return ran;
      for (const job of jobs) {
        const handler = handlers.get(job.kind);
        if (!handler) throw new Error(`no handler for job ${job.kind}`);
        try {
          let completed = false;
          const result = await handler(job.payload, { job, stopping: false, complete: async (fx) => { completed = true; return queue.complete(job, fx); } });
          if (!completed) await queue.complete(job, async () => result);
        } catch (error) {
          await queue.fail(job, error);
        }
        ran += 1;
      }
    }
    throw new Error('jobs kept coming after 200 rounds');
  };
  return {
    kernel,
    queue,
    clock,
    key,
    fingerprinter,
    response,
    sink,
    drain,
    async later(ms) {
      clock.advance(ms);
      return drain();
    },
    async dispose() {
      await response.close();
      kernel.close();
    },
  };
}

/** Every place in the database a value could have leaked to: ledger, actions, jobs, cases and the identity tables. */
export async function databaseText(store: Store): Promise<string> {
  const parts: unknown[] = [];
  for (const table of ['ledger_entries', 'actions', 'jobs', 'cases', 'grants', 'connector_journal', 'identities', 'identity_index', 'identity_findings', 'identity_plans', 'identity_plan_steps', 'identity_rotations', 'identity_auth_events'] as const) {
    parts.push(await store.db.selectFrom(table).selectAll().execute());
  }
  return JSON.stringify(parts);
}

export async function ledgerKinds(store: Store, filter: { action?: string; case?: string } = {}): Promise<string[]> {
  let q = store.db.selectFrom('ledger_entries').select('kind').orderBy('seq');
  if (filter.action) q = q.where('action_id', '=', filter.action);
  if (filter.case) q = q.where('case_id', '=', filter.case);
  return (await q.execute()).map((r) => r.kind);
}
