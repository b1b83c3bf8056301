import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { openApp, type App } from '../../src/app/index.ts';
import { jobHandlers } from '../../src/app/job-handlers.ts';
import { Worker } from '../../src/jobs/index.ts';
import { verifierKey, verifyStore } from '../../src/ledger/index.ts';
import { CAMPAIGN_SENDER, CAMPAIGN_SUBJECT, runDemo, ordinaryMail, reportOf } from '../../src/demo/index.ts';
import { ENGINES, createTestDatabase, tempDir } from '../support/engines.ts';

async function withApp(engine: (typeof ENGINES)[number], body: (app: App) => Promise<void>) {
  const dir = tempDir();
  const database = await createTestDatabase(engine);
  const app = await openApp(loadConfig({ WRIT_DATA_DIR: join(dir.path, 'data'), WRIT_DATABASE_URL: database.url, WRIT_LOG_LEVEL: 'silent', WRIT_JOB_BACKOFF_MS: '20' }));
  try {
    await body(app);
  } finally {
    await app.close();
    await database.drop();
    dir.remove();
  }
}

const work = (app: App) => new Worker(app.jobs, jobHandlers(app), { concurrency: 1, pollMs: 20, logger: app.logger }).runUntilIdle();

for (const engine of ENGINES) {
  test(`${engine}: one report contains the whole campaign, notifies the reporter, and closes on read-back evidence`, async () => {
    await withApp(engine, async (app) => {
      const summary = await runDemo(app, { mailboxes: 12, recipients: 7 });
      assert.notEqual(summary, 'exists');
      if (summary === 'exists') return;
      assert.equal(summary.campaignSize, 7);
      assert.equal(summary.contained, 7);
      assert.equal(summary.remainingInInboxes, 0);
      assert.equal(await app.mail.countRemaining({ subject: 'Lift maintenance' }) > 0, true, 'ordinary mail stays');
      assert.equal(summary.caseStatus, 'closed');
      assert.equal(summary.casesForAnalyst, 0);
      const reporter = (await app.store.db.selectFrom('report_events').select('reporter').executeTakeFirstOrThrow()).reporter;
      assert.equal(await app.mail.countRemaining({ subject: 'Your report was phishing' }, { mailboxes: [reporter] }), 1, 'the reporter was told');
      const kinds = (await app.store.db.selectFrom('ledger_entries').select('kind').orderBy('seq').execute()).map((r) => r.kind);
      for (const kind of ['report.received', 'triage.assessed', 'playbook.ran', 'case.opened', 'policy.decided', 'grant.issued', 'action.executed', 'case.closed']) assert.ok(kinds.includes(kind), kind);
      assert.ok((await verifyStore(app.store, verifierKey(app.ledger.origin, app.ledger.publicKey))).entries > 10);

      // The same campaign reported again by another recipient is counted, not re-run.
      const again = await app.intake.receive({ raw: reportOf((await import('../../src/demo/index.ts')).campaignMessage(summary.caseId ? 'ana.lopez@example.test' : ''), 'ana.lopez@example.test'), reporter: 'ana.lopez@example.test', channel: 'imap', tenant: 'default', wrapped: true });
      assert.equal(again.duplicate, true);
      assert.equal(await work(app), 0, 'no second playbook run');
      assert.equal(await app.mail.countRemaining({ from: CAMPAIGN_SENDER, subject: CAMPAIGN_SUBJECT }), 0);
    });
  });

  test(`${engine}: a safe report is closed with a note and no case; an unextractable one waits for an analyst`, async () => {
    await withApp(engine, async (app) => {
      const mailbox = 'ben.lopez@example.test';
      const [ordinary] = ordinaryMail(mailbox, 1);
      await app.mail.deliver(mailbox, ordinary!);
      const safe = await app.intake.receive({ raw: Buffer.from(ordinary!), reporter: mailbox, channel: 'upload', tenant: 'default', wrapped: false });
      assert.equal(safe.verdict, 'safe');
      await work(app);
      assert.equal((await app.store.db.selectFrom('cases').select('id').execute()).length, 0, 'no case for a safe report');
      assert.equal(await app.mail.countRemaining({ subject: 'Your report was checked' }, { mailboxes: [mailbox] }), 1);

      const inline = Buffer.from('From: ben.lopez@example.test\r\nSubject: Fwd: strange invoice\r\n\r\nForwarded inline, no attachment.\r\n');
      const routed = await app.intake.receive({ raw: inline, reporter: mailbox, channel: 'imap', tenant: 'default', wrapped: true });
      assert.equal(routed.verdict, 'uncertain');
      await work(app);
      const cases = await app.store.db.selectFrom('cases').selectAll().execute();
      assert.equal(cases.length, 1);
      assert.equal(cases[0]!.queue, 'email-security');
      assert.equal(cases[0]!.status, 'open', 'left for an analyst');
      assert.equal(await app.mail.countRemaining({ subject: 'Your report is under review' }, { mailboxes: [mailbox] }), 1);
    });
  });
}
