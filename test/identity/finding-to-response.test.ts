import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  AuthLog,
  Inventory,
  PostgresRoleConnector,
  RedisAclConnector,
  enrichFinding,
  importInventoryYaml,
  operationFor,
  parseAuthEvent,
  parseGitleaksReport,
  parseTrufflehogJsonl,
  planForEnriched,
  retireOperationFor,
  type PostgresRoleResult,
  type RedisAclResult,
} from '../../src/identity/index.ts';
import { PG_ADMIN_URL, pgCanLogin, pgLogin, pgSandbox, randomName, redisAdmin, redisCanLogin, redisLogin, REDIS_HOST, REDIS_PORT, testFingerprinter } from './support.ts';

/*
 * The building blocks end to end, without the kernel (policy, approvals, grants, ledger),
 * which the lead wires in: finding → enrichment → plan → connector → read-back.
 */

const fingerprinter = testFingerprinter();

test('a leaked customer-facing production credential: revoke-now plan, no human flag, and the old password no longer logs in', async () => {
  const box = await pgSandbox();
  const pgConn = new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter, probe: { database: box.database } });
  try {
    const role = await box.createRole();
    const inventory = new Inventory(
      fingerprinter,
      importInventoryYaml(`
identities:
  - id: checkout-db
    kind: database_role
    owner: { team: checkout, contact: checkout@example.com }
    class: customer_facing_production
    environment: production
    system: { connector: postgres, target: ${role.name} }
    lifetime: { kind: long_lived }
    secretFingerprints: [${fingerprinter.of(role.password)}]
`),
    );
    const log = new AuthLog();
    log.record(parseAuthEvent({ time: new Date().toISOString(), system: 'postgres', principal: role.name, outcome: 'success', source: { ip: '10.0.0.9' } }), inventory);

    const started = performance.now();
    const report = JSON.stringify([{ RuleID: 'postgres-dsn', Secret: role.password, File: 'deploy/.env', StartLine: 4, Commit: 'abc', Match: `DATABASE_URL=postgres://x:${role.password}@db` }]);
    const [finding] = parseGitleaksReport(report, { fingerprinter, location: 'https://github.com/example/public-repo' });
    const enriched = enrichFinding(finding!, { inventory, authLog: log });
    assert.equal(enriched.match.by, 'secret_fingerprint');
    assert.equal(enriched.authHistory.length, 1);
    const plan = planForEnriched(enriched, { now: new Date() });
    assert.equal(plan.strategy, 'revoke_now');
    assert.equal(plan.requiresHumanApproval, false);
    const first = plan.steps[0]!;
    assert.equal(first.proposal?.action, 'disable_account');
    assert.deepEqual(first.after, []);

    const op = operationFor(first.proposal!, enriched.identity!, 'case-42');
    assert.deepEqual(op, { kind: 'disable_login', target: role.name, ref: 'case-42' });
    const { evidence } = await pgConn.execute(op as { kind: 'disable_login'; target: string });
    const elapsed = performance.now() - started;
    assert.equal(evidence.ok, true, JSON.stringify(evidence));
    const login = await pgCanLogin(role.name, role.password, box.database);
    assert.equal(login.ok ? 'accepted' : login.code, '28000', 'the old credential is refused by the server');
    console.log(`# finding → verified revocation: ${elapsed.toFixed(0)} ms`);
    assert.ok(!JSON.stringify({ finding, enriched, plan, evidence }).includes(role.password));
  } finally {
    await pgConn.close();
    await box.cleanup();
  }
});

test('a shared Redis credential with dependents: coordinated rotation, never a revoke, and the dependents keep working', async () => {
  const admin = redisAdmin();
  await admin.connect();
  const user = randomName('writ_nhi');
  const password = randomBytes(18).toString('base64url');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~writ:*', '+@read', '+@write', '+ping');
  const conn = new RedisAclConnector({ redis: { host: REDIS_HOST, port: REDIS_PORT }, fingerprinter });
  try {
    const inventory = new Inventory(fingerprinter);
    inventory.putInput({
      id: 'cache-shared',
      kind: 'api_key',
      owner: { team: 'platform', contact: 'platform@example.com' },
      class: 'internal_batch',
      environment: 'production',
      system: { connector: 'redis', target: user },
      lifetime: { kind: 'long_lived' },
      secretFingerprints: [fingerprinter.of(password)],
      dependents: [{ kind: 'job', ref: 'session-sweeper' }, { kind: 'service', ref: 'checkout-api' }],
    });
    // Two dependents, connected with the shared secret.
    const sweeper = await redisLogin(user, password);
    const checkout = await redisLogin(user, password);
    assert.ok(sweeper.ok && checkout.ok);

    const line = JSON.stringify({ DetectorName: 'Redis', Verified: true, Raw: password, SourceMetadata: { Data: { Github: { repository: 'https://github.com/example/x', file: 'cfg.yml', line: 2 } } } });
    const [finding] = parseTrufflehogJsonl(line, { fingerprinter });
    const enriched = enrichFinding(finding!, { inventory });
    const plan = planForEnriched(enriched, { now: new Date() });
    assert.equal(enriched.identity?.id, 'cache-shared');
    assert.equal(plan.strategy, 'staged', 'internal batch: the owner gets a deadline first');
    assert.ok(!plan.proposals.some((p) => p.action === 'revoke_token' || p.action === 'disable_account'));
    const rotateStep = plan.steps.find((s) => s.proposal?.action === 'rotate_secret')!;
    assert.deepEqual(rotateStep.retireOldAfter?.length, 2);

    // Nobody rotated by the deadline: Writ runs the fallback, a coordinated rotation.
    const rotateOp = operationFor(rotateStep.proposal!, enriched.identity!);
    assert.deepEqual(rotateOp.params, { mode: 'add' });
    const rotated = await conn.execute(rotateOp as { kind: 'rotate_password'; target: string; params: { mode: 'add' } });
    assert.equal(rotated.evidence.ok, true);
    const newPassword = rotated.newSecret!.take();
    // Gate 1, dependents updated: each reconnects with the new secret from the store…
    const sweeper2 = await redisLogin(user, newPassword);
    const checkout2 = await redisLogin(user, newPassword);
    assert.ok(sweeper2.ok && checkout2.ok);
    // …while the old connections still serve until they are swapped out.
    assert.equal(await sweeper.client.ping(), 'PONG');
    sweeper.client.disconnect();
    checkout.client.disconnect();
    // Gate 2, dependents healthy.
    assert.equal(await sweeper2.client.ping(), 'PONG');
    assert.equal(await checkout2.client.ping(), 'PONG');
    // Retire the old secret.
    const retire = await conn.execute(retireOperationFor(enriched.identity!, rotated.result as RedisAclResult) as { kind: 'retire_passwords'; target: string });
    assert.equal(retire.evidence.ok, true);
    assert.equal(await redisCanLogin(user, password), false, 'the leaked secret is dead');
    assert.equal(await sweeper2.client.ping(), 'PONG', 'the dependents kept working');
    assert.equal(await checkout2.client.ping(), 'PONG');
    sweeper2.client.disconnect();
    checkout2.client.disconnect();

    // The inventory learns the new fingerprint and forgets the old one.
    inventory.recordRotation('cache-shared', { addFingerprint: rotated.result.newSecretFingerprint!, removeFingerprint: fingerprinter.of(password), at: rotated.result.at });
    assert.equal(enrichFinding(finding!, { inventory }).match.status, 'unmatched');
    assert.equal(inventory.index.lookupSecret(newPassword)[0], 'cache-shared');
  } finally {
    await conn.close();
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  }
});

test('PostgreSQL coordinated rotation: pooled dependents survive until the retire step ends pre-rotation sessions', async () => {
  const box = await pgSandbox();
  const conn = new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter, probe: { database: box.database } });
  try {
    const role = await box.createRole();
    const identity = new Inventory(fingerprinter).putInput({
      id: 'reports-db',
      kind: 'database_role',
      owner: { team: 'bi' },
      class: 'break_glass',
      environment: 'production',
      system: { connector: 'postgres', target: role.name },
      lifetime: { kind: 'long_lived' },
      dependents: [{ kind: 'job', ref: 'nightly-report' }],
    });
    const pooled = await pgLogin(role.name, role.password, box.database);
    assert.ok(pooled.ok);
    const rotateOp = operationFor({ action: 'rotate_secret', params: { gracePeriodSeconds: 600 } }, identity);
    const rotated = await conn.execute(rotateOp as { kind: 'rotate_password'; target: string });
    await pooled.client.query('select 1'); // the dependent's pooled session survives the rotation
    const retireOp = retireOperationFor(identity, rotated.result as PostgresRoleResult);
    assert.deepEqual(retireOp, { kind: 'terminate_sessions', target: role.name, params: { startedBefore: rotated.result.at } });
    const retired = await conn.execute(retireOp as { kind: 'terminate_sessions'; target: string });
    assert.equal(retired.evidence.ok, true);
    await assert.rejects(pooled.client.query('select 1'), 'the pre-rotation session is gone after retire');
    await pooled.client.end().catch(() => {});
    assert.equal((await pgCanLogin(role.name, rotated.newSecret!.take(), box.database)).ok, true);
  } finally {
    await conn.close();
    await box.cleanup();
  }
});
