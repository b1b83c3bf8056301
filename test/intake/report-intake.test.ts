import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue } from '../../src/jobs/index.ts';
import { ReportIntake } from '../../src/intake/index.ts';
import { isWritError } from '../../src/errors/index.ts';
import { verifyStore } from '../../src/ledger/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { makeLedger } from '../support/ledger.ts';
import { ordinaryMessage, phishMessage } from '../support/kernel.ts';

function intakeOn(store: Store) {
  const { ledger, key } = makeLedger(store);
  const jobs = new JobQueue(store, { leaseMs: 10_000, maxAttempts: 3, backoffBaseMs: 1 });
  return { intake: new ReportIntake(store, ledger, jobs, { organisationDomains: ['example.test'] }), key };
}

/** A report as a report button sends it: the original attached as message/rfc822. */
function wrapped(original: string, reporter: string): Buffer {
  return Buffer.from(
    [
      `From: ${reporter}`,
      'To: phishing-reports@example.test',
      'Subject: Reported: suspicious message',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'This looks like phishing.',
      '--b1',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="original.eml"',
      '',
      original,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

for (const engine of ENGINES) {
  test(`${engine}: repeated reports of one message are counted, not re-triaged; a campaign gathers its messages`, async () => {
    await withStore(engine, async (store) => {
      const { intake, key } = intakeOn(store);
      const first = await intake.receive({ raw: Buffer.from(phishMessage(1)), reporter: 'Alice@Example.test', channel: 'cli', tenant: 'acme', wrapped: false });
      assert.equal(first.duplicate, false);
      assert.equal(first.status, 'triaged');
      assert.ok(first.campaignId);
      const again = await intake.receive({ raw: wrapped(phishMessage(1), 'bob@example.test'), reporter: 'bob@example.test', channel: 'imap', tenant: 'acme', wrapped: true });
      assert.equal(again.duplicate, true, 'the same message reported through another channel is the same report');
      assert.equal(again.reportId, first.reportId);
      assert.equal(again.reportCount, 2);
      const sibling = await intake.receive({ raw: Buffer.from(phishMessage(2)), reporter: 'carol@example.test', channel: 'upload', tenant: 'acme', wrapped: false });
      assert.equal(sibling.duplicate, false);
      assert.equal(sibling.campaignId, first.campaignId, 'a second message of the campaign joins it');
      const ordinary = await intake.receive({ raw: Buffer.from(ordinaryMessage(1)), reporter: 'dan@example.test', channel: 'cli', tenant: 'acme', wrapped: false });
      assert.notEqual(ordinary.campaignId, first.campaignId);

      const kinds = (await store.db.selectFrom('ledger_entries').select('kind').orderBy('seq').execute()).map((r) => r.kind);
      assert.equal(kinds.filter((k) => k === 'triage.assessed').length, 3, 'three distinct messages triaged once each');
      assert.equal(kinds.filter((k) => k === 'report.repeated').length, 1);
      const events = await store.db.selectFrom('report_events').select(['reporter', 'channel']).where('report_id', '=', first.reportId).execute();
      assert.deepEqual(events.map((e) => e.reporter).sort(), ['alice@example.test', 'bob@example.test']);
      const jobs = await store.db.selectFrom('jobs').select('kind').execute();
      assert.equal(jobs.length, 3, 'each distinct report is handed to the playbook once');
      const campaign = await store.db.selectFrom('campaigns').selectAll().where('id', '=', first.campaignId!).executeTakeFirstOrThrow();
      const criteria = JSON.parse(campaign.criteria) as Array<Record<string, string>>;
      assert.ok(criteria.some((c) => c.messageId === '<campaign-1@examp1e-support.test>'));
      assert.ok(criteria.some((c) => c.messageId === '<campaign-2@examp1e-support.test>'));
      assert.ok((await verifyStore(store, key)).entries >= 7);
      const raw = await intake.raw((JSON.parse((await store.db.selectFrom('reports').select('analysis').where('id', '=', first.reportId).executeTakeFirstOrThrow()).analysis) as { sha256: string }).sha256);
      assert.equal(raw?.toString(), phishMessage(1), 'the original is kept for evidence');
    });
  });

  test(`${engine}: a report without an extractable original is recorded and routed to a person; bad input is refused`, async () => {
    await withStore(engine, async (store) => {
      const { intake } = intakeOn(store);
      const inline = Buffer.from('From: erin@example.test\r\nSubject: Fwd: pay this invoice\r\n\r\n---------- Forwarded message ---------\r\nFrom: ceo@examp1e.test\r\nPlease wire 40k today.\r\n');
      const outcome = await intake.receive({ raw: inline, reporter: 'erin@example.test', channel: 'imap', tenant: 'acme', wrapped: true });
      assert.equal(outcome.status, 'unextractable');
      assert.equal(outcome.verdict, 'uncertain', 'a person decides');
      assert.equal(outcome.campaignId, null);
      assert.match(outcome.reasons[0]!, /no attached original/);
      await assert.rejects(intake.receive({ raw: Buffer.alloc(0), reporter: 'erin@example.test', channel: 'cli', tenant: 'acme', wrapped: false }), (e) => isWritError(e, 'WRIT_MAIL_INVALID'));
      await assert.rejects(intake.receive({ raw: inline, reporter: 'not an address', channel: 'cli', tenant: 'acme', wrapped: false }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
      const count = await store.db.selectFrom('reports').select('id').execute();
      assert.equal(count.length, 1, 'refused input wrote nothing');
    });
  });
}
