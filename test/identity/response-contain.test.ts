import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PostgresRoleConnector, RedisAclConnector, type IdentityActionResult } from '../../src/identity/index.ts';
import type { ActionRecord } from '../../src/kernel/index.ts';
import type { Store } from '../../src/store/index.ts';
import { ENGINES, withStore } from '../support/engines.ts';
import { makeIdentityWorld, ledgerKinds, type IdentityWorld, type WorldOptions } from './response-world.ts';
import { PG_ADMIN_URL, pgAdmin, pgCanLogin, pgLogin, pgSandbox, randomName, redisAdmin, redisCanLogin, REDIS_HOST, REDIS_PORT } from './support.ts';

/*
 * The softer and the reversible paths through the kernel: an anomaly found in ingested
 * authentication events is contained by capping session lifetime (a person approves, as the
 * finding is only suspected), and a disabled account is restored by a governed rollback.
 */

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

const canLogin = (role: string) => pgAdmin(async (c) => (await c.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role])).rows[0]!.rolcanlogin);

for (const engine of ENGINES) {
  test(`${engine}: an unusual source in the auth events becomes a finding; sessions are capped on approval, the credential is left alone`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database } }) }) }, async (store, world) => {
        const role = await box.createRole();
        await world.response.identities.importText(
          `- id: sync-bot\n  kind: service_account\n  owner: { team: integrations, contact: integrations@example.com }\n  class: customer_facing_production\n  environment: production\n  system: { connector: postgres, target: ${role.name} }\n  lifetime: { kind: long_lived }\n`,
          'inventory.yaml',
          { tenant: 'acme', actor: 'user:ines' },
        );
        const now = world.clock.now();
        const usual = Array.from({ length: 6 }, (_, i) => ({ time: now - (6 - i) * 3_600_000, system: 'postgres', principal: role.name, outcome: 'success', source: { ip: '10.20.0.5', asn: 64500 } }));
        const first = await world.response.ingestAuthEvents(usual, { tenant: 'acme' });
        assert.deepEqual(first, { stored: 6, attributed: 6, findings: [] }, 'a usual history raises nothing');

        const session = await pgLogin(role.name, role.password, box.database);
        assert.ok(session.ok);
        const odd = await world.response.ingestAuthEvents([{ time: now, system: 'postgres', principal: role.name, outcome: 'success', source: { ip: '203.0.113.50', asn: 64999, country: 'ZZ' } }], { tenant: 'acme' });
        assert.equal(odd.findings.length, 1);
        const outcome = odd.findings[0]!;
        assert.equal(outcome.identityId, 'sync-bot');
        assert.equal(outcome.strategy, 'contain_and_investigate');
        const cap = outcome.proposed.find((p) => p.action === 'shorten_session_lifetime');
        assert.ok(cap, JSON.stringify(outcome.proposed));
        assert.equal(cap.decision, 'approve', 'suspected, not confirmed: a person approves');
        assert.ok(!outcome.proposed.some((p) => ['revoke_token', 'disable_account', 'rotate_secret'].includes(p.action)), 'nothing harsher than a session cap on a suspicion');
        const facts = (await world.kernel.cases.get(outcome.caseId!)).facts as { recent_auth: number };
        assert.equal(facts.recent_auth, 7, 'the case carries the identity’s recent authentications');

        // Two hours on (by the clock Writ decides with), the session opened above is older than the 15-minute cap.
        world.clock.advance(2 * 3_600_000);
        await world.kernel.actions.approve(cap.actionId, 'user:ana', (await world.kernel.actions.get(cap.actionId)).actionHash);
        await world.drain();
        const done = await world.kernel.actions.get(cap.actionId);
        assert.equal(done.status, 'executed', String(done.error));
        await assert.rejects(session.client.query('select 1'), 'the long session was ended');
        await session.client.end().catch(() => {});
        assert.equal(await canLogin(role.name), true, 'the credential itself still works');
        assert.equal((await pgCanLogin(role.name, role.password, box.database)).ok, true);
        assert.ok((await ledgerKinds(store)).includes('identity.finding_received'));
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: a disabled database role is restored by a governed rollback, with the undo the connector recorded`, async () => {
    const box = await pgSandbox();
    try {
      await withWorld(engine, { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database } }) }) }, async (store, world) => {
        const role = await box.createRole();
        await world.response.identities.importText(
          `- id: orders-role\n  kind: database_role\n  owner: { team: orders }\n  class: customer_facing_production\n  environment: production\n  system: { connector: postgres, target: ${role.name} }\n  lifetime: { kind: long_lived }\n  secretFingerprints: [${world.fingerprinter.of(role.password)}]\n`,
          'inventory.yaml',
          { tenant: 'acme', actor: 'user:ines' },
        );
        const [outcome] = await world.response.ingest({ format: 'gitleaks', tenant: 'acme', body: JSON.stringify([{ RuleID: 'pg', Secret: role.password, File: 'a' }]) });
        const disable = outcome!.proposed.find((p) => p.action === 'disable_account')!;
        assert.ok(disable, 'a database role is disabled (reversible), not revoked');
        await world.kernel.actions.approve(disable.actionId, 'user:ana', (await world.kernel.actions.get(disable.actionId)).actionHash);
        await world.drain();
        const executed = await world.kernel.actions.get(disable.actionId);
        assert.equal(executed.status, 'executed', String(executed.error));
        assert.deepEqual(executed.undo, { identity: 'orders-role' });
        const refused = await pgCanLogin(role.name, role.password, box.database);
        assert.equal(refused.ok ? 'accepted' : refused.code, '28000');

        const rollback = await world.kernel.actions.rollback(disable.actionId, { type: 'user', id: 'ben' }, 'the leak was a revoked test credential with the same value');
        assert.equal(rollback.type, 'enable_account');
        if (rollback.decision === 'approve') await world.kernel.actions.approve(rollback.id, 'user:ana', rollback.actionHash);
        await world.drain();
        assert.equal((await world.kernel.actions.get(rollback.id)).status, 'executed');
        assert.equal((await world.kernel.actions.get(disable.actionId)).status, 'rolled_back');
        assert.equal(await canLogin(role.name), true);
        assert.equal((await pgCanLogin(role.name, role.password, box.database)).ok, true, 'login restored');
        assert.ok((await ledgerKinds(store, { action: rollback.id })).includes('action.rolled_back'));
      });
    } finally {
      await box.cleanup();
    }
  });

  test(`${engine}: an owner-less finding escalates in the same case once the inventory knows the secret; a source's "resolved" joins it`, async () => {
    const systems = () => ({});
    await withWorld(engine, { systems }, async (store, world) => {
      const secret = `ghp_${randomBytes(18).toString('hex')}`;
      const alert = (action: string) => JSON.stringify({ action, alert: { number: 17, secret_type: 'github_personal_access_token', secret, validity: 'active' }, repository: { full_name: 'example/app', visibility: 'public' } });
      const [unknown] = await world.response.ingest({ format: 'github', tenant: 'acme', body: alert('created') });
      assert.equal(unknown?.strategy, 'owner_less_case');
      await world.response.identities.importText(
        `- id: release-bot-pat\n  kind: token\n  owner: { team: release }\n  class: customer_facing_production\n  environment: production\n  system: { connector: webhook, target: release-bot }\n  lifetime: { kind: long_lived }\n  secretFingerprints: [${world.fingerprinter.of(secret)}]\n`,
        'inventory.yaml',
        { tenant: 'acme', actor: 'user:ines' },
      );
      const [known] = await world.response.ingest({ format: 'github', tenant: 'acme', body: alert('validated') });
      assert.ok(known);
      assert.equal(known.status, 'escalated');
      assert.equal(known.caseId, unknown!.caseId, 'the same case carries on');
      assert.equal(known.strategy, 'revoke_now');
      assert.equal(known.proposed.find((p) => p.action === 'revoke_token')?.decision, 'auto');
      assert.equal((await world.response.plan(unknown!.planId!)).plan.status, 'superseded');
      const [resolved] = await world.response.ingest({ format: 'github', tenant: 'acme', body: alert('resolved') });
      assert.equal(resolved?.status, 'duplicate');
      assert.match(resolved?.reason ?? '', /source reports this finding resolved/);
      assert.ok((await ledgerKinds(store)).includes('identity.finding_resolved_by_source'));
      assert.equal((await store.db.selectFrom('cases').selectAll().execute()).length, 1);
    });
  });

  test(`${engine}: a rotation re-run after a crash issues no second secret (the journal remembers it)`, async () => {
    const admin = redisAdmin();
    await admin.connect();
    const user = randomName('writ_nhi');
    const password = randomBytes(18).toString('base64url');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~writ:*', '+ping');
    try {
      await withWorld(engine, { systems: (fp) => ({ redis: new RedisAclConnector({ redis: { host: REDIS_HOST, port: REDIS_PORT }, fingerprinter: fp }) }) }, async (store, world) => {
        await world.response.identities.importText(
          `- id: queue-key\n  kind: api_key\n  owner: { team: ops }\n  class: customer_facing_production\n  environment: production\n  system: { connector: redis, target: ${user} }\n  lifetime: { kind: long_lived }\n  dependents: [{ kind: job, ref: worker }]\n  secretFingerprints: [${world.fingerprinter.of(password)}]\n`,
          'inventory.yaml',
          { tenant: 'acme', actor: 'user:ines' },
        );
        const [outcome] = await world.response.ingest({ format: 'compromised', tenant: 'acme', body: JSON.stringify({ type: 'compromised_token_use', time: new Date(world.clock.now()).toISOString(), token: password }) });
        const step = outcome!.proposed.find((p) => p.action === 'rotate_secret')!;
        const view = await world.kernel.actions.get(step.actionId);
        await world.kernel.actions.approve(view.id, 'user:ana', view.actionHash);
        await world.drain();
        const first = ((await world.kernel.actions.get(view.id)).result as { result: IdentityActionResult }).result;
        // The executor runs the action again, as it would after dying before recording the outcome.
        const record: ActionRecord = { id: view.id, caseId: view.caseId, tenant: view.tenant, type: view.type, target: view.target, params: view.params, actionHash: view.actionHash, undo: null, result: null };
        const grant = await store.transaction((trx) => world.kernel.grants.issue(trx, { actionId: view.id, actionHash: view.actionHash, target: `identity:queue-key`, caseId: view.caseId }, 'test'));
        const again = await world.kernel.connectors.for('identity.rotate').execute(record, { token: grant.token });
        assert.equal((again.result as unknown as IdentityActionResult).newSecretFingerprint, first.newSecretFingerprint);
        assert.equal(world.sink.count('queue-key'), 1, 'one secret issued, once');
        const acl = (await admin.call('ACL', 'GETUSER', user)) as unknown[];
        const passwords = acl[acl.indexOf('passwords') + 1] as string[];
        assert.equal(passwords.length, 2, 'the old password (in its grace period) and one new one, not two');
        assert.equal(await redisCanLogin(user, world.sink.latest('queue-key')!.value), true);
      });
    } finally {
      await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
    }
  });
}
