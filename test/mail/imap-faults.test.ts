/**
 * The IMAP connector under faults, against a real Dovecot: a mailbox that refuses the
 * move, a mailbox that does not exist, the server killed in the middle of a purge (and
 * back during the retries, or only for a re-run), a move cut between copy and expunge,
 * bounded concurrency, and the on-disk layout shared with the Maildir connector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { isWritError } from '../../src/errors/index.ts';
import { ImapSystem, MOVING_KEYWORD, MaildirSystem, type QuarantineOutcome, type QuarantineRequest } from '../../src/mail/systems/index.ts';
import { startDovecot, type Dovecot } from '../support/dovecot.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage } from './fixtures.ts';
import { collect, countFiles, imapOptionsFor } from './systems.ts';
import { startCountingProxy } from './tcp-proxy.ts';

async function seedCampaign(system: ImapSystem, mailboxes: readonly string[]): Promise<void> {
  for (const [m, mailbox] of mailboxes.entries()) {
    await system.deliver(mailbox, ordinaryMessage(mailbox, m));
    await system.deliver(mailbox, campaignMessage(mailbox));
  }
}

async function purgeRequests(system: ImapSystem, key: string): Promise<QuarantineRequest[]> {
  const hits = await collect(system.search({ messageId: CAMPAIGN.messageId }));
  return hits.map((hit) => ({ hit, idempotencyKey: `${key}:${hit.mailbox}` }));
}

function quarantinedOnDisk(dovecot: Dovecot, mailbox: string): number {
  return countFiles(join(dovecot.mailRoot, mailbox, '.Quarantine'));
}

function totalQuarantinedOnDisk(dovecot: Dovecot): number {
  return dovecot.users.reduce((sum, mailbox) => sum + quarantinedOnDisk(dovecot, mailbox), 0);
}

/** Resolves once at least `count` messages sit in quarantine folders on disk. */
async function whenQuarantined(dovecot: Dovecot, count: number): Promise<void> {
  while (totalQuarantinedOnDisk(dovecot) < count) await new Promise((r) => setTimeout(r, 2));
}

async function adminClient(dovecot: Dovecot, mailbox: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: `${mailbox}*${dovecot.masterUser}`, pass: dovecot.masterPassword },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function users(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}`);
}

test('imap: a mailbox that refuses the move, and one that does not exist, fail alone; the others are quarantined', async () => {
  const dovecot = await startDovecot({ users: ['alice', 'bob', 'carol'] });
  const system = new ImapSystem(imapOptionsFor(dovecot));
  try {
    const [alice, bob, carol] = dovecot.users as [string, string, string];
    await seedCampaign(system, dovecot.users);
    dovecot.denyInsert(bob, 'Quarantine');
    const requests = await purgeRequests(system, 'case-7');
    assert.equal(requests.length, 3);
    const ghost = { hit: { ...requests[0]!.hit, mailbox: 'nobody@example.test' }, idempotencyKey: 'case-7:nobody' };
    const outcomes = await system.quarantineAll([...requests, ghost]);

    const byMailbox = new Map(outcomes.map((o) => [o.request.hit.mailbox, o]));
    assert.ok(byMailbox.get(alice)?.ok && byMailbox.get(carol)?.ok);
    const refused = byMailbox.get(bob);
    assert.ok(refused !== undefined && !refused.ok);
    assert.ok(isWritError(refused.error, 'WRIT_CONNECTOR_REFUSED'));
    assert.equal(refused.error.retryable, false);
    assert.equal(refused.error.details?.serverCode, 'NOPERM');
    const missing = byMailbox.get('nobody@example.test');
    assert.ok(missing !== undefined && !missing.ok && isWritError(missing.error, 'WRIT_CONNECTOR_REFUSED'));

    // Bob's message is where it was, without the in-flight mark.
    const left = await collect(system.search({ messageId: CAMPAIGN.messageId }));
    assert.deepEqual(left.map((h) => `${h.mailbox}/${h.folder}`), [`${bob}/INBOX`]);
    const client = await adminClient(dovecot, bob);
    try {
      await client.mailboxOpen('INBOX');
      const messages = await client.fetchAll('1:*', { flags: true, envelope: true });
      const flags = messages.find((m) => m.envelope?.messageId === CAMPAIGN.messageId)?.flags;
      assert.ok(flags !== undefined && !flags.has(MOVING_KEYWORD));
    } finally {
      await client.logout();
    }
    // Verification sees the one message still exposed.
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 1);
  } finally {
    await system.close();
    await dovecot.stop();
  }
});

test('imap: the server killed mid-purge and back within the retries: one call completes, nothing moved twice', async () => {
  const dovecot = await startDovecot({ users: users(24) });
  const system = new ImapSystem(imapOptionsFor(dovecot, { concurrency: 2, retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 800 } }));
  try {
    await seedCampaign(system, dovecot.users);
    const requests = await purgeRequests(system, 'case-8');
    assert.equal(requests.length, 24);

    const purge = system.quarantineAll(requests);
    await whenQuarantined(dovecot, 5);
    await dovecot.kill();
    const cutAt = totalQuarantinedOnDisk(dovecot);
    assert.ok(cutAt < requests.length, 'the kill came mid-purge');
    await new Promise((r) => setTimeout(r, 400));
    await dovecot.start();
    const outcomes = await purge;

    assert.ok(outcomes.every((o) => o.ok), failures(outcomes));
    for (const mailbox of dovecot.users) assert.equal(quarantinedOnDisk(dovecot, mailbox), 1, `${mailbox}: exactly one copy`);
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0);
    assert.equal(await system.countRemaining({ headers: { 'Message-ID': 'ordinary.' } }), 24, 'ordinary mail untouched');
  } finally {
    await system.close();
    await dovecot.stop();
  }
});

test('imap: the server killed mid-purge for good: failures are retryable, and a re-run resumes without duplicates or loss', async () => {
  const dovecot = await startDovecot({ users: users(24) });
  const system = new ImapSystem(imapOptionsFor(dovecot, { concurrency: 2, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 40 } }));
  try {
    await seedCampaign(system, dovecot.users);
    const requests = await purgeRequests(system, 'case-9');

    const purge = system.quarantineAll(requests);
    await whenQuarantined(dovecot, 6);
    await dovecot.kill();
    const first = await purge;
    const done = first.filter((o) => o.ok);
    const cut = first.filter((o) => !o.ok);
    assert.ok(done.length > 0 && cut.length > 0, `the purge was cut: ${done.length} done, ${cut.length} cut`);
    for (const outcome of cut) {
      assert.ok(!outcome.ok && isWritError(outcome.error, 'WRIT_CONNECTOR_FAILED') && outcome.error.retryable);
    }

    // The re-run comes from a fresh connector (as from another worker after a crash): it
    // relies on nothing remembered in memory, only on what the server holds.
    await dovecot.start();
    const rerun = new ImapSystem(imapOptionsFor(dovecot));
    const second = await rerun.quarantineAll(requests).finally(() => rerun.close());
    assert.ok(second.every((o) => o.ok), failures(second));
    for (const [i, outcome] of second.entries()) {
      const before = first[i]!;
      if (before.ok && outcome.ok) {
        assert.equal(outcome.moved, false, 'already quarantined: not moved again');
        assert.deepEqual(outcome.record, before.record, 'the same record');
      }
    }
    const movedByRerun = second.filter((o) => o.ok && o.moved).length;
    assert.ok(movedByRerun <= cut.length && movedByRerun >= cut.length - 2, 'the re-run moved what the cut left behind');
    for (const mailbox of dovecot.users) assert.equal(quarantinedOnDisk(dovecot, mailbox), 1, `${mailbox}: exactly one copy`);
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0);
  } finally {
    await system.close();
    await dovecot.stop();
  }
});

test('imap: a move cut between copy and expunge is finished, not repeated', async () => {
  const dovecot = await startDovecot({ users: ['alice'] });
  const system = new ImapSystem(imapOptionsFor(dovecot));
  try {
    const [alice] = dovecot.users as [string];
    await seedCampaign(system, [alice]);
    const [request] = await purgeRequests(system, 'case-10');
    assert.ok(request !== undefined);
    // What a server that moves by copy-then-expunge leaves when it dies in between.
    const client = await adminClient(dovecot, alice);
    try {
      await client.mailboxCreate('Quarantine');
      await client.mailboxOpen('INBOX');
      const uid = Number(request.hit.locator.split(':')[1]);
      await client.messageFlagsAdd(String(uid), [MOVING_KEYWORD], { uid: true });
      assert.ok(await client.messageCopy(String(uid), 'Quarantine', { uid: true }));
    } finally {
      await client.logout();
    }
    assert.equal(quarantinedOnDisk(dovecot, alice), 1);

    const record = await system.quarantine(request.hit, { idempotencyKey: request.idempotencyKey });
    assert.equal(quarantinedOnDisk(dovecot, alice), 1, 'no second copy in quarantine');
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0, 'the source copy is gone');
    const check = await adminClient(dovecot, alice);
    try {
      await check.mailboxOpen('Quarantine');
      const held = await check.fetchAll('1:*', { uid: true, flags: true });
      assert.equal(held.length, 1);
      assert.equal(`${check.mailbox && check.mailbox.uidValidity}:${held[0]!.uid}`, record.locator);
      assert.ok(!held[0]!.flags?.has(MOVING_KEYWORD), 'the in-flight mark is cleared');
    } finally {
      await check.logout();
    }
    // And a message that carries a stale mark but was never copied is simply moved.
    await system.restore(record);
    const [again] = await purgeRequests(system, 'case-11');
    const client2 = await adminClient(dovecot, alice);
    try {
      await client2.mailboxOpen('INBOX');
      await client2.messageFlagsAdd(String(Number(again!.hit.locator.split(':')[1])), [MOVING_KEYWORD], { uid: true });
    } finally {
      await client2.logout();
    }
    const [outcome] = await system.quarantineAll([again!]);
    assert.ok(outcome?.ok && outcome.moved);
    assert.equal(quarantinedOnDisk(dovecot, alice), 1);
  } finally {
    await system.close();
    await dovecot.stop();
  }
});

test('imap: concurrency is bounded overall, and work still runs in parallel', async () => {
  const dovecot = await startDovecot({ users: users(12) });
  const seeder = new ImapSystem(imapOptionsFor(dovecot));
  const proxy = await startCountingProxy(dovecot.port);
  const system = new ImapSystem({ ...imapOptionsFor(dovecot), port: proxy.port, concurrency: 3 });
  try {
    await seedCampaign(seeder, dovecot.users);
    const requests = await purgeRequests(system, 'case-12');
    const searchConnections = proxy.total;
    assert.equal(searchConnections, 12, 'one connection per mailbox for the search');
    // Two purges at once share the same bound; the second finds everything done.
    const [a, b] = await Promise.all([system.quarantineAll(requests), system.quarantineAll(requests)]);
    assert.ok(a.every((o) => o.ok) && b.every((o) => o.ok));
    assert.equal(a.filter((o) => o.ok && o.moved).length + b.filter((o) => o.ok && o.moved).length, 12, 'each message moved once');
    assert.ok(proxy.maxOpen <= 3, `at most 3 connections at once, saw ${proxy.maxOpen}`);
    assert.ok(proxy.maxOpen >= 2, 'mailboxes are worked in parallel');
  } finally {
    await system.close();
    await seeder.close();
    await proxy.close();
    await dovecot.stop();
  }
});

test('imap and maildir share the Maildir++ layout: mail written by one is quarantined by the other', async () => {
  const dovecot = await startDovecot({ users: ['alice', 'bob'] });
  const maildir = new MaildirSystem({ root: dovecot.mailRoot });
  const imap = new ImapSystem(imapOptionsFor(dovecot));
  try {
    for (const mailbox of dovecot.users) {
      await maildir.deliver(mailbox, ordinaryMessage(mailbox, 1));
      await maildir.deliver(mailbox, campaignMessage(mailbox), 'Archive');
    }
    dovecot.adoptMail();
    const hits = await collect(imap.search({ from: CAMPAIGN.sender }));
    assert.deepEqual(hits.map((h) => h.folder), ['Archive', 'Archive']);
    const outcomes = await imap.quarantineAll(hits.map((hit) => ({ hit, idempotencyKey: `x:${hit.mailbox}` })));
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(await maildir.countRemaining({ from: CAMPAIGN.sender }), 0, 'the Maildir connector sees the IMAP quarantine');
    assert.equal(await maildir.countRemaining({ headers: { 'Message-ID': 'ordinary.' } }), 2);
  } finally {
    await imap.close();
    await dovecot.stop();
  }
});

function failures(outcomes: readonly QuarantineOutcome[]): string {
  return outcomes
    .filter((o) => !o.ok)
    .map((o) => (o.ok ? '' : `${o.request.hit.mailbox}: ${o.error.code} ${o.error.message} ${String((o.error.cause as Error | undefined)?.stack ?? '')}`))
    .join('; ');
}
