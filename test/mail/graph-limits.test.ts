/**
 * The Graph connector against its contract double, on Graph's limits and credentials:
 * Retry-After honoured per mailbox (nothing sent while it is pending, other mailboxes go
 * on), never more than 4 requests in flight per mailbox or more than the global bound,
 * the per-mailbox request budget kept, the token cached, refreshed before it expires and
 * replaced when revoked, and the client secret kept out of everything but the token request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isWritError } from '../../src/errors/index.ts';
import { GraphSystem, type QuarantineRequest } from '../../src/mail/systems/index.ts';
import { GraphContractDouble } from '../support/graph-contract-double.ts';
import { CAMPAIGN, campaignMessage, ordinaryMessage } from './fixtures.ts';
import { collect, graphOptionsFor } from './systems.ts';

const CAMPAIGN_HEADER = { headers: { 'X-Campaign-Ref': 'pr-2025-03' } };
const ORDINARY_MAIL = { headers: { 'Message-ID': '@example.test>' } };

function users(count: number, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}@example.test`);
}

/** `ordinary` ordinary messages and the campaign in each mailbox's INBOX, put straight into the double. */
async function seed(double: GraphContractDouble, mailboxes: readonly string[], ordinary: number): Promise<void> {
  for (const [m, mailbox] of mailboxes.entries()) {
    for (let i = 0; i < ordinary; i += 1) await double.put(mailbox, ordinaryMessage(mailbox, m * 100 + i));
    await double.put(mailbox, campaignMessage(mailbox));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('graph: a Retry-After holds back every request to that mailbox until it is over, and only that mailbox', async () => {
  const [a, b] = users(2);
  const double = await GraphContractDouble.start({ users: [a!, b!], latencyMs: 20 });
  const system = new GraphSystem(graphOptionsFor(double, { mailboxes: [a!, b!] }));
  try {
    await seed(double, [a!, b!], 12);
    double.throttle(a!, 2);
    const hits = await collect(system.search(CAMPAIGN_HEADER));
    assert.deepEqual(hits.map((h) => h.mailbox).sort(), [a, b], 'the search completes in both mailboxes');

    const toA = double.requestsFor(a!);
    const throttled = toA.filter((r) => r.status === 429);
    assert.equal(throttled.length, 1, 'one 429, then silence: the connector does not probe a throttled mailbox');
    const told = throttled[0]!.arrivedAt;
    const resumed = toA.find((r) => r.arrivedAt > told)!;
    assert.ok(resumed.arrivedAt - told >= 1990, `the next request to ${a} came ${Math.round(resumed.arrivedAt - told)} ms after Retry-After: 2`);
    assert.ok(
      double.requestsFor(b!).some((r) => r.arrivedAt > told && r.arrivedAt < told + 2000),
      'the other mailbox was worked while the first one waited',
    );
    assert.deepEqual(double.violations, []);
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: operations on one mailbox share its 4 request slots; the bound is the connector’s own', async () => {
  const [a, b] = users(2);
  const double = await GraphContractDouble.start({ users: [a!, b!], latencyMs: 25 });
  const system = new GraphSystem(graphOptionsFor(double, { mailboxes: [a!, b!] }));
  const narrow = new GraphSystem(graphOptionsFor(double, { mailboxes: [a!, b!], mailboxConcurrency: 2 }));
  try {
    await seed(double, [a!, b!], 16);
    const onA = { mailboxes: [a!] };
    const requests: QuarantineRequest[] = (await collect(system.search({ messageId: CAMPAIGN.messageId }, onA))).map((hit) => ({ hit, idempotencyKey: `k:${hit.mailbox}` }));
    // Three operations at once on one mailbox want far more than 4 requests in flight.
    const [found, ordinary, outcomes] = await Promise.all([
      collect(system.search(CAMPAIGN_HEADER, onA)),
      system.countRemaining(ORDINARY_MAIL, onA),
      system.quarantineAll(requests),
    ]);
    assert.ok(found.length <= 1 && ordinary === 16 && outcomes.every((o) => o.ok));
    assert.equal(double.maxInFlight(a!), 4, 'the mailbox limit is reached, never passed');

    await Promise.all([collect(narrow.search(CAMPAIGN_HEADER, { mailboxes: [b!] })), narrow.countRemaining(ORDINARY_MAIL, { mailboxes: [b!] })]);
    assert.equal(double.maxInFlight(b!), 2, 'a lower mailboxConcurrency is kept too');
    assert.deepEqual(double.violations, []);
  } finally {
    await system.close();
    await narrow.close();
    await double.stop();
  }
});

test('graph: requests in flight across mailboxes stay within the global bound', async () => {
  const mailboxes = users(6);
  const double = await GraphContractDouble.start({ users: mailboxes, latencyMs: 20 });
  const system = new GraphSystem(graphOptionsFor(double, { concurrency: 3 }));
  try {
    await seed(double, mailboxes, 4);
    assert.equal(await system.countRemaining(CAMPAIGN_HEADER), 6);
    assert.ok(double.maxInFlightTotal <= 3, `at most 3 in flight, saw ${double.maxInFlightTotal}`);
    assert.ok(double.maxInFlightTotal >= 2, 'and the work still ran side by side');
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: the per-mailbox budget is kept; a connector that meets a spent budget waits out the Retry-After', async () => {
  const [a] = users(1);
  const budget = { requests: 12, windowMs: 1500 };
  const double = await GraphContractDouble.start({ users: [a!], budget });
  const system = new GraphSystem(graphOptionsFor(double, { mailboxes: [a!], mailboxBudget: budget }));
  const unaware = new GraphSystem(graphOptionsFor(double, { mailboxes: [a!] }));
  try {
    await seed(double, [a!], 20);
    const started = performance.now();
    assert.equal(await system.countRemaining(ORDINARY_MAIL), 20, 'one MIME download per message: 23 requests');
    assert.ok(performance.now() - started >= budget.windowMs, 'the work was spread over more than one window');
    assert.ok(double.busiestWindow(a!, budget.windowMs) <= budget.requests);
    assert.equal(double.throttles.length, 0, 'never throttled');
    assert.equal(double.violations.length, 0, 'no limit breached');

    // Another connector (another worker, not sharing the count) finds the budget spent: Graph says when to come back.
    assert.equal(await unaware.countRemaining(ORDINARY_MAIL), 20);
    assert.ok(double.throttles.some((t) => t.reason === 'budget'), 'it was throttled');
    assert.deepEqual(
      double.violations.filter((v) => v.kind !== 'budget'),
      [],
      'and it sent nothing while told to wait, and never more than 4 at once',
    );
  } finally {
    await system.close();
    await unaware.close();
    await double.stop();
  }
});

test('graph: one token for concurrent callers, refreshed before it expires, replaced once when revoked', async () => {
  const mailboxes = users(3);
  const double = await GraphContractDouble.start({ users: mailboxes, tokenLifetimeSeconds: 2 });
  const system = new GraphSystem(graphOptionsFor(double, { mailboxes }));
  try {
    await seed(double, mailboxes, 2);
    await Promise.all(mailboxes.map((m) => system.countRemaining({ messageId: CAMPAIGN.messageId }, { mailboxes: [m] })));
    assert.equal(double.tokenRequests.length, 1, 'concurrent first requests share one token request');

    await sleep(1600); // three quarters of the lifetime are gone
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 3);
    assert.equal(double.tokenRequests.length, 2, 'refreshed ahead of expiry');
    await sleep(2100); // that one has expired entirely
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 3);
    assert.equal(double.tokenRequests.length, 3);
    assert.ok(double.log.every((r) => r.auth === 'valid'), 'no request ever carried an expired token');

    double.revokeTokens();
    assert.equal(await system.countRemaining({ messageId: CAMPAIGN.messageId }), 3, 'a refused token is replaced and the request repeated');
    assert.equal(double.tokenRequests.length, 4, 'one new token for every refused request');
    const refused = double.log.filter((r) => r.auth === 'unknown').length;
    assert.ok(refused >= 1 && refused <= mailboxes.length, `at most each mailbox's first request (sent together) was refused, saw ${refused}`);
    assert.deepEqual(double.violations, []);
    assert.ok(system.stats.tokens === 4 && system.stats.requests === double.log.length);
  } finally {
    await system.close();
    await double.stop();
  }
});

test('graph: the directory is paged; users without a mailbox are left out; the secret goes to the token endpoint only', async () => {
  const mailboxes = users(1001);
  const double = await GraphContractDouble.start({ users: mailboxes, usersWithoutMailbox: ['room-1@example.test', 'svc-batch@example.test'] });
  const system = new GraphSystem(graphOptionsFor(double));
  const wrong = new GraphSystem(graphOptionsFor(double, { clientSecret: 'not-the-secret-9f2c' }));
  try {
    assert.deepEqual(await system.listMailboxes(), [...mailboxes].sort());
    const pages = double.log.filter((r) => r.path === '/v1.0/users');
    assert.equal(pages.length, 2, 'two pages of at most 999 users, the second by @odata.nextLink');
    assert.match(pages[0]!.query, /\$select=id%2CuserPrincipalName%2Cmail/);
    assert.ok(double.log.every((r) => r.auth === 'valid' && r.prefer === 'IdType="ImmutableId"'), 'every Graph request carries the token and the Prefer header');
    assert.deepEqual(double.violations, [], 'the secret never appeared in a Graph request');

    for (const shown of [inspect(system, { depth: 6 }), JSON.stringify(system.options), inspect(system.options)]) {
      assert.ok(!shown.includes(double.clientSecret), 'the secret never prints');
    }
    const refused = await wrong.listMailboxes().then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isWritError(refused, 'WRIT_CONNECTOR_REFUSED') && !refused.retryable);
    assert.equal(refused.details?.oauthError, 'invalid_client');
    const told = `${refused.message} ${JSON.stringify(refused.details)} ${inspect(refused, { depth: 6 })} ${String(refused.stack)}`;
    assert.ok(!told.includes('not-the-secret-9f2c'), 'the refused secret is not in the error');
  } finally {
    await system.close();
    await wrong.close();
    await double.stop();
  }
});
