import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app/index.ts';
import { jobHandlers } from '../app/job-handlers.ts';
import { Worker } from '../jobs/index.ts';
import { verifierKey, verifyStore } from '../ledger/index.ts';
import { CAMPAIGN_SENDER, CAMPAIGN_SUBJECT, campaignMessage, demoMailboxes, ordinaryMail, reportOf } from './demo-world.ts';

export interface DemoSummary {
  mailboxes: number;
  reports: number;
  campaignSize: number;
  contained: number;
  remainingInInboxes: number;
  reportToContainmentMs: number | null;
  casesForAnalyst: number;
  caseId: string | null;
  caseStatus: string | null;
  ledgerEntries: number;
  ledgerVerified: boolean;
}

const MARKER = '.writ-demo';

/**
 * The closed loop on a fresh clone: a Maildir world of `mailboxes` people with a phishing
 * campaign among ordinary mail; one person reports it; Writ triages, retro-hunts,
 * contains under policy, notifies and closes the case on read-back evidence.
 */
export async function runDemo(app: App, options: { mailboxes?: number; recipients?: number; reset?: boolean } = {}): Promise<DemoSummary | 'exists'> {
  const root = app.config.mail.maildirRoot;
  if (existsSync(join(root, MARKER))) {
    if (!options.reset) return 'exists';
  }
  if (options.reset) rmSync(root, { recursive: true, force: true });
  const mailboxes = demoMailboxes(options.mailboxes ?? 50);
  const recipients = mailboxes.slice(0, Math.min(options.recipients ?? 30, mailboxes.length));
  for (const [i, mailbox] of mailboxes.entries()) {
    for (const raw of ordinaryMail(mailbox, i)) await app.mail.deliver(mailbox, raw);
  }
  for (const mailbox of recipients) await app.mail.deliver(mailbox, campaignMessage(mailbox));
  writeFileSync(join(root, MARKER), `demo world built ${new Date().toISOString()}\n`);

  const reporter = recipients[0]!;
  const reportedAt = Date.now();
  const outcome = await app.intake.receive({ raw: reportOf(campaignMessage(reporter), reporter), reporter, channel: 'imap', tenant: app.config.tenants.default, wrapped: true });
  const worker = new Worker(app.jobs, jobHandlers(app), { concurrency: 1, pollMs: 20, logger: app.logger, redact: (t) => app.redactor.redactText(t) });
  // Work until the case is closed on read-back evidence (a closure check that ran before
  // the purge is retried after a short backoff), or give up after 60 s.
  const deadline = Date.now() + 60_000;
  let containedAt = Date.now();
  for (;;) {
    await worker.runUntilIdle();
    const row = await app.store.db.selectFrom('reports').select('case_id').where('id', '=', outcome.reportId).executeTakeFirstOrThrow();
    const purged = row.case_id ? await app.store.db.selectFrom('actions').select(['status', 'executed_at']).where('case_id', '=', row.case_id).where('type', '=', 'purge_campaign').executeTakeFirst() : undefined;
    if (purged?.executed_at) containedAt = purged.executed_at;
    const open = row.case_id ? (await app.kernel.cases.get(row.case_id)).status === 'open' : false;
    if (!open || Date.now() > deadline || (purged && purged.status !== 'executed' && purged.status !== 'approved' && purged.status !== 'executing')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const report = await app.store.db.selectFrom('reports').select(['case_id', 'campaign_id']).where('id', '=', outcome.reportId).executeTakeFirstOrThrow();
  const purge = report.case_id
    ? await app.store.db.selectFrom('actions').select(['status', 'result']).where('case_id', '=', report.case_id).where('type', '=', 'purge_campaign').executeTakeFirst()
    : undefined;
  const found = purge?.result ? Number((JSON.parse(purge.result) as { result?: { found?: number } }).result?.found ?? 0) : 0;
  const remaining = await app.mail.countRemaining({ from: CAMPAIGN_SENDER, subject: CAMPAIGN_SUBJECT });
  const caseRow = report.case_id ? await app.kernel.cases.get(report.case_id) : undefined;
  const openCases = await app.store.db.selectFrom('cases').select('id').where('status', '=', 'open').execute();
  await app.ledger.checkpoint();
  const verified = await verifyStore(app.store, verifierKey(app.ledger.origin, app.ledger.publicKey));
  return {
    mailboxes: mailboxes.length,
    reports: 1,
    campaignSize: recipients.length,
    contained: purge?.status === 'executed' ? found : 0,
    remainingInInboxes: remaining,
    reportToContainmentMs: purge?.status === 'executed' ? containedAt - reportedAt : null,
    casesForAnalyst: openCases.length,
    caseId: report.case_id,
    caseStatus: caseRow?.status ?? null,
    ledgerEntries: verified.entries,
    ledgerVerified: true,
  };
}
