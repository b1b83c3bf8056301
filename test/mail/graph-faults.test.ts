/**
 * The Graph connector under faults, against its contract double: a mailbox that refuses
 * moves (403), transient 503s with and without Retry-After, a move whose answer is lost
 * after it took effect, the service stopped in the middle of a purge (back within the
 * retries, or only for a re-run), and Graph's 1,000-result cap on `$search`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWritError } from '../../src/errors/index.ts';
import { GraphSystem, type QuarantineOutcome, type QuarantineRequest } from '../../src/mail/systems/index.ts';
import { GraphContractDouble } from '../support/graph-contract-double.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage, sha256 } from './fixtures.ts';
import { collect, graphOptionsFor } from './systems.ts';

function users(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}@example.test`);
}

async function seed(double: GraphContractDouble, mailboxes: readonly string[]): Promise<void> {
  for (const [m, mailbox] of mailboxes.entries()) {
    await double.put(mailbox, ordinaryMessage(mailbox, m));
    await double.put(mailbox, campaignMessage(mailbox));
  }
}

async function purgeRequests(system: GraphSystem, key: string): Promise<QuarantineRequest[]> {
  const hits = await collect(system.search({ messageId: CAMPAIGN.messageId }));
  return hits.map((hit) => ({ hit, idempotencyKey: `${key}:${hit.mailbox}` }));
}

/** Every mailbox holds the campaign exactly once, in quarantine, moved exactly once. */
function assertQuarantinedOnce(double: GraphContractDouble, mailboxes: readonly string[]): void {
  for (const mailbox of mailboxes) {
    const held = double.messagesIn(mailbox, 'Quarantine');
    assert.equal(held.length, 1, `${mailbox}: one message in quarantine`);
    assert.equal(held[0]!.moves, 1, `${mailbox}: moved exactly once`);
    assert.equal(double.messagesIn(mailbox, 'INBOX').filter((m) => m.internetMessageId === CAMPAIGN.messageId).length, 0);
  }
}

function failures(outcomes: readonly QuarantineOutcome[]): string {
  return outcomes
    .filter((o) => !o.ok)
    .map((o) => (o.ok ? '' : `${o.request.hit.mailbox}: ${o.error.code} ${o.error.message}`))
    .join('; ');
}

test('graph: a mailbox that answers 403 to the move fails alone; the others are quarantined', async () => {
  const [alice, bob, carol] = users(3) as [string, string, string];
  const double = await GraphContractDouble.start({ users: [alice, bob, carol] });
  const system = new GraphSystem(graphOptionsFor(double));
  try {
    await seed(double, [alice, bob, carol]);
    double.denyMoves(bob);
    const requests = await purgeRequests(system, 'case-1');
    const outcomes = await system.quarantineAll(requests);
    const byMailbox = new Map(outcomes.map((o) => [o.request.hit.mailbox, o]));
    const quarantined = byMailbox.get(alice);
    assert.ok(quarantined?.ok && byMailbox.get(carol)?.ok, failures(outcomes));
    assert.equal(quarantined.record.locator, quarantined.request.hit.locator, 'an immutable id survives the move');
    const refused = byMailbox.get(bob);
    assert.ok(refused !== undefined && !refused.ok && isWritError(refused.error, 'WRIT_CONNECTOR_REFUSED'));
    assert.equal(refused.error.retryable, false);
    assert.deepEqual([refused.error.details?.status, refused.error.details?.graphCode], [403, 'ErrorAccessDenied']);
    assert.equal(double.requestsFor(bob).filter((r) => r.path.endsWith('/move')).length, 1, 'a refusal is not retried');
    assert.deepEqual(double.messagesIn(bob, 'Quarantine'), [], 'the refused message stays where it was');
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 1, 'verification sees the one left exposed');
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: transient 503s are retried, a 503 to a move re-reads state after its Retry-After, a lost move answer is no second move', async () => {
  const [alice, bob, carol] = users(3) as [string, string, string];
  const double = await GraphContractDouble.start({ users: [alice, bob, carol] });
  const system = new GraphSystem(graphOptionsFor(double));
  try {
    await seed(double, [alice, bob, carol]);
    const requests = await purgeRequests(system, 'case-2');
    const forMailbox = (mailbox: string): QuarantineRequest => requests.find((r) => r.hit.mailbox === mailbox)!;
    double.inject({ mailbox: alice, method: 'GET', path: /\/messages\/[^/]+$/, status: 503, count: 2 });
    double.inject({ mailbox: bob, method: 'POST', path: /\/move$/, status: 503, retryAfterSeconds: 1 });
    const outcomes = await system.quarantineAll([forMailbox(alice), forMailbox(bob)]);
    assert.ok(outcomes.every((o) => o.ok && o.moved), failures(outcomes));
    const toBob = double.requestsFor(bob);
    const unavailable = toBob.find((r) => r.status === 503)!;
    const next = toBob.find((r) => r.arrivedAt > unavailable.arrivedAt)!;
    assert.ok(next.arrivedAt - unavailable.arrivedAt >= 990, 'the Retry-After of a 503 is honoured too');
    assert.equal(next.method, 'GET', 'after an uncertain move the message is looked up before anything is moved');

    double.loseMoveAnswers(1);
    const [lost] = await system.quarantineAll([forMailbox(carol)]);
    assert.ok(lost?.ok, failures(lost === undefined ? [] : [lost]));
    assert.equal(lost.moved, false, 'the retry found it already in quarantine');
    assert.equal(lost.record.sha256, sha256(campaignMessage(carol)));
    assertQuarantinedOnce(double, [alice, bob, carol]);
    assert.deepEqual(double.violations, []);
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: the service stopped mid-purge and back within the retries: one call completes, nothing moved twice', async () => {
  const mailboxes = users(24);
  const double = await GraphContractDouble.start({ users: mailboxes, latencyMs: 10 });
  const system = new GraphSystem(graphOptionsFor(double, { concurrency: 2, retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 800 } }));
  try {
    await seed(double, mailboxes);
    const requests = await purgeRequests(system, 'case-3');
    assert.equal(requests.length, 24);
    const purge = system.quarantineAll(requests);
    await double.whenMoves(5);
    await double.stop();
    const cutAt = double.movesDone;
    assert.ok(cutAt < requests.length, 'stopped mid-purge');
    await new Promise((r) => setTimeout(r, 400));
    await double.start();
    const outcomes = await purge;
    assert.ok(outcomes.every((o) => o.ok), failures(outcomes));
    assertQuarantinedOnce(double, mailboxes);
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0);
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: the service stopped mid-purge for good: failures are retryable, and a re-run resumes without moving anything twice', async () => {
  const mailboxes = users(24);
  const double = await GraphContractDouble.start({ users: mailboxes, latencyMs: 10 });
  const system = new GraphSystem(graphOptionsFor(double, { concurrency: 2, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 40 } }));
  try {
    await seed(double, mailboxes);
    const requests = await purgeRequests(system, 'case-4');
    const purge = system.quarantineAll(requests);
    await double.whenMoves(6);
    await double.stop();
    const first = await purge;
    const done = first.filter((o) => o.ok);
    const cut = first.filter((o) => !o.ok);
    assert.ok(done.length > 0 && cut.length > 0, `the purge was cut: ${done.length} done, ${cut.length} cut`);
    for (const outcome of cut) assert.ok(!outcome.ok && isWritError(outcome.error, 'WRIT_CONNECTOR_FAILED') && outcome.error.retryable, failures([outcome]));

    // A fresh connector (another worker after a crash) relies only on what the mailboxes hold.
    await double.start();
    const rerun = new GraphSystem(graphOptionsFor(double));
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
    assertQuarantinedOnce(double, mailboxes);
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 0);
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: a $search that reaches Graph’s 1,000-result cap fails instead of answering part; "scan" finds what word search cannot', async () => {
  const [big, small] = users(2) as [string, string];
  const double = await GraphContractDouble.start({ users: [big, small] });
  const kql = new GraphSystem(graphOptionsFor(double, { mailboxes: [big, small] }));
  const scan = new GraphSystem(graphOptionsFor(double, { mailboxes: [big, small], textSearch: 'scan' }));
  try {
    for (let i = 0; i < 1000; i += 1) await double.put(big, ordinaryMessage(big, 2 + 4 * i)); // every one the payroll decoy
    await double.put(small, ordinaryMessage(small, 2));
    await double.put(small, campaignMessage(small));

    await assert.rejects(collect(kql.search({ subject: 'salary statement' })), (e) => isWritError(e, 'WRIT_LIMIT_EXCEEDED') && e.details?.mailbox === big);
    assert.equal((await collect(kql.search({ subject: 'salary statement' }, { mailboxes: [small] }))).length, 1);
    assert.equal(await scan.countRemaining({ subject: 'salary statement' }), 1001, 'a listing is not capped');

    // Part of a word: Graph's word search does not find it (documented), the scan does.
    assert.equal(await kql.countRemaining({ subject: 'tätigung' }, { mailboxes: [small] }), 0);
    assert.equal(await scan.countRemaining({ subject: 'tätigung' }, { mailboxes: [small] }), 1);
    assert.deepEqual(double.violations, []);
  } finally {
    await kql.close();
    await scan.close();
    await double.stop();
  }
});
