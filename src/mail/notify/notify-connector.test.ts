/**
 * NotifyConnector's bookkeeping, against a real ConnectorJournal (SQLite in memory) and a
 * scripted notifier that records every send: what is sent once, what is retried, what
 * fails for good. The SMTP wire is tested in test/mail/notify-smtp.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError, WritError } from '../../errors/index.ts';
import { ConnectorJournal, type ActionRecord } from '../../kernel/index.ts';
import { openStore, type Store } from '../../store/index.ts';
import { NotifyConnector } from './notify-connector.ts';
import type { Delivery, Notifier } from './notifier.ts';
import type { NotificationFacts, RenderedNotification } from './templates.ts';

type Script = (recipient: string, attempt: number) => 'accept' | 'reject' | 'defer' | 'down';

class ScriptedNotifier implements Notifier {
  readonly kind = 'scripted';
  readonly sends: Array<{ recipients: string[]; message: RenderedNotification; messageId: string }> = [];
  private readonly attempts = new Map<string, number>();
  constructor(public script: Script) {}

  async send(recipients: readonly string[], message: RenderedNotification, messageId: string): Promise<Delivery> {
    const delivery: Required<Delivery> = { accepted: [], rejected: [], deferred: [], messageId };
    for (const recipient of recipients) {
      const attempt = (this.attempts.get(recipient) ?? 0) + 1;
      this.attempts.set(recipient, attempt);
      const outcome = this.script(recipient, attempt);
      if (outcome === 'down') throw new WritError('WRIT_CONNECTOR_FAILED', 'SMTP unavailable', { retryable: true });
      this.sends.push({ recipients: [recipient], message, messageId });
      if (outcome === 'accept') delivery.accepted.push(recipient);
      if (outcome === 'reject') delivery.rejected.push({ recipient, reason: `550 no such user ${recipient}` });
      if (outcome === 'defer') delivery.deferred.push({ recipient, reason: '450 mailbox busy' });
    }
    return delivery;
  }

  sentTo(): string[] {
    return this.sends.flatMap((s) => s.recipients);
  }

  async close(): Promise<void> {}
}

function action(id: string, recipients: string[], template = 'malicious', type = 'notify_reporter'): ActionRecord {
  return { id, caseId: 'case-1', tenant: 'default', type, target: { type: 'case', id: 'case-1' }, params: { recipients, template }, actionHash: 'h', undo: null, result: null };
}

async function withJournal(body: (journal: ConnectorJournal, store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    await body(new ConnectorJournal(store), store);
  } finally {
    await store.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<WritError> {
  try {
    await promise;
  } catch (error) {
    if (isWritError(error)) return error;
    throw error;
  }
  assert.fail('expected a WritError');
}

const GRANT = { token: 'unused-here' };

test('renders once, sends one copy per recipient with the action\'s Message-ID, and never again for the same action', async () => {
  await withJournal(async (journal) => {
    const notifier = new ScriptedNotifier(() => 'accept');
    let factsCalls = 0;
    const facts = async (): Promise<NotificationFacts> => ({ reportedSubject: `Invoice ${++factsCalls}`, caseId: 'case-1', contained: 3 });
    const connector = new NotifyConnector(notifier, journal, facts, 'notify.example.test');
    const record = action('act-1', ['ann@example.test', 'Bob@example.test', 'bob@example.test']);

    const first = await connector.execute(record, GRANT);
    assert.deepEqual(first.result, { template: 'malicious', accepted: 2, rejected: 0 });
    assert.deepEqual(first.evidence, { message_id: '<act-1@notify.example.test>', accepted: ['ann@example.test', 'Bob@example.test'], rejected: [], subject: 'Your report was phishing: Invoice 1' });
    assert.deepEqual(notifier.sentTo(), ['ann@example.test', 'Bob@example.test'], 'a duplicate spelling is one recipient');
    assert.ok(notifier.sends.every((s) => s.messageId === '<act-1@notify.example.test>'));

    const again = await connector.execute(record, GRANT);
    assert.equal(notifier.sends.length, 2, 're-running a delivered action sends nothing');
    assert.deepEqual(again, first, 'and reports the same outcome, from the journal');
    assert.equal(factsCalls, 1, 'the message is rendered once: a retry says the same words');

    await connector.execute(action('act-2', ['ann@example.test']), GRANT);
    assert.equal(notifier.sends.length, 3, 'another action is another notification');
  });
});

test('a deferred recipient fails the attempt retryably; the retry sends only to that recipient', async () => {
  await withJournal(async (journal) => {
    const notifier = new ScriptedNotifier((r, attempt) => (r.startsWith('busy') && attempt === 1 ? 'defer' : 'accept'));
    const connector = new NotifyConnector(notifier, journal, async () => ({ reportedSubject: 's' }));
    const record = action('act-3', ['ann@example.test', 'busy@example.test', 'cat@example.test']);

    const error = await failure(connector.execute(record, GRANT));
    assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(error.retryable, true);
    assert.match(error.message, /busy@example\.test \(450 mailbox busy\)/);
    assert.deepEqual(error.details?.accepted, ['ann@example.test', 'cat@example.test'], 'the others were served in the same attempt');
    assert.deepEqual(notifier.sentTo(), ['ann@example.test', 'busy@example.test', 'cat@example.test']);

    const done = await connector.execute(record, GRANT);
    assert.deepEqual(notifier.sentTo().slice(3), ['busy@example.test'], 'only the deferred recipient is tried again');
    assert.deepEqual(done.evidence.accepted, ['ann@example.test', 'busy@example.test', 'cat@example.test']);
  });
});

test('an outage part-way stops the attempt; the retry resumes after whoever was served', async () => {
  await withJournal(async (journal) => {
    let down = true;
    const notifier = new ScriptedNotifier((r) => (down && r === 'cat@example.test' ? 'down' : 'accept'));
    const connector = new NotifyConnector(notifier, journal, async () => ({ reportedSubject: 's' }));
    const record = action('act-4', ['ann@example.test', 'bob@example.test', 'cat@example.test', 'dan@example.test']);

    const error = await failure(connector.execute(record, GRANT));
    assert.equal(error.code, 'WRIT_CONNECTOR_FAILED');
    assert.equal(error.retryable, true);
    assert.deepEqual(notifier.sentTo(), ['ann@example.test', 'bob@example.test'], 'nobody after the outage was tried');

    down = false;
    const done = await connector.execute(record, GRANT);
    assert.deepEqual(notifier.sentTo(), ['ann@example.test', 'bob@example.test', 'cat@example.test', 'dan@example.test'], 'nobody gets two copies');
    assert.equal(done.result.accepted, 4);
  });
});

test('refused recipients are evidence; if every recipient is refused the action fails for good, with the reasons', async () => {
  await withJournal(async (journal) => {
    const notifier = new ScriptedNotifier((r) => (r.startsWith('ghost') ? 'reject' : 'accept'));
    const connector = new NotifyConnector(notifier, journal, async () => ({ reportedSubject: 's' }));

    const partial = await connector.execute(action('act-5', ['ann@example.test', 'ghost1@example.test']), GRANT);
    assert.deepEqual(partial.result, { template: 'malicious', accepted: 1, rejected: 1 });
    assert.deepEqual(partial.evidence.rejected, [{ recipient: 'ghost1@example.test', reason: '550 no such user ghost1@example.test' }]);

    const all = action('act-6', ['ghost1@example.test', 'ghost2@example.test']);
    const error = await failure(connector.execute(all, GRANT));
    assert.equal(error.code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(error.retryable, false);
    assert.match(error.message, /every recipient was refused: ghost1@example\.test \(550 no such user ghost1@example\.test\), ghost2@example\.test \(550/);
    const sends = notifier.sends.length;
    assert.equal((await failure(connector.execute(all, GRANT))).code, 'WRIT_CONNECTOR_REFUSED');
    assert.equal(notifier.sends.length, sends, 'a refusal is journalled: not asked again');
  });
});

test('only notify_reporter with recipients and a known template; no undo; verify reads the recorded acceptance', async () => {
  await withJournal(async (journal) => {
    const notifier = new ScriptedNotifier(() => 'accept');
    const connector = new NotifyConnector(notifier, journal, async () => ({ reportedSubject: 's' }));
    assert.equal(connector.name, 'notify:scripted');
    assert.deepEqual(connector.capabilities, ['mail.notify']);
    for (const bad of [action('x1', ['a@example.test'], 'malicious', 'notify_external'), action('x2', [], 'safe'), action('x3', ['a@example.test'], 'threaten')]) {
      const error = await failure(connector.execute(bad, GRANT));
      assert.equal(error.code, 'WRIT_CONNECTOR_REFUSED');
      assert.equal(error.retryable, false);
    }
    assert.equal(notifier.sends.length, 0);
    assert.equal((await failure(connector.undo(action('x4', ['a@example.test'])))).code, 'WRIT_CONNECTOR_REFUSED');

    const record = action('x5', ['a@example.test']);
    const outcome = await connector.execute(record, GRANT);
    assert.equal((await connector.verify({ ...record, result: { result: outcome.result, evidence: outcome.evidence } })).satisfied, true);
    assert.equal((await connector.verify(record)).satisfied, false, 'nothing recorded, nothing shown');
    assert.throws(() => new NotifyConnector(notifier, journal, async () => ({ reportedSubject: 's' }), 'bad domain>'), /not a host name/);
  });
});
