import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { isWritError } from '../../src/errors/index.ts';
import { PostgresRoleConnector, RedisAclConnector, scramVerifierAccepts, type IdentityActionResult } from '../../src/identity/index.ts';
import { verifyStore } from '../../src/ledger/index.ts';
import type { Fingerprinter } from '../../src/secrets/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { makeIdentityWorld, databaseText, ledgerKinds, type IdentityWorld, type WorldOptions } from './response-world.ts';
import { PG_ADMIN_URL, pgAdmin, pgCanLogin, pgLogin, pgSandbox, randomName, redisAdmin, redisCanLogin, redisLogin, REDIS_HOST, REDIS_PORT, storedVerifier } from './support.ts';

/*
 * Issue 5's "tests must show", end to end through the governance kernel: finding → enrich →
 * plan → case → proposal decided by the shipped Cedar policies → grant → connector → read-back
 * → evidence-based closure, on SQLite and on PostgreSQL as Writ's own store.
 *
 * What the PostgreSQL proofs prove on this machine (pg_hba trusts TCP from 127.0.0.1, so the
 * server never checks a password here; see src/identity/postgres and postgres-role-connector.test.ts):
 * - "the old credential no longer logs in": a real TCP login as the role, with the leaked
 *   password, is refused by the server with SQLSTATE 28000 (NOLOGIN is enforced even under trust);
 * - "the old password is dead, not only the login switch": the SCRAM verifier PostgreSQL itself
 *   stored from the leaked password accepted it before, and the verifier stored afterwards refuses
 *   it (the exact StoredKey check the server runs on a scram-sha-256 pg_hba line), so re-enabling
 *   LOGIN would not bring the leaked password back. Redis checks every AUTH, so there the proof is
 *   a real AUTH answered WRONGPASS.
 */

const HOUR = 3_600_000;

async function withWorld(engine: (typeof ENGINES)[number], options: WorldOptions, body: (store: Store, world: IdentityWorld) => Promise<void>): Promise<void> {
  await withStore(engine, async (store) => {
    const world = await makeIdentityWorld(store, options);
    try {
      await body(store, world);
    } finally {
      await world.dispose();
    }
  });
}

function pgSystem(database: string, extra: Partial<ConstructorParameters<typeof PostgresRoleConnector>[0]> = {}) {
  return (fingerprinter: Fingerprinter) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter, probe: { database }, ...extra }) });
}

function pgIdentity(id: string, role: string, password: string, fp: Fingerprinter, cls: string, kind = 'token'): string {
  return `
identities:
  - id: ${id}
    kind: ${kind}
    owner: { team: payments, contact: payments-oncall@example.com }
    class: ${cls}
    environment: production
    system: { connector: postgres, target: ${role} }
    lifetime: { kind: long_lived }
    keyIds: [${id}-key-1]
    secretFingerprints: [${fp.of(password)}]
`;
}

function gitleaks(secret: string): string {
  return JSON.stringify([{ RuleID: 'generic-api-key', Description: 'Generic API Key', Secret: secret, Match: `TOKEN=${secret}`, File: 'deploy/.env', StartLine: 3, Commit: '9f1c2e7a', Date: '2026-11-20T10:00:00Z' }]);
}

async function canLoginFlag(role: string): Promise<boolean> {
  return pgAdmin(async (c) => (await c.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role])).rows[0]!.rolcanlogin);
}

/** A job that uses the shared Redis credential: it holds a connection and reconnects by itself. */
class Dependent {
  client: Redis | undefined;
  password = '';
  constructor(readonly user: string) {}
  async connect(password: string): Promise<void> {
    this.client?.disconnect();
    this.password = password;
    this.client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, username: this.user, password, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 20, retryStrategy: (n) => (n > 50 ? null : 20) });
    this.client.on('error', () => {});
    await this.client.connect();
  }
  async healthy(): Promise<boolean> {
    const key = `writ:health:${this.user}`;
    await this.client!.set(key, 'ok');
    return (await this.client!.ping()) === 'PONG' && (await this.client!.get(key)) === 'ok';
  }
  close(): void {
    this.client?.disconnect();
  }
}

async function redisUser(admin: Redis): Promise<{ name: string; password: string }> {
  const name = randomName('writ_nhi');
  const password = randomBytes(18).toString('base64url');
  await admin.call('ACL', 'SETUSER', name, 'on', `>${password}`, '~writ:*', '+@read', '+@write', '+ping');
  return { name, password };
}

function redisIdentity(id: string, user: string, password: string, fp: Fingerprinter, dependents: string[]): string {
  return `
identities:
  - id: ${id}
    kind: api_key
    owner: { team: billing, contact: billing@example.com }
    class: customer_facing_production
    environment: production
    system: { connector: redis, target: ${user} }
    lifetime: { kind: long_lived }
    dependents: [${dependents.map((d) => `{ kind: job, ref: ${d.replace(/^job:/, '')} }`).join(', ')}]
    secretFingerprints: [${fp.of(password)}]
`;
}

function trufflehog(secret: string): string {
  return JSON.stringify({ SourceMetadata: { Data: { Github: { repository: 'https://github.com/example/billing', file: 'config/redis.yml', line: 12, commit: 'c0ffee' } } }, DetectorName: 'Redis', Verified: true, Raw: secret });
}

for (const engine of ENGINES) {
  test(`${engine}: a leaked production token is revoked with no human in the loop, and the old password no longer logs in`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: pgSystem(box.database) }, async (store, world) => {
        const role = await box.createRole();
        assert.equal(scramVerifierAccepts(await storedVerifier(role.name), role.password), true, "before: the server's own verifier accepts the leaked password");
        await world.response.identities.importText(pgIdentity('checkout-api-token', role.name, role.password, world.fingerprinter, 'customer_facing_production'), 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
        const session = await pgLogin(role.name, role.password, box.database);
        assert.ok(session.ok, 'the token works before');

        const started = performance.now();
        const [outcome] = await world.response.ingest({ format: 'gitleaks', body: gitleaks(role.password), tenant: 'acme', location: 'https://github.com/example/public-repo' });
        assert.ok(outcome);
        assert.equal(outcome.status, 'responding');
        assert.equal(outcome.strategy, 'revoke_now');
        assert.equal(outcome.identityId, 'checkout-api-token');
        const revoke = outcome.proposed.find((p) => p.action === 'revoke_token');
        assert.ok(revoke, JSON.stringify(outcome.proposed));
        assert.equal(revoke.decision, 'auto', 'policy: identity-revoke-leaked-production-token-auto');
        await world.drain();
        const action = await world.kernel.actions.get(revoke.actionId);
        const elapsed = performance.now() - started;
        assert.equal(action.status, 'executed', String(action.error));
        assert.ok(action.policies.includes('identity-revoke-leaked-production-token-auto'), action.policies.join());
        assert.equal(action.principal, 'workflow:identity-response');
        console.log(`# ${engine}: finding → verified revocation in ${elapsed.toFixed(0)} ms`);

        // Nobody was asked: no approval exists, and the action went straight from decision to grant to execution.
        assert.deepEqual(await store.db.selectFrom('approvals').selectAll().execute(), []);
        assert.deepEqual(await ledgerKinds(store, { action: action.id }), ['action.proposed', 'policy.decided', 'grant.issued', 'action.executed']);

        // The old credential no longer logs in: the server refuses it (NOLOGIN), and its open session was ended.
        const login = await pgCanLogin(role.name, role.password, box.database);
        assert.equal(login.ok ? 'accepted' : login.code, '28000');
        assert.equal(await canLoginFlag(role.name), false);
        await assert.rejects(session.client.query('select 1'), 'the open session was terminated');
        await session.client.end().catch(() => {});
        // And the leaked password itself is dead: the stored verifier no longer accepts it.
        assert.equal(scramVerifierAccepts(await storedVerifier(role.name), role.password), false);
        const evidence = (action.result as { evidence: { ok: boolean; readBack: Array<{ checks: Array<{ name: string; ok: boolean }> }> } }).evidence;
        assert.equal(evidence.ok, true, JSON.stringify(evidence));
        assert.ok(evidence.readBack.flatMap((e) => e.checks).some((c) => c.name === 'login_refused' && c.ok));

        // The plan is done; the case closes on read-back evidence, not on anyone's word.
        assert.equal((await world.response.advance(outcome.planId!)).status, 'completed');
        const closed = await world.kernel.cases.close(outcome.caseId!, 'user:ana');
        assert.equal(closed.closeMode, 'evidence');
        assert.ok(!(await databaseText(store)).includes(role.password), 'the leaked secret is nowhere in the database');
        assert.ok((await verifyStore(store, world.key)).entries > 10);
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: a shared Redis credential with dependents is rotated, not revoked, and its dependents keep working`, async () => {
    const admin = redisAdmin();
    await admin.connect();
    const user = await redisUser(admin);
    const dependents = new Map([['job:billing-worker', new Dependent(user.name)], ['job:reporting', new Dependent(user.name)]]);
    let fingerprinter: Fingerprinter | undefined;
    try {
      for (const d of dependents.values()) await d.connect(user.password);
      await withWorld(
        engine,
        {
          systems: (fp) => {
            fingerprinter = fp;
            return { redis: new RedisAclConnector({ redis: { host: REDIS_HOST, port: REDIS_PORT }, fingerprinter: fp }) };
          },
          // The dependents' own health checks: which secret each uses, and a real round trip with it.
          probe: async ({ gate, subject, newSecretFingerprint }) => {
            const d = dependents.get(subject);
            if (!d) return undefined;
            if (gate === 'dependents_updated') {
              const uses = fingerprinter!.of(d.password);
              return { ok: uses === newSecretFingerprint, detail: uses === newSecretFingerprint ? 'uses the new secret' : 'still uses the old secret' };
            }
            const ok = await d.healthy().catch(() => false);
            return { ok, detail: ok ? 'PING and GET/SET succeed' : 'unhealthy' };
          },
        },
        async (store, world) => {
          await world.response.identities.importText(redisIdentity('billing-cache', user.name, user.password, world.fingerprinter, [...dependents.keys()]), 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
          const [outcome] = await world.response.ingest({ format: 'trufflehog', body: trufflehog(user.password), tenant: 'acme' });
          assert.ok(outcome);
          assert.equal(outcome.strategy, 'coordinated_rotation');
          const rotate = outcome.proposed.find((p) => p.action === 'rotate_secret');
          assert.ok(rotate, JSON.stringify(outcome.proposed));
          assert.equal(rotate.decision, 'approve', 'a rotation is coordinated with people: never automatic');
          const kinds = (await store.db.selectFrom('actions').select('type').execute()).map((r) => r.type);
          assert.ok(!kinds.includes('revoke_token') && !kinds.includes('disable_account'), `never revoked while dependents remain: ${kinds.join()}`);
          const context = JSON.parse((await store.db.selectFrom('actions').select('context').where('id', '=', rotate.actionId).executeTakeFirstOrThrow()).context) as { dependents: number; blast_radius: number };
          assert.equal(context.dependents, 2);
          assert.equal(context.blast_radius, 3, 'the identity and its two dependents');

          const view = await world.kernel.actions.get(rotate.actionId);
          await world.kernel.actions.approve(rotate.actionId, 'user:ana', view.actionHash);
          await world.drain();
          const executed = await world.kernel.actions.get(rotate.actionId);
          assert.equal(executed.status, 'executed', String(executed.error));
          const issued = world.sink.latest('billing-cache');
          assert.ok(issued, 'the new secret went to the sink');
          const result = (executed.result as { result: IdentityActionResult }).result;
          assert.equal(result.newSecretFingerprint, world.fingerprinter.of(issued.value));
          assert.equal(result.retirement, 'scheduled');

          // Grace period: both secrets work, and the dependents, still on the old one, keep working.
          assert.equal(await redisCanLogin(user.name, user.password), true);
          assert.equal(await redisCanLogin(user.name, issued.value), true);
          await world.later(10_000);
          let plan = await world.response.plan(outcome.planId!);
          assert.deepEqual(plan.steps.map((s) => s.status), ['done', 'done', 'waiting', 'pending'], JSON.stringify(plan.steps));
          assert.match(plan.steps[2]?.detail.note ?? '', /waiting for job:billing-worker, job:reporting/);
          assert.equal(await redisCanLogin(user.name, user.password), true, 'the old secret is not retired while dependents still use it');
          for (const d of dependents.values()) assert.equal(await d.healthy(), true);

          // The dependents take the new secret from where their deployment gets it.
          for (const d of dependents.values()) await d.connect(issued.value);
          await world.later(10_000);
          plan = await world.response.plan(outcome.planId!);
          assert.deepEqual(plan.steps.map((s) => s.status), ['done', 'done', 'done', 'done'], JSON.stringify(plan.steps));
          assert.equal(plan.plan.status, 'completed');

          // The old secret is retired: AUTH with it fails; the dependents keep working on the new one.
          const old = await redisLogin(user.name, user.password);
          assert.equal(old.ok ? 'accepted' : old.code, 'WRONGPASS');
          for (const d of dependents.values()) assert.equal(await d.healthy(), true, 'the dependent still works');
          assert.ok((await ledgerKinds(store)).includes('identity.secret_retired'));

          const closed = await world.kernel.cases.close(outcome.caseId!, 'user:ana');
          assert.equal(closed.closeMode, 'evidence');
          const text = await databaseText(store);
          assert.ok(!text.includes(issued.value), 'the new secret is nowhere in the database or ledger');
          assert.ok(!text.includes(user.password), 'nor is the old one');
        },
      );
    } finally {
      for (const d of dependents.values()) d.close();
      await admin.call('ACL', 'DELUSER', user.name);
      admin.disconnect();
    }
  });

  test(`${engine}: a break-glass identity waits for two approvers, neither the playbook nor its owner`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: pgSystem(box.database), playbookOwner: 'user:olivia' }, async (_store, world) => {
        const compromised = (password: string) => JSON.stringify({ type: 'compromised_token_use', time: new Date(world.clock.now()).toISOString(), token: password, source: { ip: '198.51.100.7' }, feed: 'intel-feed' });
        // The shipped policy identity-critical-class-rotate-dual makes a break-glass rotation need two people.
        const role = await box.createRole();
        await world.response.identities.importText(pgIdentity('breakglass-dba', role.name, role.password, world.fingerprinter, 'break_glass', 'service_account'), 'b.yaml', { tenant: 'acme', actor: 'user:ines' });
        const [outcome] = await world.response.ingest({ format: 'compromised', body: compromised(role.password), tenant: 'acme' });
        assert.ok(outcome);
        assert.equal(outcome.strategy, 'rotate');
        const step = outcome.proposed.find((p) => p.action === 'rotate_secret');
        assert.ok(step);
        assert.equal(step.decision, 'dual');
        const action = await world.kernel.actions.get(step.actionId);
        assert.equal(action.approvalsRequired, 2);

        await assert.rejects(world.kernel.actions.approve(action.id, 'workflow:identity-response', action.actionHash), (e) => isWritError(e, 'WRIT_SEPARATION_OF_DUTIES'));
        await assert.rejects(world.kernel.actions.approve(action.id, 'user:olivia', action.actionHash), (e) => isWritError(e, 'WRIT_SEPARATION_OF_DUTIES'), "the playbook's owner cannot approve it");
        assert.equal((await world.kernel.actions.approve(action.id, 'user:ana', action.actionHash)).status, 'awaiting_approval');
        await world.later(60_000);
        assert.equal((await world.kernel.actions.get(action.id)).status, 'awaiting_approval', 'one approval is not enough');
        assert.equal(scramVerifierAccepts(await storedVerifier(role.name), role.password), true, 'nothing changed on one approval');

        assert.equal((await world.kernel.actions.approve(action.id, 'user:ben', action.actionHash)).status, 'approved');
        await world.drain();
        const done = await world.kernel.actions.get(action.id);
        assert.equal(done.status, 'executed', String(done.error));
        const issued = world.sink.latest('breakglass-dba');
        assert.ok(issued);
        const verifier = await storedVerifier(role.name);
        assert.equal(scramVerifierAccepts(verifier, role.password), false, 'the compromised password is dead');
        assert.equal(scramVerifierAccepts(verifier, issued.value), true, 'the new one, held by the sink, works');
        assert.equal(await canLoginFlag(role.name), true, 'a break-glass account is rotated, never locked out');
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: a staged plan revokes at its deadline with nobody acting`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: pgSystem(box.database), stagedWindowMs: 4 * HOUR }, async (store, world) => {
        const role = await box.createRole();
        await world.response.identities.importText(pgIdentity('etl-loader', role.name, role.password, world.fingerprinter, 'internal_batch'), 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
        const [outcome] = await world.response.ingest({ format: 'gitleaks', body: gitleaks(role.password), tenant: 'acme' });
        assert.ok(outcome);
        assert.equal(outcome.strategy, 'staged');
        assert.deepEqual(outcome.proposed, [], 'nothing is proposed before the deadline: the owner is alerted first');
        const steps = (await world.response.plan(outcome.planId!)).steps;
        assert.equal(steps[0]?.status, 'done');
        assert.deepEqual(steps[0]?.detail.notice?.recipients, ['payments-oncall@example.com']);

        await world.drain();
        await world.later(4 * HOUR - 60_000);
        assert.deepEqual(await world.kernel.actions.forCase(outcome.caseId!), [], 'a minute before the deadline nothing has happened');
        assert.equal(await canLoginFlag(role.name), true);

        await world.later(61_000);
        const actions = await world.kernel.actions.forCase(outcome.caseId!);
        assert.equal(actions.length, 1, JSON.stringify(actions));
        const revoke = actions[0]!;
        assert.equal(revoke.type, 'revoke_token');
        assert.equal(revoke.principal, 'workflow:identity-response-deadline');
        assert.equal(revoke.decision, 'auto');
        assert.equal(revoke.status, 'executed', String(revoke.error));
        assert.deepEqual(await store.db.selectFrom('approvals').selectAll().execute(), [], 'nobody approved anything');
        const login = await pgCanLogin(role.name, role.password, box.database);
        assert.equal(login.ok ? 'accepted' : login.code, '28000');
        assert.equal(scramVerifierAccepts(await storedVerifier(role.name), role.password), false);
        assert.ok((await ledgerKinds(store, { case: outcome.caseId! })).includes('identity.gate_missed'));
        await world.later(10_000);
        assert.equal((await world.response.plan(outcome.planId!)).plan.status, 'completed');
        assert.equal((await world.kernel.cases.close(outcome.caseId!, 'user:ana')).closeMode, 'evidence');
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: a staged plan whose owner rotates in time skips the revoke`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: pgSystem(box.database), stagedWindowMs: 4 * HOUR }, async (store, world) => {
        const role = await box.createRole();
        const inventory = pgIdentity('etl-loader', role.name, role.password, world.fingerprinter, 'internal_batch');
        await world.response.identities.importText(inventory, 'inventory.yaml', { tenant: 'acme', actor: 'user:ines' });
        const [outcome] = await world.response.ingest({ format: 'gitleaks', body: gitleaks(role.password), tenant: 'acme' });
        await world.later(HOUR);
        // The owner rotates and records it: the leaked secret is no longer the identity's.
        const rotated = randomBytes(18).toString('base64url');
        await world.response.identities.importText(inventory.replace(world.fingerprinter.of(role.password), world.fingerprinter.of(rotated)), 'inventory.yaml', { tenant: 'acme', actor: 'user:owner' });
        await world.later(3 * HOUR + 1000);
        const { plan, steps } = await world.response.plan(outcome!.planId!);
        assert.deepEqual(steps.map((s) => s.status), ['done', 'done', 'skipped']);
        assert.equal(plan.status, 'completed');
        assert.deepEqual(await world.kernel.actions.forCase(outcome!.caseId!), []);
        assert.equal(await canLoginFlag(role.name), true, 'nothing was revoked');
        assert.ok((await ledgerKinds(store)).includes('identity.step_skipped'));
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: temporary access ends by itself: at the end of the grace period, and when the case closes`, async () => {
    const admin = redisAdmin();
    await admin.connect();
    const users = [await redisUser(admin), await redisUser(admin)];
    try {
      await withWorld(engine, { systems: (fp) => ({ redis: new RedisAclConnector({ redis: { host: REDIS_HOST, port: REDIS_PORT }, fingerprinter: fp }) }), rotationGraceSeconds: 600 }, async (store, world) => {
        const rotate = async (id: string, user: { name: string; password: string }) => {
          await world.response.identities.importText(redisIdentity(id, user.name, user.password, world.fingerprinter, ['job:a']), `${id}.yaml`, { tenant: 'acme', actor: 'user:ines' });
          const [outcome] = await world.response.ingest({ format: 'trufflehog', body: trufflehog(user.password), tenant: 'acme' });
          const step = outcome!.proposed.find((p) => p.action === 'rotate_secret')!;
          await world.kernel.actions.approve(step.actionId, 'user:ana', (await world.kernel.actions.get(step.actionId)).actionHash);
          await world.drain();
          assert.equal((await world.kernel.actions.get(step.actionId)).status, 'executed');
          assert.equal(await redisCanLogin(user.name, user.password), true, 'during the grace period the old secret still works');
          return { outcome: outcome!, actionId: step.actionId };
        };

        // 1. Nobody attests, no health check passes: the grace period ends and the old secret with it.
        const a = await rotate('cache-a', users[0]!);
        await world.later(300_000);
        assert.equal(await redisCanLogin(users[0]!.name, users[0]!.password), true);
        await world.later(301_000);
        const old = await redisLogin(users[0]!.name, users[0]!.password);
        assert.equal(old.ok ? 'accepted' : old.code, 'WRONGPASS');
        assert.equal((await world.response.rotations.get(a.actionId))?.retireReason, 'the grace period ended');
        assert.equal(await redisCanLogin(users[0]!.name, world.sink.latest('cache-a')!.value), true);

        // 2. The case is closed (an override: the rotation is not finished) during the grace period.
        const b = await rotate('cache-b', users[1]!);
        await assert.rejects(world.kernel.cases.close(b.outcome.caseId!, 'user:ana'), (e) => isWritError(e, 'WRIT_CASE_NOT_CLOSABLE'), 'the old secret still works: no evidence to close on');
        await world.kernel.cases.close(b.outcome.caseId!, 'user:ana', { override: 'billing confirmed the job was decommissioned' });
        await world.later(10_000);
        const stale = await redisLogin(users[1]!.name, users[1]!.password);
        assert.equal(stale.ok ? 'accepted' : stale.code, 'WRONGPASS', 'closing the case ended the temporary access');
        assert.match((await world.response.rotations.get(b.actionId))?.retireReason ?? '', /case closed/);
        assert.equal((await world.response.plan(b.outcome.planId!)).plan.status, 'closed');
        const kinds = await ledgerKinds(store);
        assert.equal(kinds.filter((k) => k === 'identity.secret_retired').length, 2);
      });
    } finally {
      for (const u of users) await admin.call('ACL', 'DELUSER', u.name);
      admin.disconnect();
    }
  });
}
