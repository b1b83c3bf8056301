import type { App } from './open-app.ts';
import { Worker } from '../jobs/index.ts';
import { buildHttpServer } from '../api/index.ts';
import { jobHandlers } from './job-handlers.ts';
import { ReportMailboxPoller } from '../intake/index.ts';

export interface RunningServer {
  url: string;
  worker: Worker;
  stop(graceMs?: number): Promise<void>;
}

/** Starts HTTP and workers; `stop` drains both and signs a final checkpoint. */
export async function startServer(app: App): Promise<RunningServer> {
  // The policy set in force is loaded (on a fresh database: the shipped defaults are
  // deployed and ledgered) before anything can be proposed.
  await app.kernel.policies.current();
  const worker = new Worker(app.jobs, jobHandlers(app), {
    concurrency: app.config.jobs.workers,
    pollMs: app.config.jobs.pollMs,
    logger: app.logger.child({ component: 'worker' }),
    redact: (text) => app.redactor.redactText(text),
  });
  let workersRunning = false;
  const http = buildHttpServer(app, { workersRunning: () => workersRunning });
  const url = await http.listen({ host: app.config.http.host, port: app.config.http.port });
  if (app.config.jobs.workers > 0) {
    worker.start();
    workersRunning = true;
  }
  const poller = app.config.mail.reportMailboxUrl ? reportPoller(app, app.config.mail.reportMailboxUrl) : undefined;
  poller?.start(app.config.mail.reportPollMs);
  const interval = Math.max(app.config.ledger.checkpointIntervalMs, 250);
  const checkpointTimer = setInterval(() => {
    app.ledger.checkpoint().catch((error: unknown) => app.logger.warn({ err: error }, 'checkpoint failed'));
  }, interval);
  checkpointTimer.unref();
  let stopping: Promise<void> | undefined;
  return {
    url,
    worker,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        clearInterval(checkpointTimer);
        await poller?.stop();
        await http.close();
        workersRunning = false;
        await worker.stop(graceMs);
        await app.close();
      })();
      return stopping;
    },
  };
}

/** The reporting mailbox from its URL: imap://user:password@host:port/FOLDER. */
export function reportPoller(app: App, url: string): ReportMailboxPoller {
  const parsed = new URL(url);
  return new ReportMailboxPoller(app.intake, {
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === 'imaps:' ? 993 : 143)),
    secure: parsed.protocol === 'imaps:',
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    folder: decodeURIComponent(parsed.pathname.slice(1)) || 'INBOX',
    tenant: app.config.tenants.default,
    logger: app.logger.child({ component: 'report-mailbox' }),
  });
}
