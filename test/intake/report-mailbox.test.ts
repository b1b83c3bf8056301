import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { JobQueue } from '../../src/jobs/index.ts';
import { ReportIntake, ReportMailboxPoller } from '../../src/intake/index.ts';
import { isWritError } from '../../src/errors/index.ts';
import { withStore } from '../support/engines.ts';
import { makeLedger } from '../support/ledger.ts';
import { startDovecot } from '../support/dovecot.ts';
import { campaignMessage, reportOf } from '../../src/demo/index.ts';

test('the reporting mailbox on a real Dovecot: reports are taken once, moved to Processed, and a dead server is a retryable error', async () => {
  const dovecot = await startDovecot({ users: ['reports@example.test', 'ana.lopez@example.test'] });
  try {
    await withStore('sqlite', async (store) => {
      const { ledger } = makeLedger(store);
      const intake = new ReportIntake(store, ledger, new JobQueue(store, { leaseMs: 10_000, maxAttempts: 3, backoffBaseMs: 1 }));
      const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: 'reports@example.test', pass: dovecot.password }, logger: false });
      await client.connect();
      await client.append('INBOX', reportOf(campaignMessage('ana.lopez@example.test'), 'ana.lopez@example.test'));
      await client.append('INBOX', reportOf(campaignMessage('ben.lopez@example.test'), 'ben.lopez@example.test'));
      await client.logout();

      const poller = new ReportMailboxPoller(intake, { host: dovecot.host, port: dovecot.port, user: 'reports@example.test', password: dovecot.password, tenant: 'default' });
      assert.equal(await poller.pollOnce(), 2);
      assert.equal(await poller.pollOnce(), 0, 'handled reports left the inbox');
      const reports = await store.db.selectFrom('reports').select(['verdict', 'campaign_id']).execute();
      assert.equal(reports.length, 2);
      assert.equal(reports[0]!.campaign_id, reports[1]!.campaign_id, 'two copies of one campaign');
      const events = await store.db.selectFrom('report_events').select(['id', 'reporter', 'channel']).execute();
      assert.deepEqual(events.map((e) => e.reporter).sort(), ['ana.lopez@example.test', 'ben.lopez@example.test']);
      assert.ok(events.every((e) => e.channel === 'imap' && e.id.startsWith('imap:reports@example.test:INBOX:')));

      // A receipt seen again (the move was cut off) is not counted again.
      const again = await intake.receive({ raw: reportOf(campaignMessage('ana.lopez@example.test'), 'ana.lopez@example.test'), reporter: 'ana.lopez@example.test', channel: 'imap', tenant: 'default', wrapped: true, receiptId: events[0]!.id });
      assert.equal(again.duplicate, true);
      assert.equal((await store.db.selectFrom('report_events').select('id').execute()).length, 2);

      const check = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: 'reports@example.test', pass: dovecot.password }, logger: false });
      await check.connect();
      const processed = await check.status('Processed', { messages: true });
      assert.equal(processed && processed.messages, 2);
      await check.logout();

      await dovecot.kill();
      await assert.rejects(poller.pollOnce(), (e) => isWritError(e, 'WRIT_CONNECTOR_FAILED') && e.retryable);
    });
  } finally {
    await dovecot.stop();
  }
});
