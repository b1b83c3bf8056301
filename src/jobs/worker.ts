import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { WritError } from '../errors/index.ts';
import type { Db } from '../store/index.ts';
import type { Job, JobQueue } from './job-queue.ts';

export interface JobContext {
  job: Job;
  /** The job's own effects, committed together with its completion (exactly once). */
  complete<T>(effects: (trx: Db) => Promise<T>): Promise<T>;
  /** True once shutdown has begun; long handlers may stop early and be released. */
  readonly stopping: boolean;
}

/** A handler either calls `ctx.complete` itself, or returns and the job completes with no effects. */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  concurrency: number;
  pollMs: number;
  logger: Logger;
  /** Makes text safe to store (redacts secrets from error messages). */
  redact?: (text: string) => string;
}

/**
 * Leases jobs and runs their handlers, `concurrency` at a time. Stopping stops leasing,
 * lets in-flight jobs finish within the grace period, then releases what is left.
 */
export class Worker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Runs due jobs until none is left (for the CLI and tests): the same leasing, fencing and
   * retries as the background loop. Returns how many jobs were run.
   */
  async runUntilIdle(maxJobs = 10_000): Promise<number> {
    let ran = 0;
    const kinds = [...this.handlers.keys()];
    while (ran < maxJobs) {
      const jobs = await this.queue.lease(this.owner, Math.max(1, this.options.concurrency), kinds);
      if (jobs.length === 0) break;
      await Promise.all(jobs.map((job) => this.execute(job)));
      ran += jobs.length;
    }
    return ran;
  }

  /** Wakes an idle worker at once, e.g. after enqueuing in this process. */
  poke(): void {
    this.wake?.();
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.running = false;
    this.wake?.();
    await this.loop;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), timeout]);
  }

  private async run(): Promise<void> {
    const kinds = [...this.handlers.keys()];
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let leased: Job[] = [];
      if (free > 0) {
        try {
          leased = await this.queue.lease(this.owner, free, kinds);
        } catch (error) {
          this.options.logger.warn({ err: this.safe(error) }, 'leasing jobs failed; will retry');
        }
      }
      for (const job of leased) this.track(job);
      if (leased.length === 0 || this.inFlight.size >= this.options.concurrency) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private track(job: Job): void {
    const run = this.execute(job).finally(() => {
      this.inFlight.delete(job.id);
      this.wake?.();
    });
    this.inFlight.set(job.id, run);
  }

  private async execute(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    const log = this.options.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    let completed = false;
    const worker = this;
    const ctx: JobContext = {
      job,
      get stopping() {
        return worker.stopping;
      },
      complete: async (effects) => {
        const value = await this.queue.complete(job, effects);
        completed = true;
        return value;
      },
    };
    try {
      if (!handler) throw new WritError('WRIT_JOB_FAILED', `no handler for job kind ${job.kind}`, { retryable: false });
      const result = await handler(job.payload, ctx);
      if (!completed) await this.queue.complete(job, async () => result);
      log.debug('job done');
    } catch (error) {
      if (error instanceof WritError && error.code === 'WRIT_CONFLICT') {
        log.warn('lease lost before completion; another worker owns the job now');
        return;
      }
      if (this.stopping && !completed) {
        await this.queue.release(job).catch(() => undefined);
        return;
      }
      const outcome = await this.queue.fail(job, this.safeError(error)).catch(() => 'unknown');
      log.warn({ err: this.safe(error), outcome }, 'job failed');
    }
  }

  private safe(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return this.options.redact ? this.options.redact(text) : text;
  }

  private safeError(error: unknown): unknown {
    if (error instanceof WritError) {
      return new WritError(error.code, this.safe(error), { retryable: error.retryable });
    }
    return new Error(this.safe(error));
  }
}
